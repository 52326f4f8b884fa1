import assert from "node:assert/strict";
import { GraphBuilder, loadModel } from "../../lib/onnx/mod.ts";
import {
  cancelTransposes,
  foldBatchNorm,
  foldConstants,
  fuse,
  fuseMatMulAdd,
  removeDead,
  removeIdentity,
  saveOrtOptimized,
} from "../../lib/optimize/mod.ts";
import { toEvalMode } from "../../lib/train/mod.ts";
import { sharedPath } from "../_shared.ts";
import { assertSameOutputs, opTypes, seeded, testDigits } from "./_helpers.ts";

Deno.test("foldConstants() folds constant subgraphs and Shape of static dims", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2, 3] });
  const w = g.op("Mul", [g.constant(seeded([3], 1), { asNode: true }), 3]);
  const shape = g.op("Shape", [x]);
  const flat = g.op("Reshape", [g.op("Add", [x, w]), g.op("Concat", [shape], { axis: 0 })]);
  g.output(flat, "y");
  const model = g.build();
  const r = foldConstants(model);
  assert.ok(r.changed);
  assert.deepEqual(opTypes(r.model), ["Add", "Reshape"]);
  assert.deepEqual(opTypes(model).includes("Constant"), true, "input model untouched");
  await assertSameOutputs(model, r.model, { x: seeded([2, 3], 2) }, 1e-6);
});

Deno.test("foldConstants() declines a graph without constant nodes", () => {
  const g = new GraphBuilder();
  g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: [2] })]), "y");
  const r = foldConstants(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /no node has only constant inputs/);
});

Deno.test("removeIdentity() removes Identity and inference Dropout, keeping output names", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [4] });
  const d = g.op("Dropout", [g.op("Relu", [x]), g.scalar(0.3)]);
  g.output(g.op("Identity", [g.op("Identity", [d])]), "y");
  const model = g.build();
  const r = removeIdentity(model);
  assert.deepEqual(opTypes(r.model), ["Relu"]);
  assert.equal(r.model.graph.outputs[0]!.name, "y");
  await assertSameOutputs(model, r.model, { x: seeded([4]) }, 0);
});

Deno.test("removeIdentity() declines a Dropout whose mask is read, saying so", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [4] });
  const [y, mask] = g.op("Dropout", [x], {}, { outputs: 2 });
  g.output(y!, "y");
  g.output(mask!, "mask");
  const r = removeIdentity(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /Dropout.*mask is read/);
});

Deno.test("removeIdentity() declines an Identity from a graph input to a graph output", () => {
  const g = new GraphBuilder();
  g.output(g.op("Identity", [g.input("x", { dtype: "float32", dims: [4] })]), "y");
  const r = removeIdentity(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /feeds graph output "y" from an input/);
});

function bnParams(g: GraphBuilder, c: number, seed: number) {
  return [
    g.constant(seeded([c], seed, 0.5, 1.5)),
    g.constant(seeded([c], seed + 1)),
    g.constant(seeded([c], seed + 2)),
    g.constant(seeded([c], seed + 3, 0.2, 2)),
  ];
}

Deno.test("foldBatchNorm() folds into Conv (with and without bias) and Gemm within 1e-5", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 3, 8, 8] });
  const c1 = g.op("Conv", [x, g.constant(seeded([4, 3, 3, 3], 3))], { pads: [1, 1, 1, 1] });
  const b1 = g.op("BatchNormalization", [c1, ...bnParams(g, 4, 10)], { epsilon: 1e-3 });
  const c2 = g.op("Conv", [
    g.op("Relu", [b1]),
    g.constant(seeded([6, 4, 3, 3], 4)),
    g.constant(seeded([6], 5)),
  ]);
  const b2 = g.op("BatchNormalization", [c2, ...bnParams(g, 6, 20)]);
  const f = g.op("Flatten", [b2]);
  const fc = g.op("Gemm", [f, g.constant(seeded([5, 216], 6)), g.constant(seeded([5], 7))], {
    transB: 1,
    beta: 0.5,
  });
  g.output(g.op("BatchNormalization", [fc, ...bnParams(g, 5, 30)]), "y");
  const model = g.build();
  const r = foldBatchNorm(model);
  assert.deepEqual(opTypes(r.model), ["Conv", "Relu", "Conv", "Flatten", "Gemm"]);
  await assertSameOutputs(model, r.model, { x: seeded([2, 3, 8, 8], 9) }, 1e-5);
});

Deno.test("foldBatchNorm() declines a BatchNormalization after a Relu, naming it", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [1, 2, 4, 4] });
  g.output(
    g.op("BatchNormalization", [g.op("Relu", [x]), ...bnParams(g, 2, 1)], {}, { name: "bn" }),
    "y",
  );
  const r = foldBatchNorm(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /"bn" \(BatchNormalization\): its input comes from Relu/);
});

Deno.test("fuseMatMulAdd() makes a Gemm of a 2-D MatMul and bias", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 6] });
  const m = g.op("MatMul", [x, g.constant(seeded([6, 4], 1))]);
  g.output(g.op("Relu", [g.op("Add", [g.constant(seeded([1, 4], 2)), m])]), "y");
  const model = g.build();
  const r = fuseMatMulAdd(model);
  assert.deepEqual(opTypes(r.model), ["Gemm", "Relu"]);
  await assertSameOutputs(model, r.model, { x: seeded([3, 6], 3) }, 1e-6);
});

Deno.test("fuseMatMulAdd() declines a 3-D MatMul input, saying Gemm needs 2-D", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 5, 6] });
  const m = g.op("MatMul", [x, g.constant(seeded([6, 4], 1))]);
  g.output(g.op("Add", [m, g.constant(seeded([4], 2))]), "y");
  const r = fuseMatMulAdd(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /Gemm needs a 2-D input, "x" has rank 3/);
});

Deno.test("cancelTransposes() cancels inverse pairs, merges others and Reshape chains", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2, 3, 4] });
  const t1 = g.op("Transpose", [x], { perm: [2, 0, 1] });
  const back = g.op("Transpose", [t1], { perm: [1, 2, 0] });
  const t2 = g.op("Transpose", [g.op("Transpose", [back], { perm: [1, 0, 2] })], {
    perm: [0, 2, 1],
  });
  const r1 = g.op("Reshape", [t2, g.ints([6, 4])]);
  const r2 = g.op("Reshape", [r1, g.ints([4, 6])]);
  const same = g.op("Reshape", [r2, g.ints([4, 6])]);
  g.output(g.op("Relu", [same]), "y");
  const model = g.build();
  const r = cancelTransposes(model);
  assert.deepEqual(opTypes(r.model), ["Transpose", "Reshape", "Relu"]);
  await assertSameOutputs(model, r.model, { x: seeded([2, 3, 4]) }, 0);
  assert.match(cancelTransposes(r.model).reason!, /no Transpose or Reshape chain/);
});

Deno.test("removeDead() declines when everything is used", () => {
  const g = new GraphBuilder();
  g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: [2] })]), "y");
  assert.match(removeDead(g.build()).reason!, /every node and initializer is used/);
});

Deno.test("fuse() on cnn_bn: BatchNorm folded, exact to 1e-5 on the test split, loads in ORT", async () => {
  const train = await loadModel(sharedPath("data/models/mnist/cnn_bn.train.onnx"));
  const model = toEvalMode(train).model;
  const r = fuse(model);
  assert.deepEqual(
    [...new Set(opTypes(r.model))].sort(),
    ["Conv", "Flatten", "Gemm", "MaxPool", "Relu"],
  );
  const { x } = await testDigits(500);
  const d = await assertSameOutputs(model, r.model, { input: x }, 1e-5);
  assert.ok(d < 1e-5);
});

Deno.test("fuse() on the PyTorch vit_tiny: folds the shape arithmetic, exact to 1e-5", async () => {
  const model = await loadModel(sharedPath("data/models/mnist/vit_tiny.adam2ep.eval.onnx"));
  const r = fuse(model);
  assert.ok(r.model.graph.nodes.length < model.graph.nodes.length);
  assert.ok(!opTypes(r.model).includes("Constant"));
  const { x } = await testDigits(200);
  await assertSameOutputs(model, r.model, { input: x }, 1e-5);
});

Deno.test("saveOrtOptimized() writes ORT's optimized graph, which loads again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = await loadModel(sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx"));
    await saveOrtOptimized(model, `${dir}/ort.onnx`);
    const back = await loadModel(`${dir}/ort.onnx`);
    const { x } = await testDigits(50);
    await assertSameOutputs(model, back, { input: x }, 1e-4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fuse() refuses an unknown pass name in skip", () => {
  const g = new GraphBuilder();
  g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: [2] })]), "y");
  assert.throws(
    () => fuse(g.build(), { skip: ["nope"] }),
    /Unknown fuse pass "nope": expected one of fold_constants/,
  );
});
