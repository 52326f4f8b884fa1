import assert from "node:assert/strict";
import {
  assertValidModel,
  Graph,
  GraphBuilder,
  loadModel,
  Model,
  modelFromBytes,
  modelToBytes,
  ModelValidationError,
  tensor,
  validateModel,
} from "../../lib/onnx/mod.ts";

function kinds(model: Model): string[] {
  return validateModel(model).map((p) => `${p.kind}: ${p.message}`);
}

Deno.test("validateModel() accepts a reference model", async () => {
  const model = await loadModel("/work/shared/data/models/mnist/cnn_bn.train.onnx");
  assert.deepEqual(validateModel(model), []);
  assertValidModel(model);
});

Deno.test("validateModel() reports dangling inputs and missing outputs naming the node", () => {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: [2] }],
    outputs: [{ name: "y" }, { name: "z" }],
  });
  g.addNode({ opType: "Add", name: "add", inputs: ["x", "fc.bias"], outputs: ["y"] });
  assert.deepEqual(kinds(new Model(g)), [
    `dangling-input: Node "add" (Add): input "fc.bias" is not a graph input, an initializer or any node's output (missing initializer?)`,
    `missing-output: Graph output "z" is never produced`,
  ]);
});

Deno.test("validateModel() reports duplicate outputs of a loaded file", () => {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: [2] }],
    outputs: [{ name: "y" }],
  });
  g.addNode({ opType: "Relu", name: "a", inputs: ["x"], outputs: ["y"] });
  g.addNode({ opType: "Neg", name: "b", inputs: ["x"], outputs: ["y2"] });
  g.nodes[1]!.setOutputs(["y"]);
  const loaded = modelFromBytes(modelToBytes(new Model(g)));
  assert.deepEqual(kinds(loaded), [
    `duplicate-output: Node "b" (Neg): output "y" is also produced by "a" (Relu)`,
  ]);
});

Deno.test("validateModel() reports cycles", () => {
  const g = new Graph({ outputs: [{ name: "v1" }] });
  g.addNode({ opType: "Relu", name: "p", inputs: ["v2"], outputs: ["v1"] });
  g.addNode({ opType: "Relu", name: "q", inputs: ["v1"], outputs: ["v2"] });
  const problems = validateModel(new Model(g));
  assert.deepEqual(problems.map((p) => p.kind), ["cycle"]);
  assert.match(problems[0]!.message, /"p" \(Relu\) -> "q" \(Relu\)/);
});

Deno.test("validateModel() reports type and shape conflicts", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
  const w = g.initializer("w", tensor("float32", [4, 3]));
  g.output(g.op("MatMul", [x, w], {}, { name: "mm" }), "y");
  const model = g.build();
  model.graph.initializers.set("w", tensor("float32", [5, 3]));
  model.graph.outputs[0]!.dtype = "int64";
  model.graph.valueInfo.clear();
  const problems = kinds(model);
  assert.ok(
    problems.some((p) =>
      /type-mismatch: Node "mm" \(MatMul\): inner dims differ: "x" float32 \[N, 4\] x "w" float32 \[5, 3\]/
        .test(p)
    ),
    problems.join("\n"),
  );
  const b = new GraphBuilder();
  b.output(b.op("Relu", [b.input("x", { dtype: "float32", dims: [3] })]), "y");
  const m2 = b.build();
  m2.graph.outputs[0]!.dtype = "int64";
  assert.deepEqual(kinds(m2), [
    'type-mismatch: Graph output "y" is declared int64 but computed as float32',
  ]);
});

Deno.test("validateModel() warns on unknown ops and errors on a missing opset import", () => {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: [2] }],
    outputs: [{ name: "y" }],
  });
  g.addNode({
    opType: "FusedGelu",
    name: "f",
    domain: "com.example",
    inputs: ["x"],
    outputs: ["y"],
  });
  const problems = validateModel(new Model(g));
  assert.deepEqual(problems.map((p) => [p.kind, p.severity]), [["missing-opset", "error"], [
    "unknown-op",
    "warning",
  ]]);
  const ok = new Model(g.clone(), { opsetImports: { "": 17, "com.example": 1 } });
  assertValidModel(ok); // warnings only
  assert.throws(
    () => assertValidModel(new Model(g)),
    (e: Error) =>
      e instanceof ModelValidationError &&
      /domain "com.example" is not in the model's opset imports/.test(e.message),
  );
});
