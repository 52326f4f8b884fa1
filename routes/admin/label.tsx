import { exportExamples, modelClasses } from "../../lib/app/mod.ts";
import type { Counts, Strategy } from "../../lib/store/mod.ts";
import { Head } from "../../lib/web/mod.ts";
import LabelQueue from "../../islands/LabelQueue.tsx";
import { define, page } from "../../utils.ts";
import { CsrfField, Flash } from "../_lib/components.tsx";
import {
  loadQueue,
  QUEUE_STRATEGIES,
  type QueueItem,
  queueItem,
  queueParams,
  storeHttpError,
} from "../_lib/label.ts";
import { redirectWithFlash, takeFlash } from "../_lib/session.ts";

interface Data {
  below: number;
  strategy: Strategy;
  items: QueueItem[];
  counts: Counts;
  classes: string[];
  recent: QueueItem[];
  exportDir: string;
  exportName: string;
  storeName: string;
  flash?: { ok: boolean; text: string };
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

export const handler = define.handlers({
  async GET(ctx) {
    const services = ctx.state.services;
    const { below, strategy } = queueParams(ctx.url);
    const { flash, headers } = takeFlash(ctx);
    try {
      const { items, counts } = await loadQueue(services, below, strategy);
      const recent = (await services.stores.primary.list({ status: "labeled", limit: 8 })).items
        .map(queueItem);
      const seen = [...items, ...recent].flatMap((i) => i.topK.map((t) => t.label));
      const classes = await modelClasses(services, new Set(items.map((i) => i.model)), seen);
      return page<Data>({
        below,
        strategy,
        items,
        counts,
        classes,
        recent,
        exportDir: services.settings.web.export_dir,
        exportName: `labeled-${stamp(new Date())}`,
        storeName: `${services.stores.primary.kind} store`,
        flash,
      }, { headers });
    } catch (err) {
      throw storeHttpError(err);
    }
  },
  async POST(ctx) {
    const form = await ctx.req.formData();
    const back = `/admin/label${ctx.url.search}`;
    if (form.get("action") !== "export") {
      return redirectWithFlash(back, false, `Unknown action ${JSON.stringify(form.get("action"))}`);
    }
    try {
      const r = await exportExamples(ctx.state.services, String(form.get("name") ?? "").trim());
      const per = Object.entries(r.perClass).filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`);
      return redirectWithFlash(
        back,
        true,
        `Exported ${r.total} labeled examples (${
          per.join(", ")
        }) to ${r.dir}. Train on them: ${r.command}`,
      );
    } catch (err) {
      return redirectWithFlash(back, false, (err as Error).message);
    }
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <Head>
      <title>Labeling · lifecycle</title>
    </Head>
    <h1>Labeling</h1>
    <Flash flash={data.flash} />
    <p class="muted">
      Predictions kept in the {data.storeName}{" "}
      whose confidence is below the threshold, most uncertain first. Keys: a class's key labels,
      {" "}
      <kbd>s</kbd> skips, <kbd>←</kbd> <kbd>→</kbd> move.
    </p>
    <LabelQueue
      items={data.items}
      counts={data.counts}
      classes={data.classes}
      below={data.below}
      strategy={data.strategy}
      strategies={QUEUE_STRATEGIES}
      recent={data.recent}
      csrf={state.csrfToken}
    />
    <section class="card">
      <h2>Export labeled examples</h2>
      <p class="muted">
        Writes an <code>image_folder</code>{" "}
        data set (one folder per class and a manifest.json) under{" "}
        <code>{data.exportDir}</code>, ready for{" "}
        <code>
          deno task train data=examples data.path=&lt;folder&gt; trainer.init_from=&lt;run&gt;
        </code>{" "}
        (fine-tunes the run on its data plus these examples).
      </p>
      <form method="post" class="row" id="export-form">
        <CsrfField token={state.csrfToken} />
        <input type="hidden" name="action" value="export" />
        <label class="field grow">
          <span>Folder name</span>
          <input
            name="name"
            value={data.exportName}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
            required
          />
        </label>
        <button type="submit">Export</button>
      </form>
    </section>
  </>
));
