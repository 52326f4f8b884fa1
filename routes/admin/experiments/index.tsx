import { listRuns, type RunSummary } from "../../../lib/app/mod.ts";
import { Head } from "../../../lib/web/mod.ts";
import { define, page } from "../../../utils.ts";
import { MetricTags, ParamTags } from "../../_lib/components.tsx";

export const handler = define.handlers({
  async GET(ctx) {
    const root = ctx.state.services.settings.web.runs_dir;
    return page({ root, runs: await listRuns(root) });
  },
});

function runHref(r: RunSummary): string {
  return `/admin/experiments/${r.id.split("/").map(encodeURIComponent).join("/")}`;
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <Head>
      <title>Experiments · lifecycle</title>
    </Head>
    <h1>Experiments</h1>
    <p class="muted">
      Runs under <code>{data.root}</code>. Tick runs and compare their curves.
    </p>
    {data.runs.length === 0
      ? (
        <p class="card">
          No run yet: train one with <code>deno task train</code>.
        </p>
      )
      : (
        <form method="get" action="/admin/experiments/compare" class="card wide">
          <div class="scroll">
            <table class="table" id="runs">
              <thead>
                <tr>
                  <th></th>
                  <th>Model</th>
                  <th>Experiment</th>
                  <th>Run</th>
                  <th>Date</th>
                  <th>Parameters</th>
                  <th>Best</th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr>
                    <td>
                      <input
                        type="checkbox"
                        name="run"
                        value={r.id}
                        aria-label={`compare ${r.id}`}
                      />
                    </td>
                    <td>{r.model}</td>
                    <td>{r.exp}</td>
                    <td>
                      <a href={runHref(r)}>{r.run}</a>
                    </td>
                    <td class="nowrap">{r.date}</td>
                    <td class="params">
                      <ParamTags params={r.params} />
                    </td>
                    <td class="params">
                      <MetricTags best={r.best} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="submit">Compare selected runs</button>
        </form>
      )}
  </>
));
