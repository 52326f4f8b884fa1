import { type AppServices, type ModelInfo, ModelServerError } from "../lib/app/mod.ts";
import { Head } from "../lib/web/mod.ts";
import Predict from "../islands/Predict.tsx";
import { define, page } from "../utils.ts";
import { Banner } from "./_lib/components.tsx";

async function servedModels(services: AppServices) {
  try {
    const models = await services.server.client.models();
    const problem = models.length === 0
      ? "The model server runs but serves no model yet"
      : undefined;
    return { models, problem };
  } catch (err) {
    if (!(err instanceof ModelServerError)) throw err;
    return { models: [] as ModelInfo[], problem: err.message };
  }
}

export const handler = define.handlers({
  async GET(ctx) {
    const { advisor, settings, storeWarning } = ctx.state.services;
    const { models, problem } = await servedModels(ctx.state.services);
    const state = advisor.state;
    return page({
      models: models.map((m) => ({
        name: m.name,
        defaultVersion: m.defaultVersion,
        versions: m.versions.map((v) => v.version),
      })),
      problem,
      advice: state.enabled
        ? { enabled: true, note: `${state.model} (${new URL(state.baseURL).host})` }
        : { enabled: false, note: state.reason },
      storeOn: settings.web.store_predictions,
      storeWarning,
      maxBytes: settings.web.max_upload_bytes,
    });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <Head>
      <title>Predict · lifecycle</title>
    </Head>
    <h1>Predict a digit</h1>
    {data.problem && (
      <Banner kind="warn">
        <strong>No model to predict with.</strong> {data.problem}.{" "}
        <a href="/admin/serve">Open the serving page</a> to start the server or register a model.
      </Banner>
    )}
    {data.storeWarning && <Banner kind="warn">{data.storeWarning}</Banner>}
    <Predict
      models={data.models}
      advice={data.advice}
      storeOn={data.storeOn}
      maxBytes={data.maxBytes}
    />
  </>
));
