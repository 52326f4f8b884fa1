import { readRun, type RunDetails } from "../../../lib/app/mod.ts";
import { Head } from "../../../lib/web/mod.ts";
import Curves from "../../../islands/Curves.tsx";
import { define, HttpError, page } from "../../../utils.ts";
import { MetricTags, ParamTags } from "../../_lib/components.tsx";

export const handler = define.handlers({
  async GET(ctx) {
    const ids = [...new Set(ctx.url.searchParams.getAll("run"))];
    if (ids.length === 0) return ctx.redirect("/admin/experiments");
    if (ids.length > 12) throw new HttpError(400, `Cannot compare ${ids.length} runs: 12 at most`);
    const root = ctx.state.services.settings.web.runs_dir;
    const runs: RunDetails[] = [];
    for (const id of ids) {
      try {
        runs.push(await readRun(root, id));
      } catch (err) {
        if (err instanceof RangeError) throw new HttpError(404, err.message, { cause: err });
        throw err;
      }
    }
    const metrics = [...new Set(runs.flatMap((r) => r.curves.map((c) => c.name)))].sort();
    const asked = ctx.url.searchParams.getAll("metric").filter((m) => metrics.includes(m));
    const chosen = asked.length
      ? asked
      : metrics.filter((m) => /^(test|val)_(accuracy|loss)$|^train_loss$/.test(m));
    return page({ runs, metrics, chosen: chosen.length ? chosen : metrics.slice(0, 1) });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <Head>
      <title>Compare runs · lifecycle</title>
    </Head>
    <p class="crumbs">
      <a href="/admin/experiments">Experiments</a> / compare
    </p>
    <h1>{data.runs.length === 1 ? "One run" : `Compare ${data.runs.length} runs`}</h1>
    <form method="get" class="card row wrap">
      {data.runs.map((r) => <input key={r.id} type="hidden" name="run" value={r.id} />)}
      {data.metrics.map((m) => (
        <label class="check">
          <input type="checkbox" name="metric" value={m} checked={data.chosen.includes(m)} /> {m}
        </label>
      ))}
      <button type="submit" class="secondary">Show</button>
    </form>
    <div class="charts">
      {data.chosen.map((m) => (
        <Curves
          id={`compare-${m.replace(/[^\w-]/g, "_")}`}
          title={m}
          series={data.runs.flatMap((r) =>
            r.curves.filter((c) => c.name === m).map((c) => ({
              name: `${r.model}/${r.exp}/${r.run}`,
              x: c.steps,
              y: c.values,
            }))
          )}
        />
      ))}
    </div>
    <section class="card wide">
      <div class="scroll">
        <table class="table" id="compare-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Date</th>
              <th>Parameters</th>
              <th>Best</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r) => (
              <tr>
                <td>{`${r.model}/${r.exp}/${r.run}`}</td>
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
    </section>
  </>
));
