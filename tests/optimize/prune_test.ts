import assert from "node:assert/strict";
import { GraphBuilder, loadModel, type Model, modelToBytes, tensor } from "../../lib/onnx/mod.ts";
import { finetune, fuse, pruneChannels, pruneL1, sparsityReport } from "../../lib/optimize/mod.ts";
import { keptCount } from "../../lib/optimize/prune_channels.ts";
import { sharedPath } from "../_shared.ts";
import { accuracyOf, assertSameOutputs, run, seeded, testDigits } from "./_helpers.ts";

function smallCnn(): Model {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 2, 8, 8] });
  const c1 = g.op(
    "Conv",
    [x, g.initializer("c1.w", seeded([32, 2, 3, 3], 1)), g.initializer("c1.b", seeded([32], 2))],
    { pads: [1, 1, 1, 1] },
    { name: "c1" },
  );
  const p1 = g.op("MaxPool", [g.op("Relu", [c1])], { kernel_shape: [2, 2], strides: [2, 2] });
  const c2 = g.op(
    "Conv",
    [p1, g.initializer("c2.w", seeded([16, 32, 3, 3], 3)), g.initializer("c2.b", seeded([16], 4))],
    { pads: [1, 1, 1, 1] },
    { name: "c2" },
  );
  const f = g.op("Flatten", [g.op("Relu", [c2])]);
  const h = g.op("Relu", [
    g.op(
      "Gemm",
      [f, g.initializer("fc1.w", seeded([20, 256], 5)), g.initializer("fc1.b", seeded([20], 6))],
      { transB: 1 },
      { name: "fc1" },
    ),
  ]);
  g.output(
    g.op("Gemm", [h, g.initializer("fc2.w", seeded([3, 20], 7))], { transB: 1 }, { name: "fc2" }),
    "y",
  );
  return g.build();
}

Deno.test("pruneL1() per layer zeroes exactly the amount of each weight, biases untouched", () => {
  const model = smallCnn();
  const { model: p, report } = pruneL1(model, { amount: 0.4 });
  for (const row of report.layers) assert.equal(row.zeros, Math.floor(0.4 * row.numel), row.node);
  assert.deepEqual(p.graph.initializers.get("c1.b"), model.graph.initializers.get("c1.b"));
  const w = p.graph.initializers.get("c2.w")!.data as Float32Array;
  const orig = model.graph.initializers.get("c2.w")!.data as Float32Array;
  const cut = Math.max(...Array.from(orig).filter((_, i) => w[i] === 0).map(Math.abs));
  assert.ok(
    Array.from(orig).filter((_, i) => w[i] !== 0).every((v) => Math.abs(v) >= cut),
    "smallest magnitudes go first",
  );
});

Deno.test("pruneL1() global reaches the amount overall with different per-layer sparsity", () => {
  const { report } = pruneL1(smallCnn(), { amount: 0.5, scope: "global" });
  assert.ok(Math.abs(report.total.sparsity - 0.5) < 0.01, String(report.total.sparsity));
  const s = report.layers.map((r) => r.sparsity);
  assert.ok(Math.max(...s) - Math.min(...s) > 0.01, s.join(","));
  assert.deepEqual(sparsityReport(smallCnn()).total.zeros, 0);
});

Deno.test("pruneL1() refuses an amount outside [0, 1) and declines 0", () => {
  for (const amount of [1, -0.1, 1.5, NaN]) {
    assert.throws(
      () => pruneL1(smallCnn(), { amount }),
      /Invalid pruning amount .*: expected a fraction in \[0, 1\)/,
    );
  }
  assert.match(pruneL1(smallCnn(), { amount: 0 }).reason!, /amount is 0/);
});

/** The original model with the removed channels' filters and biases set to 0. */
function zeroedReference(model: Model, layers: [string, string, number[]][]): Model {
  const ref = model.clone();
  for (const [w, b, kept] of layers) {
    const orig = model.graph.initializers.get(w)!;
    const m = orig.dims[0]!;
    const inner = orig.data.length / m;
    const wz = Float32Array.from(orig.data as Float32Array);
    const bz = Float32Array.from(model.graph.initializers.get(b)!.data as Float32Array);
    for (let c = 0; c < m; c++) {
      if (kept.includes(c)) continue;
      wz.fill(0, c * inner, (c + 1) * inner);
      bz[c] = 0;
    }
    ref.graph.initializers.set(w, tensor("float32", orig.dims, wz));
    ref.graph.initializers.set(b, tensor("float32", [m], bz));
  }
  return ref;
}

Deno.test("pruneChannels() equals the original with the removed channels zeroed (Conv, MaxPool, Flatten, Gemm)", async () => {
  const model = smallCnn();
  const r = pruneChannels(model, { amount: 0.5, multipleOf: 1 });
  assert.deepEqual(r.layers.map((l) => [l.node, l.before, l.after]), [
    ["c1", 32, 16],
    ["c2", 16, 8],
    ["fc1", 20, 10],
  ]);
  assert.match(r.reason!, /"fc2" \(Gemm\): its output "y" is a graph output/);
  const fc1 = r.model.graph.nodes.find((n) => n.name === "fc1")!;
  assert.deepEqual(r.model.graph.initializers.get(fc1.inputs[1]!)?.dims, [10, 8 * 16]);
  // The first layer keeps its filters of largest L1 norm.
  const w1 = model.graph.initializers.get("c1.w")!.data as Float32Array;
  const norms = Array.from(
    { length: 32 },
    (_, c) => w1.subarray(c * 18, c * 18 + 18).reduce((a, v) => a + Math.abs(v), 0),
  );
  const cut = Math.min(...r.layers[0]!.kept.map((c) => norms[c]!));
  assert.ok(norms.every((v, c) => r.layers[0]!.kept.includes(c) || v <= cut));
  const ref = zeroedReference(model, [["c1.w", "c1.b", r.layers[0]!.kept], [
    "c2.w",
    "c2.b",
    r.layers[1]!.kept,
  ], ["fc1.w", "fc1.b", r.layers[2]!.kept]]);
  await assertSameOutputs(ref, r.model, { x: seeded([3, 2, 8, 8], 9) }, 1e-5);
  assert.ok(modelToBytes(r.model).length < 0.5 * modelToBytes(model).length);
});

Deno.test("pruneChannels() leaves residual Adds and grouped Convs alone, saying why", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [1, 16, 4, 4] });
  const c = g.op("Conv", [x, g.initializer("w", seeded([16, 16, 1, 1], 1))], {}, { name: "res" });
  const d = g.op("Conv", [g.op("Add", [c, x]), g.initializer("dw", seeded([16, 1, 3, 3], 2))], {
    group: 16,
    pads: [1, 1, 1, 1],
  }, { name: "dw" });
  g.output(g.op("GlobalAveragePool", [d]), "y");
  const r = pruneChannels(g.build(), { amount: 0.5, multipleOf: 1 });
  assert.equal(r.changed, false);
  assert.match(
    r.reason!,
    /"res" \(Conv\): .*\(Add\) mixes the channels with "x", which other layers feed \(a residual or skip link\)/,
  );
  assert.match(r.reason!, /"dw" \(Conv\): grouped Conv/);
});

Deno.test("keptCount() rounds to the SIMD block where the layer allows", () => {
  assert.equal(keptCount(64, 0.3, 16), 48);
  assert.equal(keptCount(128, 0.3, 16), 96);
  assert.equal(keptCount(10, 0.3, 16), 7);
  assert.equal(keptCount(64, 0.3, 1), 45);
});

async function digits() {
  const xs = new Float32Array(
    (await Deno.readFile(sharedPath("data/models/difftrain/batches.x.f32.bin"))).buffer,
  );
  const ys = new BigInt64Array(
    (await Deno.readFile(sharedPath("data/models/difftrain/batches.y.i64.bin"))).buffer,
  );
  return Array.from({ length: 30 }, (_, b) => ({
    x: tensor("float32", [64, 1, 28, 28], xs.slice(b * 64 * 784, (b + 1) * 64 * 784)),
    y: tensor("int64", [64], ys.slice(b * 64, (b + 1) * 64)),
  }));
}

Deno.test("finetune() wins back a pruned cnn's accuracy and keeps pruned zeros at zero", async () => {
  const base = fuse(await loadModel(sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx"))).model;
  const { x, y } = await testDigits(1000);
  const acc = async (m: Model) => accuracyOf((await run(m, { input: x })).logits!, y);
  const pruned = pruneChannels(base, { amount: 0.6 }).model;
  const before = await acc(pruned);
  const tuned = await finetune(pruned, await digits(), { steps: 80, lr: 3e-4 });
  assert.equal(tuned.losses.length, 80);
  assert.ok(tuned.losses.at(-1)! < tuned.losses[0]!);
  assert.ok(await acc(tuned.model) > before + 0.01, `${before} -> ${await acc(tuned.model)}`);
  const sparse = pruneL1(base, { amount: 0.5 }).model;
  const t2 = await finetune(sparse, (await digits()).slice(0, 3), { steps: 5 });
  assert.equal(sparsityReport(t2.model).total.zeros, sparsityReport(sparse).total.zeros);
  await assert.rejects(() => finetune(sparse, [], { steps: 0 }), /Invalid fine-tune steps 0/);
  await assert.rejects(() => finetune(sparse, [], { steps: 2 }), /no training batches/);
});
