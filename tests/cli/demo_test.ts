// `deno task demo`: every stage prints its figures and the URLs answer; a second run reuses
// the run and the archive; --fresh trains and archives a new version, promoted when not worse.
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDemo } from "../../cli/demo.ts";
import { capture } from "../train/_experiment.ts";

const PORT0 = {
  inferenceAddress: "http://127.0.0.1:0",
  managementAddress: "http://127.0.0.1:0",
  metricsAddress: "http://127.0.0.1:0",
};
const SMALL = [
  "data.num_samples=1000",
  "trainer.training_iters=1",
  "trainer.epochs_per_iteration=1",
];

async function demo(dir: string, fresh = false) {
  const lines: string[] = [];
  const d = await startDemo({
    baseDir: dir,
    overrides: SMALL,
    fresh,
    web: { address: "http://127.0.0.1:0" },
    server: PORT0,
    env: {},
    bundle: "none",
    print: (l) => lines.push(l),
    stream: capture(),
  });
  return { d, text: lines.join("\n") };
}

Deno.test({
  name:
    "startDemo() trains, archives, serves and prints the URLs; reuses them; --fresh adds a version",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "demo_" });
    try {
      let { d, text } = await demo(dir);
      try {
        assert.match(
          text,
          /^1\/4 Train\n {2}trained .*results\/cnn\/default\/run_\S+ in \d+ s: test accuracy \d+\.\d\d% on 201 digits/m,
        );
        assert.match(text, /^ {2}int8_static +0\.428 /m);
        assert.match(
          text,
          /wrote .*model_store\/cnn_default_run_\S+_int8_static\.mar \(model "cnn_int8_static" version 1\.0\)/,
        );
        assert.match(text, /registered "cnn_int8_static" version 1\.0; default version 1\.0/);
        assert.match(text, /check: a test digit \d -> "\d" \(p [\d.]+\) in [\d.]+ ms/);
        assert.match(text, /user admin, password \S+ \(this session/);
        const predict = new RegExp(`^ {2}Predict {6}${d.urls.web}/$`, "m");
        assert.match(text, predict);
        const res = await fetch(`${d.urls.web}/`);
        assert.equal(res.status, 200);
        assert.match(await res.text(), /cnn_int8_static/);
        const ping = await fetch(`${d.urls.inference}/ping`);
        assert.deepEqual(await ping.json(), { status: "Healthy" });
        // The admin password printed is the one that logs in.
        const login = await fetch(`${d.urls.web}/login`);
        assert.equal(login.status, 200);
        await login.body?.cancel();
        assert.ok(await d.app.services.admin.check("admin", d.admin.password!));
      } finally {
        await d.close();
      }
      ({ d, text } = await demo(dir));
      try {
        assert.match(text, /reused .*run_\S+: test accuracy/);
        assert.match(text, /reused .*_int8_static\.mar \(model "cnn_int8_static" version 1\.0\)/);
        assert.match(text, /already serving "cnn_int8_static" version 1\.0/, "snapshot restored");
      } finally {
        await d.close();
      }
      ({ d, text } = await demo(dir, true));
      try {
        assert.match(text, /trained .* in \d+ s/);
        assert.match(text, /version 2\.0\)/);
        assert.match(text, /registered "cnn_int8_static" version 2\.0; default version 2\.0/);
        assert.match(text, /version 2\.0 is the default now \(was 1\.0\): accuracy/);
        const runs = [...Deno.readDirSync(join(dir, "results", "cnn", "default"))];
        assert.equal(runs.length, 2);
      } finally {
        await d.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("startDemo() refuses a bad override before training", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo_" });
  try {
    await assert.rejects(
      () => startDemo({ baseDir: dir, overrides: ["trainer.batch_size=abc"], print: () => {} }),
      /Invalid trainer\.batch_size "abc": expected a positive integer/,
    );
    assert.equal(await Deno.stat(join(dir, "results")).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
