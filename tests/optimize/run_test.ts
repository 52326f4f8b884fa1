import assert from "node:assert/strict";
import { join } from "node:path";
import {
  loadRunData,
  loadRunModel,
  openRun,
  pickCheckpoint,
  runBatches,
} from "../../lib/optimize/mod.ts";
import { loadModel, modelToBytes, tensor } from "../../lib/onnx/mod.ts";
import { decodeSafetensors } from "../../lib/train/mod.ts";
import { makeRun } from "./_run_fixture.ts";
import { run as runModel } from "./_helpers.ts";
import { sharedPath } from "../_shared.ts";

const temps: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const t of temps) Deno.removeSync(t, { recursive: true });
});
async function temp() {
  const d = await Deno.makeTempDir({ prefix: "optimize_run_" });
  temps.push(d);
  return d;
}

Deno.test("pickCheckpoint(): requested, else results.json's best, else highest accuracy", async () => {
  const dir = await makeRun(await temp(), { checkpoints: { 1: 0.5, 2: 0.9, 3: 0.6 }, steps: 1 });
  const run = await openRun(dir);
  assert.deepEqual([run.model, run.experiment, run.run], [
    "cnn",
    "default",
    "run_2026-01-01_10-00-00",
  ]);
  const best = await pickCheckpoint(run);
  assert.equal(best.index, 2);
  assert.match(best.why, /best \(test_accuracy 0\.9\)/);
  assert.equal((await pickCheckpoint(run, 3)).index, 3);
  await assert.rejects(() => pickCheckpoint(run, 9), /has no checkpoint 9: available 1, 2, 3/);
  const named = await makeRun(await temp(), {
    checkpoints: { 1: 0.5, 2: 0.9 },
    steps: 1,
    bestCheckpoint: 1,
  });
  const c = await pickCheckpoint(await openRun(named));
  assert.deepEqual([c.index, c.why], [1, "best (results.json)"]);
});

Deno.test("loadRunModel(): artifacts' inference model with the checkpoint's tensors, or the checkpoint's own model", async () => {
  const dir = await makeRun(await temp(), { checkpoints: { 1: 0.5 }, steps: 2 });
  const run = await openRun(dir);
  const ckpt = run.checkpoints[0]!;
  const model = await loadRunModel(run, ckpt);
  const { tensors } = decodeSafetensors(
    await Deno.readFile(join(ckpt.dir, "model.safetensors")),
    "m",
  );
  assert.deepEqual(model.graph.initializers.get("fc2.weight")!.data, tensors["fc2.weight"]!.data);
  const initial = await loadModel(join(dir, "artifacts", "inference_model.onnx"));
  assert.notDeepEqual(
    initial.graph.initializers.get("fc2.weight")!.data,
    tensors["fc2.weight"]!.data,
  );
  // A checkpoint saved with its own inference model (as the training loop does) is read as is.
  await Deno.writeFile(join(ckpt.dir, "inference_model.onnx"), modelToBytes(initial));
  const own = await loadRunModel(run, ckpt);
  assert.deepEqual(
    own.graph.initializers.get("fc2.weight")!.data,
    initial.graph.initializers.get("fc2.weight")!.data,
  );
});

Deno.test("openRun() names the folder that is no run, or has no checkpoints", async () => {
  const root = await temp();
  await assert.rejects(
    () => openRun(root),
    /Cannot read run directory ".*": no config\.yaml there/,
  );
  const dir = await makeRun(root, { withCheckpoints: false });
  await assert.rejects(() => openRun(dir), /has no checkpoints/);
  await Deno.writeTextFile(join(dir, "config.yaml"), "model: [unclosed");
  await assert.rejects(() => openRun(dir), /Cannot parse ".*config\.yaml"/);
});

Deno.test("loadRunData(): the run's MNIST split, normalized as training did, in the model's layout", async () => {
  const dir = await makeRun(await temp(), { checkpoints: { 1: 0.5 }, steps: 1 });
  const run = await openRun(dir);
  const data = await loadRunData(run);
  assert.deepEqual([data.train.length, data.test.length], [8000, 2000]);
  assert.deepEqual(data.preprocess, {
    colorMode: "L",
    resize: [28, 28],
    mean: [0.1307],
    std: [0.3081],
  });
  const batches = [];
  for await (
    const b of runBatches(data.test, data.testPipeline, {
      batchSize: 300,
      limit: 500,
      inputDims: [784],
    })
  ) batches.push(b);
  assert.deepEqual(batches.map((b) => b.x.dims), [[300, 784], [200, 784]]);
  let min = Infinity;
  for (const v of batches[0]!.x.data as Float32Array) min = Math.min(min, v);
  assert.ok(Math.abs(min - -0.1307 / 0.3081) < 1e-5, String(min));
  // The run's test split is the shared 2,000-digit split PyTorch's figures were measured on.
  const bytes = await Deno.readFile(sharedPath("data/models/mnist/test.x.f32.bin"));
  const ref = new Float32Array(bytes.buffer, bytes.byteOffset, 500 * 784);
  let worst = 0;
  batches.forEach((b, k) => {
    const d = b.x.data as Float32Array;
    for (let i = 0; i < d.length; i++) {
      worst = Math.max(worst, Math.abs(d[i]! * 0.3081 + 0.1307 - ref[k * 300 * 784 + i]!));
    }
  });
  assert.ok(worst < 1e-5, String(worst));
  const model = await loadRunModel(run, run.checkpoints[0]!);
  const out = await runModel(model, {
    input: tensor("float32", [2, 1, 28, 28], batches[0]!.x.data.slice(0, 1568)),
  });
  assert.deepEqual(out.logits!.dims, [2, 10]);
});

Deno.test("loadRunData(): a run retrained on examples keeps its base's test split", async () => {
  const root = await temp();
  const examples = join(root, "export");
  for (const [label, shade] of [["3", 255], ["8", 128]] as const) {
    await Deno.mkdir(join(examples, label), { recursive: true });
    const px = new Uint8Array(56 * 56).fill(shade);
    const { default: sharp } = await import("sharp");
    await sharp(px, { raw: { width: 56, height: 56, channels: 1 } }).png()
      .toFile(join(examples, label, "a.png"));
  }
  const mnist = {
    num_samples: 1000,
    test_size: 0.2,
    split_seed: 1234,
    image_shape: [1, 28, 28],
    normalize: { mean: [0.1307], std: [0.3081] },
    transforms: { train: [], test: null },
  };
  const base = await loadRunData(
    await openRun(await makeRun(join(root, "a"), { data: { name: "mnist", ...mnist } })),
  );
  const dir = await makeRun(join(root, "b"), {
    data: { name: "examples", base: "mnist", path: examples, ratio: 0.2, ...mnist },
  });
  const data = await loadRunData(await openRun(dir));
  assert.deepEqual([...data.test.labels], [...base.test.labels]);
  assert.deepEqual([...data.test.item], [...base.test.item]);
  const extra = Math.round(base.train.length * 0.2 / 0.8);
  assert.equal(data.train.length, base.train.length + extra);
  const added = [...data.train.labels.slice(base.train.length)];
  assert.deepEqual(new Set(added), new Set([3, 8]));
  await assert.rejects(
    () =>
      makeRun(join(root, "c"), { data: { name: "examples", path: join(root, "none"), ...mnist } })
        .then((d) => openRun(d)).then(loadRunData),
    /Cannot load the examples of run .*data\.path ".*none"/,
  );
});
