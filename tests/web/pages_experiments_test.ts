// The experiments pages: runs under results/, a run's curves, confusion matrix,
// config and checkpoints, and the comparison of runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, fixtureApp, makeAppDir, makeRun, RUN_ID } from "./_pages.ts";

const dir = await makeAppDir();
const OTHER = "cnn/baseline/sgd_2024-05-02_09-30-00";
await makeRun(join(dir, "results", OTHER), 2);
const app = await fixtureApp(dir, { bundle: "build", buildDir: await Deno.makeTempDir() });
globalThis.addEventListener("unload", async () => {
  await app.close();
  await Deno.remove(dir, { recursive: true });
});
const admin = new Client(app);
await admin.login();

function islands(html: string): [string, Record<string, unknown>][] {
  const m = /<script type="application\/json" id="__web_islands">(.*?)<\/script>/.exec(html);
  return m ? JSON.parse(m[1]!).islands : [];
}

Deno.test("GET /admin/experiments lists runs newest first with key params and best metrics", async () => {
  const html = await admin.page("/admin/experiments");
  const rows = [...html.matchAll(/<tr><td><input type="checkbox" name="run" value="([^"]+)"/g)]
    .map((m) => m[1]);
  assert.deepEqual(rows, [OTHER, RUN_ID]);
  assert.match(
    html,
    /<a href="\/admin\/experiments\/cnn\/baseline\/adam_2024-05-01_10-00-00">adam<\/a>/,
  );
  assert.match(html, /<td class="nowrap">2024-05-01 10:00:00<\/td>/);
  assert.match(html, /<span class="tag">optimizer\._target_=adam<\/span>/);
  assert.match(html, /<span class="tag">optimizer\.lr=0\.001<\/span>/);
  assert.match(html, /<span class="tag tag-metric">test_accuracy 0\.86<\/span>/);
});

Deno.test("a run page draws loss and accuracy curves, the confusion matrix, config and checkpoints", async () => {
  const html = await admin.page(`/admin/experiments/${RUN_ID}`);
  const charts = islands(html).filter(([n]) => n === "Curves").map(([, p]) => p) as {
    id: string;
    series: { name: string; x: number[]; y: number[] }[];
  }[];
  assert.deepEqual(charts.map((c) => c.id), ["loss-chart", "accuracy-chart"]);
  const [train, test, perEval] = charts[0]!.series;
  assert.equal(train!.name, "train_loss");
  assert.deepEqual(train!.x, [10, 20, 30, 40, 50, 60]);
  assert.ok(Math.abs(train!.y[0]! - 2) < 1e-12);
  assert.deepEqual([test!.name, test!.x], ["test_loss", [30, 60]]);
  assert.deepEqual([perEval!.name, perEval!.x], ["train_loss (per evaluation)", [30, 60]]);
  assert.deepEqual(charts[1]!.series[0]!.y.map((v) => v.toFixed(6)), ["0.830000", "0.860000"]);
  assert.match(html, /<script type="module" src="\/_web\/js\/_boot-\w+\.js"><\/script>/);
  assert.match(html, /Confusion matrix \(test, step 60\)/);
  assert.match(html, /<th scope="col">&lt;c><\/th>/, "class names are escaped");
  assert.match(html, /title="true a, predicted a: 30">30<\/td>/);
  assert.match(html, /<pre class="config" id="config">model:\n {2}name: cnn\n/);
  assert.match(
    html,
    /<code>checkpoint_000003<\/code><\/td><td>model\.safetensors \(64 B\), state\.json \(\d+ B\)<\/td><td class="small">step: 60 · epoch: 1<\/td>/,
  );
});

Deno.test("a run id outside the runs folder or not a run answers 404", async () => {
  for (const id of ["cnn/baseline/nope", "..%2F..%2Fetc/x/y", "cnn/baseline", "a/b/c/d"]) {
    const res = await admin.fetch(`/admin/experiments/${id}`);
    assert.equal(res.status, 404, id);
    assert.match(await res.text(), /No run/);
  }
});

Deno.test("the comparison overlays one curve per selected run", async () => {
  const html = await admin.page(`/admin/experiments/compare?run=${RUN_ID}&run=${OTHER}`);
  const charts = islands(html).map(([, p]) => p) as {
    id: string;
    series: { name: string; y: number[] }[];
  }[];
  assert.deepEqual(charts.map((c) => c.id), [
    "compare-test_accuracy",
    "compare-test_loss",
    "compare-train_loss",
  ]);
  const train = charts[2]!.series;
  assert.deepEqual(train.map((s) => s.name), ["cnn/baseline/adam", "cnn/baseline/sgd"]);
  assert.ok(Math.abs(train[1]!.y[0]! / train[0]!.y[0]! - 2) < 1e-12);
  const one = await admin.page(`/admin/experiments/compare?run=${RUN_ID}&metric=test_accuracy`);
  assert.deepEqual(islands(one).map(([, p]) => p.id), ["compare-test_accuracy"]);
  const none = await admin.fetch("/admin/experiments/compare");
  assert.equal(none.status, 303);
  await none.body?.cancel();
  const bad = await admin.fetch("/admin/experiments/compare?run=x/y/z");
  assert.equal(bad.status, 404);
  await bad.body?.cancel();
});

Deno.test("without a runs folder the list says how to make a run", async () => {
  const empty = await Deno.makeTempDir();
  const other = await fixtureApp(empty);
  try {
    const c = new Client(other);
    await c.login();
    assert.match(
      await c.page("/admin/experiments"),
      /No run yet: train one with <code>deno task train<\/code>/,
    );
  } finally {
    await other.close();
    await Deno.remove(empty, { recursive: true });
  }
});
