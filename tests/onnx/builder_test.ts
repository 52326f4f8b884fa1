import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { GraphBuilder, loadModel, modelToBytes, tensor } from "../../lib/onnx/mod.ts";

Deno.test("GraphBuilder builds a model that ORT runs", async () => {
  const g = new GraphBuilder({ opset: 17 });
  const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
  const w = g.initializer(
    "w",
    tensor("float32", [4, 3], Float32Array.from({ length: 12 }, (_, i) => i - 5)),
  );
  const y = g.output(g.op("Relu", [g.op("MatMul", [x, w])]), "y");
  assert.equal(y.name, "y");
  assert.deepEqual(y.dims, ["N", 3]);
  assert.equal(y.dtype, "float32");
  const model = g.build();
  assert.equal(model.opset(), 17);
  const session = await ort.InferenceSession.create(modelToBytes(model), { logSeverityLevel: 3 });
  try {
    const out = await session.run({
      x: new ort.Tensor("float32", new Float32Array([1, 0, 0, 1]), [1, 4]),
    });
    // row 0 of w is [-5, -4, -3], row 3 is [4, 5, 6]: sum [-1, 1, 3], relu [0, 1, 3]
    assert.deepEqual(Array.from(out.y!.data as Float32Array), [0, 1, 3]);
  } finally {
    await session.release();
  }
});

Deno.test("GraphBuilder.op() rejects a shape mismatch naming the node and both shapes", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
  const w = g.initializer("w", tensor("float32", [5, 3]));
  assert.throws(
    () => g.op("MatMul", [x, w], {}, { name: "proj" }),
    /Node "proj" \(MatMul\): inner dims differ: "x" float32 \[N, 4\] x "w" float32 \[5, 3\]/,
  );
  assert.equal(g.graph.nodes.length, 0); // the failed node is not left behind
  const i = g.input("i", { dtype: "int64", dims: [4] });
  assert.throws(
    () => g.op("Add", [x, i]),
    (err: Error) => err instanceof TypeError && /input types differ/.test(err.message),
  );
});

Deno.test("GraphBuilder.op() returns several handles and numbers become shared constants", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2, 6] });
  const parts = g.op("Split", [x, g.ints([2, 4])], { axis: 1 }, { outputs: 2 });
  assert.deepEqual(parts.map((p) => p.dims), [[2, 2], [2, 4]]);
  const a = g.op("Mul", [x, 2]);
  const b = g.op("Add", [a, 2]);
  assert.equal(g.graph.nodes[1]!.inputs[1], g.graph.nodes[2]!.inputs[1]);
  assert.equal(g.graph.initializers.get(g.graph.nodes[1]!.inputs[1]!)!.dtype, "float32");
  assert.deepEqual(b.dims, [2, 6]);
  const w = g.op("Where", [g.op("Greater", [x, 0]), x, 0]);
  const zero = g.graph.initializers.get(g.graph.producer(w.name)!.inputs[2]!)!;
  assert.equal(zero.dtype, "float32");
  const n = g.op("Mul", [g.input("k", { dtype: "int64", dims: [2] }).name, 3]);
  assert.equal(n.dtype, "int64");
  const c = g.constant(tensor("float32", [1], [3]), { asNode: true });
  assert.equal(g.graph.producer(c.name)!.opType, "Constant");
});

Deno.test("GraphBuilder.on() appends to a loaded model with known types", async () => {
  const model = await loadModel("/work/shared/data/models/mnist/cnn.eval.onnx");
  const g = GraphBuilder.on(model);
  const logits = g.value("logits");
  assert.deepEqual(logits.dims, ["batch", 10]);
  const probs = g.op("Softmax", [logits], { axis: -1 });
  g.output(probs, "probs");
  assert.equal(g.build(), model);
  assert.deepEqual(model.graph.outputs.map((o) => o.name), ["logits", "probs"]);
  const session = await ort.InferenceSession.create(modelToBytes(model), { logSeverityLevel: 3 });
  try {
    const out = await session.run({
      input: new ort.Tensor("float32", new Float32Array(784).fill(0.5), [1, 1, 28, 28]),
    });
    const sum = Array.from(out.probs!.data as Float32Array).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
  } finally {
    await session.release();
  }
});

Deno.test("GraphBuilder.scope() prefixes node names", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [1] });
  g.scope("block1", () => g.op("Relu", [x]));
  assert.equal(g.graph.nodes[0]!.name, "block1/Relu");
  assert.throws(
    () => g.input("x", { dtype: "float32" }),
    /Cannot add input "x": the name is taken/,
  );
});
