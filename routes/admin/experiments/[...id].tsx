import { readRun, type RunDetails } from "../../../lib/app/mod.ts";
import { Head } from "../../../lib/web/mod.ts";
import Curves from "../../../islands/Curves.tsx";
import { define, HttpError, page } from "../../../utils.ts";
import { formatBytes, formatValue, MetricTags, ParamTags } from "../../_lib/components.tsx";

export const handler = define.handlers({
  async GET(ctx) {
    try {
      return page({ run: await readRun(ctx.state.services.settings.web.runs_dir, ctx.params.id!) });
    } catch (err) {
      if (err instanceof RangeError) throw new HttpError(404, err.message, { cause: err });
      throw err;
    }
  },
});

type Curve = RunDetails["curves"][0];

function series(curves: Curve[]) {
  return curves.map((c) => ({ name: c.name, x: c.steps, y: c.values }));
}

function Confusion({ c }: { c: NonNullable<RunDetails["confusion"]> }) {
  return (
    <figure class="confusion" id="confusion">
      <figcaption>
        Confusion matrix ({c.split}
        {c.step >= 0 ? `, step ${c.step}` : ""}): rows are true classes, columns predictions
      </figcaption>
      <table class="matrix">
        <thead>
          <tr>
            <th></th>
            {c.classes.map((k) => <th key={k} scope="col">{k}</th>)}
          </tr>
        </thead>
        <tbody>
          {c.matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr>
                <th scope="row">{c.classes[i]}</th>
                {row.map((n, j) => {
                  const share = n / total;
                  const hue = i === j ? "37,99,235" : "220,38,38";
                  return (
                    <td
                      style={{
                        background: `rgba(${hue},${Math.min(1, share * 1.2).toFixed(3)})`,
                        color: share > 0.45 ? "#fff" : undefined,
                      }}
                      title={`true ${c.classes[i]}, predicted ${c.classes[j]}: ${n}`}
                    >
                      {n}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
  );
}

export default define.page<typeof handler>(({ data: { run } }) => {
  const losses = run.curves.filter((c) => /loss/i.test(c.name));
  const accuracies = run.curves.filter((c) => /acc/i.test(c.name));
  const others = run.curves.filter((c) =>
    !losses.includes(c) && !accuracies.includes(c) &&
    !/(^|_)(lr|learning_rate|time|seconds)$/.test(c.name)
  );
  return (
    <>
      <Head>
        <title>{`${run.run} · Experiments · lifecycle`}</title>
      </Head>
      <p class="crumbs">
        <a href="/admin/experiments">Experiments</a> / {run.model} / {run.exp}
      </p>
      <h1>{run.run}</h1>
      <p class="muted">
        {run.date} · <code>{run.id}</code>
      </p>
      {run.torn && (
        <div class="banner banner-warn">
          metrics.jsonl ends in a cut line: the run stopped while writing
        </div>
      )}
      <div class="tags">
        <ParamTags params={run.params} />
        <MetricTags best={run.best} prefix="best " />
      </div>
      <div class="charts">
        {losses.length > 0 && <Curves id="loss-chart" title="Loss" series={series(losses)} />}
        {accuracies.length > 0 && (
          <Curves id="accuracy-chart" title="Accuracy" series={series(accuracies)} />
        )}
        {others.length > 0 && (
          <Curves id="other-chart" title="Other metrics" series={series(others)} />
        )}
        {run.curves.length === 0 && <p class="card">No metrics logged yet.</p>}
      </div>
      <div class="cards">
        {run.confusion && (
          <section class="card">
            <Confusion c={run.confusion} />
          </section>
        )}
        <section class="card">
          <h2>Checkpoints</h2>
          {run.checkpoints.length === 0 ? <p class="muted">None.</p> : (
            <div class="scroll">
              <table class="table compact" id="checkpoints">
                <thead>
                  <tr>
                    <th>Checkpoint</th>
                    <th>Files</th>
                    <th>State</th>
                  </tr>
                </thead>
                <tbody>
                  {run.checkpoints.map((c) => (
                    <tr>
                      <td>
                        <code>{c.name}</code>
                      </td>
                      <td>
                        {c.files.map((f) => `${f.name} (${formatBytes(f.bytes)})`).join(", ")}
                      </td>
                      <td class="small">
                        {c.state
                          ? Object.entries(c.state).filter(([, v]) => typeof v !== "object")
                            .map(([k, v]) => `${k}: ${formatValue(v)}`).join(" · ")
                          : ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
      <section class="card wide">
        <h2>Composed config</h2>
        {run.config
          ? <pre class="config" id="config">{run.config}</pre>
          : <p class="muted">No config.yaml.</p>}
      </section>
    </>
  );
});
