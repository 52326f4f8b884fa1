// The whole loop in a temporary folder, through the commands and the app as a person drives
// them: train (small budget) → archive → serve → predict a batch of digits through the app's
// API → relabel some → export → retrain with the command the export suggests → archive the
// next version → it is registered beside the default and becomes the default only when it is
// not worse (a worse candidate stays a candidate; force promotes it).
import assert from "node:assert/strict";
import { join } from "node:path";
import { readArchive } from "../../lib/archive/mod.ts";
import { runCli } from "../_shared.ts";
import { trainCli } from "../train/_experiment.ts";
import { Client, digitPng, fixtureApp, imageForm } from "../web/_pages.ts";

const PARENT = [
  "data.num_samples=1000",
  "trainer.training_iters=1",
  "trainer.epochs_per_iteration=1",
];

async function optimize(run: string, cwd: string): Promise<string> {
  const out = await runCli("optimize.ts", ["--quantize", "--mode", "static", run], { cwd });
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr);
  const m = /^Archive: (\S+) \(model "cnn_int8_static" version (\d+\.0), int8_static\)$/m.exec(
    text,
  );
  assert.ok(m, text);
  return join(cwd, m[1]!);
}

/** The run directory a train CLI run reports. */
function runDirOf(stderr: string): string {
  const m = /results in (\S+)\/results\.json/.exec(stderr);
  assert.ok(m, stderr);
  return m[1]!;
}

/** Splits a shell command line of plain and single-quoted words. */
function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replaceAll("'\\''", "'") : m[2]!
  );
}

Deno.test({
  name:
    "lifecycle: train, archive, serve, predict, relabel, export, retrain, promote when not worse",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lifecycle_" });
    await Deno.writeTextFile(
      join(dir, "app_config.yaml"),
      [
        "server:",
        "  inference_address: http://127.0.0.1:0",
        "  management_address: http://127.0.0.1:0",
        "  metrics_address: http://127.0.0.1:0",
        "  model_store: model_store",
        "  batch_size: 4",
        "  max_batch_delay: 5",
        "  promotion: {metric: accuracy, min_delta: 0.0}",
        "web:",
        "  store_predictions: true",
        "store:",
        "  kind: local",
        "  data_dir: data/store",
        "",
      ].join("\n"),
    );
    const app = await fixtureApp(dir, { start: true });
    try {
      // Train and archive version 1.0.
      const trained = await trainCli(PARENT, { cwd: dir });
      assert.equal(trained.code, 0, trained.stderr);
      const parent = runDirOf(trained.stderr);
      const v1 = await optimize(parent, dir);
      assert.match(v1, /model_store\/cnn_default_run_.*_int8_static\.mar$/);

      // Serve it: the first version is the default.
      const admin = new Client(app);
      await admin.login();
      const serve = async (fields: Record<string, string>) => {
        const res = await admin.post("/admin/serve", fields, await admin.csrf("/admin/serve"));
        await res.body?.cancel();
        const html = await admin.page("/admin/serve");
        const m = /banner-(ok|error)" role="\w+"><span class="flash-text">(.*?)<\/span>/.exec(html);
        assert.ok(m);
        return { ok: m[1] === "ok", text: m[2]!.replaceAll("&quot;", '"'), html };
      };
      const file = (p: string) => p.split("/").at(-1)!;
      let r = await serve({ action: "register", archive: file(v1), initial_workers: "1" });
      assert.equal(r.ok, true, r.text);
      const client = app.services.server.client;
      assert.equal((await client.describe("cnn_int8_static")).defaultVersion, "1.0");

      // Predict a batch of test digits through the app's API; each is kept for labeling.
      const truth = new Map<string, string>();
      let right = 0;
      for (let k = 0; k < 30; k++) {
        const { png, label } = await digitPng((k * 67) % 2000);
        const res = await app.fetch(
          new Request("http://localhost/api/predict", {
            method: "POST",
            body: imageForm(png, `digit-${k}.png`, { model: "cnn_int8_static" }),
          }),
        );
        const p = await res.json();
        assert.equal(res.status, 200, JSON.stringify(p));
        assert.equal(p.version, "1.0");
        assert.equal(p.topK.length, 5);
        truth.set(p.example.id, label);
        if (p.topK[0].label === label) right++;
      }
      assert.ok(right > 3, `the small first model gets some right (${right}/30)`);

      // Relabel twelve uncertain ones with their true digits, then export them.
      const token = await admin.csrf("/admin/label");
      const queue = await (await admin.fetch("/api/admin/queue?below=1&strategy=margin")).json();
      const items = queue.items.slice(0, 12) as { id: string }[];
      assert.equal(items.length, 12);
      for (const item of items) {
        const res = await admin.fetch(`/api/admin/examples/${item.id}/label`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": token },
          body: JSON.stringify({ label: truth.get(item.id) }),
        });
        assert.equal(res.status, 200, await res.text());
      }
      const exported = await admin.post(
        "/admin/label",
        { action: "export", name: "round-1" },
        token,
      );
      await exported.body?.cancel();
      const page = await admin.page("/admin/label");
      const flash =
        /Exported 12 labeled examples \(.*?\) to (\S+)\. Train on them: (deno task train [^<]+)</
          .exec(page);
      assert.ok(flash, "the export names its folder and the retraining command");
      const exportDir = join(dir, "data", "exports", "round-1");
      assert.equal(flash[1], exportDir);
      const command = words(flash[2]!);
      assert.deepEqual(command.slice(0, 3), ["deno", "task", "train"]);
      assert.deepEqual(command.slice(3), [
        ...PARENT,
        "data=examples",
        `data.path=${exportDir}`,
        `trainer.init_from=${parent}`,
      ]);

      // Retrain with that command: the parent's accuracy on the same test split beside the new one.
      // (run_name: a folder of its own even within the parent's second)
      const retrained = await trainCli([...command.slice(3), "run_name=feedback"], { cwd: dir });
      assert.equal(retrained.code, 0, retrained.stderr);
      const child = runDirOf(retrained.stderr);
      const results = JSON.parse(await Deno.readTextFile(join(child, "results.json")));
      const parentResults = JSON.parse(await Deno.readTextFile(join(parent, "results.json")));
      assert.equal(results.parent.run_dir, parent);
      assert.equal(results.parent.same_test_split, true);
      assert.equal(results.parent.test_accuracy, parentResults.final.test_accuracy);
      assert.equal(results.data.examples.count, 12);
      assert.match(
        retrained.stderr,
        /Parent .*: test_accuracy \d\.\d{4} -> \d\.\d{4} \([+-]\d+\.\d\d points\) on the original test split/,
      );

      // Archive it: the next version of the same served model, registered beside the default.
      const v2 = await optimize(child, dir);
      const [a1, a2] = [await readArchive(v1), await readArchive(v2)];
      assert.equal(a2.manifest.model.modelName, "cnn_int8_static");
      assert.equal(a2.manifest.model.modelVersion, "2.0");
      const [acc1, acc2] = [a1.metrics!.accuracy as number, a2.metrics!.accuracy as number];
      assert.ok(acc2 >= acc1, `fine-tuning on the feedback is not worse (${acc2} vs ${acc1})`);
      r = await serve({ action: "register", archive: file(v2), initial_workers: "1" });
      assert.equal(r.ok, true, r.text);
      let info = await client.describe("cnn_int8_static");
      assert.deepEqual([info.defaultVersion, info.versions.length], ["1.0", 2]);
      assert.match(r.html, /data-candidate="cnn_int8_static\/2\.0"/);
      assert.match(r.html, /Policy allows promotion: accuracy/);
      r = await serve({ action: "promote", model: "cnn_int8_static", version: "2.0" });
      assert.equal(r.ok, true, r.text);
      assert.equal((await client.describe("cnn_int8_static")).defaultVersion, "2.0");

      // A worse candidate (a learning rate that wrecks the weights) stays a candidate.
      const wrecked = await trainCli(
        [...PARENT, "optimizer.lr=5", `trainer.init_from=${child}`, "run_name=wrecked"],
        { cwd: dir },
      );
      assert.equal(wrecked.code, 0, wrecked.stderr);
      const v3 = await optimize(runDirOf(wrecked.stderr), dir);
      assert.ok((await readArchive(v3)).metrics!.accuracy as number < acc2);
      r = await serve({ action: "register", archive: file(v3), initial_workers: "1" });
      assert.equal(r.ok, true, r.text);
      assert.match(r.html, /Policy keeps it a candidate: accuracy [\d.]+ is below the default/);
      r = await serve({ action: "promote", model: "cnn_int8_static", version: "3.0" });
      assert.equal(r.ok, false);
      assert.match(r.text, /version 3\.0 stays a candidate, the default stays 2\.0: accuracy/);
      info = await client.describe("cnn_int8_static");
      assert.deepEqual([info.defaultVersion, info.versions.length], ["2.0", 3]);
      const { png } = await digitPng(5);
      const p = await (await app.fetch(
        new Request("http://localhost/api/predict", {
          method: "POST",
          body: imageForm(png, "d.png", { model: "cnn_int8_static" }),
        }),
      )).json();
      assert.equal(p.version, "2.0", "predictions go to the default");
      // Forced, it becomes the default all the same.
      r = await serve({ action: "promote", model: "cnn_int8_static", version: "3.0", force: "1" });
      assert.equal(r.ok, true, r.text);
      assert.match(r.text, /forced although accuracy/);
      assert.equal((await client.describe("cnn_int8_static")).defaultVersion, "3.0");
    } finally {
      await app.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
