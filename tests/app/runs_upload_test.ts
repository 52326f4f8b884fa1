import assert from "node:assert/strict";
import { join } from "node:path";
import {
  imageKind,
  listRuns,
  ModelServerClient,
  ModelServerError,
  readImageUpload,
  readRun,
} from "../../lib/app/mod.ts";
import { HttpError } from "../../lib/web/mod.ts";
import { closedPorts, makeRun, RUN_ID } from "../web/_pages.ts";

Deno.test("listRuns() finds run folders three levels down and skips other folders", async () => {
  const root = await Deno.makeTempDir();
  try {
    await makeRun(join(root, RUN_ID));
    await Deno.mkdir(join(root, "cnn", "baseline", "empty_folder"), { recursive: true });
    await Deno.mkdir(join(root, ".hidden", "x", "y"), { recursive: true });
    const runs = await listRuns(root);
    assert.deepEqual(runs.map((r) => [r.model, r.exp, r.run, r.date]), [
      ["cnn", "baseline", "adam", "2024-05-01 10:00:00"],
    ]);
    assert.deepEqual(runs[0]!.best, { test_accuracy: 0.86 });
    assert.equal(runs[0]!.params["optimizer.lr"], 0.001);
    assert.deepEqual(await listRuns(join(root, "missing")), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readRun() computes the best values from metrics.jsonl when results.json has none", async () => {
  const root = await Deno.makeTempDir();
  try {
    await makeRun(join(root, RUN_ID));
    await Deno.remove(join(root, RUN_ID, "results.json"));
    await Deno.writeTextFile(join(root, RUN_ID, "metrics.jsonl"), '{"step":70,"split":"tes', {
      append: true,
    });
    const run = await readRun(root, RUN_ID);
    assert.equal(run.best.test_accuracy, 0.8 + 60 / 1000, "the last, highest accuracy");
    assert.equal(run.best.test_loss, 1 / 60 * 10, "the last, lowest loss");
    assert.equal(run.torn, true);
    assert.deepEqual(run.confusion?.classes, ["0", "1", "2"]);
    await assert.rejects(readRun(root, "../../etc"), RangeError);
    await assert.rejects(readRun(root, "cnn/../cnn/x"), RangeError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("imageKind() recognises image signatures only", () => {
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  assert.equal(imageKind(bytes("\x89PNG\r\n\x1a\n....")), "png");
  assert.equal(imageKind(bytes("GIF89a...")), "gif");
  assert.equal(imageKind(bytes("RIFF\0\0\0\0WEBPVP8 ")), "webp");
  assert.equal(imageKind(bytes("II*\0")), "tiff");
  assert.equal(imageKind(bytes("\0\0\0\x1cftypavif")), "avif");
  assert.equal(imageKind(bytes("<svg xmlns=...>")), undefined);
  assert.equal(imageKind(bytes("%PDF-1.7")), undefined);
});

Deno.test("readImageUpload() reads multipart and raw bodies and refuses bad ones", async () => {
  const png = Uint8Array.from("\x89PNG\r\n\x1a\n....", (c) => c.charCodeAt(0));
  const form = new FormData();
  form.set("image", new File([png], "a.png"));
  form.set("model", "m");
  const up = await readImageUpload(
    new Request("http://x/api/predict", { method: "POST", body: form }),
    100,
  );
  assert.deepEqual([up.type, up.filename, up.model, up.version], ["png", "a.png", "m", undefined]);
  const raw = await readImageUpload(
    new Request("http://x/api/predict?model=m&version=2", { method: "POST", body: png }),
    100,
  );
  assert.deepEqual([raw.model, raw.version, raw.image], ["m", "2", png]);
  const refuse = (body: BodyInit, status: number, headers: HeadersInit = {}) =>
    assert.rejects(
      readImageUpload(new Request("http://x/", { method: "POST", body, headers }), 10),
      (e) => e instanceof HttpError && e.status === status,
    );
  await refuse(png, 413);
  await refuse("hello", 415);
  await refuse("", 400);
  await refuse("--x\r\nnonsense", 400, { "content-type": "multipart/form-data; boundary=x" });
});

Deno.test("ModelServerClient says which server does not answer", async () => {
  const urls = closedPorts();
  const client = new ModelServerClient({
    inference: urls.inferenceAddress,
    management: urls.managementAddress,
    metrics: urls.metricsAddress,
  });
  assert.equal(await client.ping(), false);
  await assert.rejects(client.models(), (e) => {
    assert.ok(e instanceof ModelServerError);
    assert.equal(e.kind, "down");
    assert.equal(e.status, 503);
    assert.match(
      e.message,
      new RegExp(`^The model server is not answering at ${urls.managementAddress}: `),
    );
    return true;
  });
});
