import assert from "node:assert/strict";
import { Graph, GraphBuilder, inferShapes, Model, ops, tensor } from "../../lib/onnx/mod.ts";

Deno.test("inferShapes() propagates a symbolic batch through reshape arithmetic", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 4, 6] });
  const r = ops.reshape(g, x, [-1, 6]);
  assert.deepEqual(r.dims, ["4*N", 6]);
  const back = ops.reshape(g, r, [0, 2, 3]);
  assert.deepEqual(back.dims, ["4*N", 2, 3]);
  const s = ops.shape(g, x);
  const n = ops.gather(g, s, 0);
  const target = ops.concat(g, [ops.unsqueeze(g, n, [0]), g.ints([-1])], 0);
  assert.deepEqual(ops.reshape(g, x, target).dims, ["N", 24]);
  assert.deepEqual(ops.flatten(g, x, { axis: 2 }).dims, ["4*N", 6]);
});

Deno.test("inferShapes() gives unknown types to unknown ops and keeps going", () => {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: [2, 3] }],
    outputs: [{ name: "z" }],
  });
  g.addNode({ opType: "Mystery", domain: "com.example", inputs: ["x"], outputs: ["y"] });
  g.addNode({ opType: "Relu", inputs: ["y"], outputs: ["z"] });
  g.addNode({ opType: "Relu", inputs: ["x"], outputs: ["w"] });
  const report = inferShapes(new Model(g));
  assert.deepEqual(report.unknownOps.map((n) => n.opType), ["Mystery"]);
  assert.deepEqual(report.types.get("y"), {});
  assert.equal(report.types.get("z")?.dtype, undefined);
  assert.equal(report.types.get("z")?.dims, undefined);
  assert.deepEqual(g.typeOf("w"), { name: "w", dtype: "float32", dims: [2, 3] });
});

Deno.test("inferShapes() uses inputDims and reports conflicts by node", () => {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: ["N", 3] }],
    outputs: [{ name: "y" }],
  });
  g.initializers.set("w", tensor("float32", [4, 2]));
  g.addNode({ opType: "MatMul", name: "mm", inputs: ["x", "w"], outputs: ["y"] });
  const report = inferShapes(g, { inputDims: { x: [8, 3] } });
  assert.deepEqual(report.problems, [
    `Node "mm" (MatMul): inner dims differ: "x" float32 [8, 3] x "w" float32 [4, 2]`,
  ]);
  assert.throws(() => inferShapes(g, { strict: true }), /inner dims differ/);
});

Deno.test("inferShapes() handles broadcasting, pooling and slicing edge cases", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 3, 1, 5] });
  const y = g.input("y", { dtype: "float32", dims: [4, 1] });
  assert.deepEqual(ops.add(g, x, y).dims, ["N", 3, 4, 5]);
  assert.throws(
    () => ops.add(g, x, g.input("z", { dtype: "float32", dims: [2, 4] })),
    /cannot broadcast \[N, 3, 1, 5\] with "z" float32 \[2, 4\]: sizes differ/,
  );
  const img = g.input("img", { dtype: "float32", dims: [1, 2, 7, 7] });
  assert.deepEqual(
    ops.maxPool(g, img, { kernelShape: [2, 2], strides: [2, 2], ceilMode: true }).dims,
    [1, 2, 4, 4],
  );
  assert.deepEqual(ops.maxPool(g, img, { kernelShape: [2, 2], strides: [2, 2] }).dims, [
    1,
    2,
    3,
    3,
  ]);
  assert.deepEqual(ops.slice(g, img, [-1], [-8], { axes: [3], steps: [-2] }).dims, [1, 2, 7, 4]);
  assert.deepEqual(ops.reduceSum(g, img, { axes: [1], keepdims: false }).dims, [1, 7, 7]);
  assert.deepEqual(g.op("Shape", [img], { start: 1, end: -1 }).dims, [2]);
});
