import assert from "node:assert/strict";
import { DIFFERENTIABLE_OPS, NON_DIFFERENTIABLE_OPS } from "../../lib/autodiff/mod.ts";
import { REFERENCE_OPS } from "../../lib/onnx/reference/mod.ts";
import { sharedPath } from "../_shared.ts";

const ISSUE_OPS = [
  "MatMul",
  "Gemm",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Neg",
  "Relu",
  "LeakyRelu",
  "Sigmoid",
  "Tanh",
  "Erf",
  "Softmax",
  "LogSoftmax",
  "Exp",
  "Log",
  "Sqrt",
  "Pow",
  "Conv",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "BatchNormalization",
  "LayerNormalization",
  "Reshape",
  "Flatten",
  "Transpose",
  "Concat",
  "Split",
  "Slice",
  "Gather",
  "Squeeze",
  "Unsqueeze",
  "Expand",
  "ReduceMean",
  "ReduceSum",
  "Dropout",
  "Identity",
  "Cast",
  "Where",
  "HardSigmoid",
  "HardSwish",
]; // deno-fmt-ignore

Deno.test("every op of the reference graphs and of the issue's list has a rule or carries no gradient", () => {
  const ops = JSON.parse(Deno.readTextFileSync(sharedPath("data/models/ops.json")));
  const all = new Set<string>([...ops.union_all_graphs, ...ISSUE_OPS]);
  const missing = [...all].filter((op) => !DIFFERENTIABLE_OPS.includes(op) && !NON_DIFFERENTIABLE_OPS.includes(op));
  assert.deepEqual(missing, []);
  for (const op of ops.data_path_union_mnist_train_graphs) assert.ok(DIFFERENTIABLE_OPS.includes(op), op);
  for (const op of ["Shape", "Constant", "ConstantOfShape", "Equal"]) assert.ok(NON_DIFFERENTIABLE_OPS.includes(op));
});

Deno.test("every gradient rule has a finite-difference test, and the evaluator runs every such op", async () => {
  const dir = new URL(".", import.meta.url);
  let text = "";
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith("rules_") && e.name.endsWith("_test.ts")) {
      text += await Deno.readTextFile(new URL(e.name, dir));
    }
  }
  const untested = DIFFERENTIABLE_OPS.filter((op) => !text.includes(`"${op}"`));
  assert.deepEqual(untested, []);
  assert.deepEqual(DIFFERENTIABLE_OPS.filter((op) => !REFERENCE_OPS.includes(op)), []);
});
