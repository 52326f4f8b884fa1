import {
  type ArchiveEntry,
  candidatesOf,
  listArchives,
  type ModelInfo,
  ModelServerError,
  promoteVersion,
  stageArchive,
} from "../../lib/app/mod.ts";
import { DEFAULT_PROMOTION } from "../../lib/serve/mod.ts";
import { Head } from "../../lib/web/mod.ts";
import LiveMetrics from "../../islands/LiveMetrics.tsx";
import { define, HttpError, page, type State } from "../../utils.ts";
import type { Context } from "../../lib/web/mod.ts";
import { Flash } from "../_lib/components.tsx";
import { type Data, ModelsCard, RegisterCard, ServerCard, StoreCard } from "./_serve_cards.tsx";
import { redirectWithFlash, takeFlash } from "../_lib/session.ts";

type Ctx = Context<State>;

function intField(form: FormData, name: string, min = 0): number | undefined {
  const raw = String(form.get(name) ?? "").trim();
  if (raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(
      `Invalid ${name} ${JSON.stringify(raw)}: expected a whole number ≥ ${min}`,
    );
  }
  return n;
}

function text(form: FormData, name: string): string {
  const v = String(form.get(name) ?? "").trim();
  if (!v) throw new RangeError(`Missing ${name}`);
  return v;
}

async function act(ctx: Ctx, form: FormData): Promise<string> {
  const { server, settings } = ctx.state.services;
  const client = server.client;
  switch (form.get("action")) {
    case "start":
      return await server.start(form.get("mode") === "background" ? "background" : "in-process");
    case "stop":
      return await server.stop();
    case "register": {
      const given = String(form.get("path") ?? "").trim() || String(form.get("archive") ?? "");
      if (!given) throw new RangeError("Choose an archive of the model store or give a path");
      const staged = await stageArchive(settings.server.modelStore, given, settings.baseDir);
      const status = await client.register({
        url: staged.url,
        modelName: String(form.get("model_name") ?? "").trim() || undefined,
        batchSize: intField(form, "batch_size", 1),
        maxBatchDelay: intField(form, "max_batch_delay"),
        initialWorkers: intField(form, "initial_workers"),
        responseTimeout: intField(form, "response_timeout", 1),
      });
      return staged.note ? `${status} (${staged.note})` : status;
    }
    case "unregister":
      return await client.unregister(text(form, "model"), text(form, "version"));
    case "scale": {
      const min = intField(form, "min_worker") ?? 0;
      const max = intField(form, "max_worker") ?? min;
      if (max < min) throw new RangeError(`Invalid workers: max ${max} is below min ${min}`);
      return await client.scale(text(form, "model"), text(form, "version"), min, max);
    }
    case "set_default":
      return await client.setDefault(text(form, "model"), text(form, "version"));
    case "promote": {
      const r = await promoteVersion(client, text(form, "model"), text(form, "version"), {
        policy: settings.server.promotion,
        force: form.get("force") === "1",
      });
      if (!r.promoted) throw new Error(r.message);
      return r.message;
    }
    default:
      throw new HttpError(400, `Unknown action ${JSON.stringify(form.get("action"))}`);
  }
}

async function loadModels(ctx: Ctx, up: boolean) {
  if (!up) return { models: [] as ModelInfo[] };
  try {
    return { models: await ctx.state.services.server.client.models() };
  } catch (err) {
    if (!(err instanceof ModelServerError)) throw err;
    return { models: [] as ModelInfo[], modelsError: err.message };
  }
}

export const handler = define.handlers({
  async GET(ctx) {
    const { server, settings } = ctx.state.services;
    const status = await server.status();
    const { flash, headers } = takeFlash(ctx);
    const policy = settings.server.promotion ?? DEFAULT_PROMOTION;
    const served = await loadModels(ctx, status.up);
    let archives: ArchiveEntry[] = [];
    let archivesError: string | undefined;
    try {
      archives = await listArchives(settings.server.modelStore);
    } catch (err) {
      archivesError = (err as Error).message;
    }
    return page<Data>({
      status,
      ...served,
      candidates: served.models.flatMap((m) => candidatesOf(m, policy)),
      policy,
      archives,
      archivesError,
      modelStore: settings.server.modelStore,
      defaults: settings.server,
      flash,
    }, { headers });
  },
  async POST(ctx) {
    const form = await ctx.req.formData();
    try {
      return redirectWithFlash("/admin/serve", true, await act(ctx, form));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return redirectWithFlash("/admin/serve", false, (err as Error).message);
    }
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <Head>
      <title>Serving · lifecycle</title>
    </Head>
    <h1>Serving</h1>
    <Flash flash={data.flash} />
    <div class="serve-grid">
      <ServerCard data={data} csrf={state.csrfToken} />
      <section class="card">
        <h2>Live figures</h2>
        <LiveMetrics up={data.status.up} />
      </section>
      <ModelsCard data={data} csrf={state.csrfToken} />
      <RegisterCard data={data} csrf={state.csrfToken} />
      <StoreCard data={data} />
    </div>
  </>
));
