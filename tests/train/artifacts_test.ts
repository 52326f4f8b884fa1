import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel, type Model, Session, tensor } from "../../lib/onnx/mod.ts";
import { generateArtifacts, saveArtifacts } from "../../lib/train/artifacts.ts";
import { loadCheckpoint, saveCheckpoint } from "../../lib/train/checkpoint.ts";
import { TrainSession } from "../../lib/train/session.ts";
import { sharedPath } from "../_shared.ts";

function seededBatch(dims: number[], classes: number, seed = 7) {
  let s = seed;
  const n = dims.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32;
  }
  const y = BigInt64Array.from({ length: dims[0]! }, (_, i) => BigInt((i * 3) % classes));
  return { x: tensor("float32", dims, x), y: tensor("int64", [dims[0]!], y) };
}

const MNIST = ["mlp", "cnn", "cnn_bn", "vit_tiny"];

for (const name of MNIST) {
  Deno.test(`generateArtifacts() emits only ai.onnx ops that ORT loads at level "all": ${name}`, async () => {
    const forward = await loadModel(sharedPath(`data/models/mnist/${name}.train.onnx`));
    const a = generateArtifacts(forward, { optimizer: { name: "adam" } });
    const graphs: [string, Model][] = [
      ["training", a.training],
      ["eval", a.eval],
      ["optimizer", a.optimizer],
      ["train_step", a.trainStep],
      ["inference", a.inference],
    ];
    for (const [label, m] of graphs) {
      for (const n of m.graph.nodes) {
        assert.ok(
          n.domain === "" || n.domain === "ai.onnx",
          `${label}: ${n.opType} in ${n.domain}`,
        );
      }
      for (const domain of m.opsetImports.keys()) assert.ok(domain === "" || domain === "ai.onnx");
      const s = await Session.create(m, { graphOptimizationLevel: "all" });
      await s.release();
    }
    const grads = a.training.graph.outputs.filter((o) => o.name.endsWith("_grad"));
    assert.equal(grads.length, a.params.length);
  });
}

const ALL: [string, string, number[], number][] = [
  ...MNIST.map((m): [string, string, number[], number] => [
    m,
    `data/models/mnist/${m}.train.onnx`,
    m === "mlp" ? [16, 784] : [16, 1, 28, 28],
    10,
  ]),
  [
    "mobilenet_v3_small",
    "data/models/torchvision/mobilenet_v3_small.eval.onnx",
    [2, 3, 224, 224],
    1000,
  ],
  ["squeezenet1_1", "data/models/torchvision/squeezenet1_1.eval.onnx", [1, 3, 224, 224], 1000],
];

for (const [name, path, dims, classes] of ALL) {
  Deno.test(`${name} gets artifacts and its loss falls over 100 steps`, async () => {
    const forward = await loadModel(sharedPath(path));
    const a = generateArtifacts(forward, { optimizer: { name: "adam" } });
    const s = await TrainSession.create(a);
    try {
      const batch = seededBatch(dims, classes);
      const first = (await s.trainStep(batch, { lr: 1e-3 })).loss;
      let last = first;
      for (let i = 1; i < 100; i++) last = (await s.trainStep(batch, { lr: 1e-3 })).loss;
      assert.ok(Number.isFinite(last) && last < 0.5 * first, `loss ${first} -> ${last}`);
    } finally {
      await s.release();
    }
  });
}

Deno.test("a trainable subset leaves the frozen weights untouched", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/mlp.train.onnx"));
  const a = generateArtifacts(forward, {
    optimizer: { name: "sgd" },
    trainable: ["fc3.weight", "fc3.bias"],
  });
  assert.deepEqual(a.params.map((p) => p.name), ["fc3.weight", "fc3.bias"]);
  // Frozen weights need no gradient: nothing of fc1's backward is emitted.
  assert.ok(
    !a.trainStep.graph.nodes.some((n) => n.inputs.includes("fc1.weight") && n.opType !== "Gemm"),
  );
  const s = await TrainSession.create(a);
  try {
    const before = s.weights();
    for (let i = 0; i < 5; i++) await s.trainStep(seededBatch([8, 784], 10), { lr: 0.1 });
    const after = s.weights();
    assert.deepEqual(after.get("fc1.weight")!.data, before.get("fc1.weight")!.data);
    assert.notDeepEqual(after.get("fc3.weight")!.data, before.get("fc3.weight")!.data);
  } finally {
    await s.release();
  }
});

Deno.test("generateArtifacts() refuses to train a name that is not a float initializer", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/mlp.train.onnx"));
  assert.throws(
    () => generateArtifacts(forward, { optimizer: { name: "sgd" }, trainable: ["fc9.weight"] }),
    /Cannot train "fc9\.weight": not a float initializer of the model/,
  );
});

Deno.test("a restored checkpoint continues exactly as the uninterrupted session", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/cnn_bn.train.onnx"));
  const a = generateArtifacts(forward, { optimizer: { name: "adam" } });
  const batches = [1, 2, 3, 4, 5, 6].map((k) => seededBatch([8, 1, 28, 28], 10, k));
  const dir = await Deno.makeTempDir();
  const straight = await TrainSession.create(a);
  const resumed = await TrainSession.create(a);
  try {
    const want: number[] = [];
    for (const b of batches) want.push((await straight.trainStep(b, { lr: 1e-3 })).loss);
    for (const b of batches.slice(0, 3)) await resumed.trainStep(b, { lr: 1e-3 });
    const ckptDir = await saveCheckpoint(
      dir,
      3,
      resumed.checkpoint({ epoch: 0, iteration: 3, lr: 1e-3 }),
    );
    const fresh = await TrainSession.create(a);
    try {
      fresh.restore(await loadCheckpoint(ckptDir), ckptDir);
      assert.equal(fresh.steps, 3);
      const got: number[] = [];
      for (const b of batches.slice(3)) got.push((await fresh.trainStep(b, { lr: 1e-3 })).loss);
      assert.deepEqual(got, want.slice(3));
      // Running statistics were restored too: eval outputs agree.
      const e1 = await straight.evaluate(batches[0]!);
      const e2 = await fresh.evaluate(batches[0]!);
      assert.equal(e1.loss, e2.loss);
    } finally {
      await fresh.release();
    }
  } finally {
    await straight.release();
    await resumed.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrainSession checks labels before ORT runs", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/mlp.train.onnx"));
  const s = await TrainSession.create(generateArtifacts(forward, { optimizer: { name: "sgd" } }));
  try {
    const { x } = seededBatch([4, 784], 10);
    await assert.rejects(
      () => s.trainStep({ x, y: tensor("int32", [4], [0, 1, 2, 3]) }, { lr: 0.1 }),
      /Labels "labels" must be int64, got int32/,
    );
    await assert.rejects(
      () => s.trainStep({ x, y: tensor("int64", [3], [0, 1, 2]) }, { lr: 0.1 }),
      /Labels "labels" have dims \[3\], expected \[4\] to match the batch/,
    );
    await assert.rejects(
      () =>
        s.trainStep({
          x: tensor("float32", [4, 28, 28], new Float32Array(4 * 784)),
          y: tensor("int64", [4], [0, 1, 2, 3]),
        }, { lr: 0.1 }),
      /Input "input" has dims \[4, 28, 28\], expected \[batch, 784\]/,
    );
  } finally {
    await s.release();
  }
});

Deno.test("saveArtifacts() writes the five graphs and the inference model matches the weights", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/mlp.train.onnx"));
  const a = generateArtifacts(forward, { optimizer: { name: "sgd" } });
  const dir = await Deno.makeTempDir();
  const s = await TrainSession.create(a);
  try {
    await saveArtifacts(dir, a);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "eval_model.onnx",
      "inference_model.onnx",
      "optimizer_model.onnx",
      "train_step.onnx",
      "training_model.onnx",
    ]);
    const batch = seededBatch([4, 784], 10);
    await s.trainStep(batch, { lr: 0.5 });
    const inf = await Session.create(s.inferenceModel());
    try {
      const out = await inf.run({ input: batch.x });
      const ev = await s.evaluate(batch);
      const a1 = out.logits!.data as Float32Array;
      const a2 = ev.logits.data as Float32Array;
      assert.ok(
        a1.every((v, i) => Math.abs(v - a2[i]!) < 1e-5),
        "inference and eval logits differ",
      );
    } finally {
      await inf.release();
    }
    await loadModel(join(dir, "train_step.onnx"));
  } finally {
    await s.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the fused step with SGD momentum (taken into the gradient Gemms) follows the training + optimizer graphs", async () => {
  const forward = await loadModel(sharedPath("data/models/mnist/mlp.train.onnx"));
  const a = generateArtifacts(forward, { optimizer: { name: "sgd", momentum: 0.9 } });
  const fusedGemms = a.trainStep.graph.nodes.filter((n) =>
    n.opType === "Gemm" && n.inputs[2]?.endsWith(".momentum_buffer")
  );
  assert.equal(fusedGemms.length, 3);
  const fused = await TrainSession.create(a, { threads: 1 });
  const split = await TrainSession.create(a, { threads: 1, fused: false });
  try {
    for (let k = 0; k < 6; k++) {
      const batch = seededBatch([16, 784], 10, 11 + k);
      const gradNorm = k % 2 === 0;
      const f = await fused.trainStep(batch, { lr: 0.05, gradNorm });
      const s = await split.trainStep(batch, { lr: 0.05 });
      assert.ok(Math.abs(f.loss - s.loss) <= 1e-5 * Math.abs(s.loss), `step ${k}: loss`);
      if (gradNorm) {
        assert.ok(Math.abs(f.gradNorm - s.gradNorm) <= 1e-4 * s.gradNorm, `step ${k}: norm`);
      } else assert.ok(Number.isNaN(f.gradNorm));
    }
    const fw = fused.weights();
    for (const [name, t] of split.weights()) {
      const x = t.data as Float32Array;
      const y = fw.get(name)!.data as Float32Array;
      const worst = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
      assert.ok(worst < 1e-5, `${name}: max difference ${worst}`);
    }
  } finally {
    await fused.release();
    await split.release();
  }
});
