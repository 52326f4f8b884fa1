// Import across opsets 13–18 and of graphs with subgraphs, unknown domains and
// initializers listed as inputs: load, transform, save, and agree with ORT.

import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { GraphProtoSchema, NodeProtoSchema, ValueInfoProtoSchema } from "onnx-buf";
import {
  GraphBuilder,
  inferShapes,
  type Model,
  modelFromBytes,
  modelToBytes,
  ops,
  Session,
  type Tensor,
  tensor,
  validateModel,
} from "../../lib/onnx/mod.ts";

function seeded(dims: number[], seed: number): Tensor<"float32"> {
  const t = tensor("float32", dims);
  let s = seed;
  for (let i = 0; i < t.data.length; i++) {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    t.data[i] = s / 2 ** 32 - 0.5;
  }
  return t;
}

/** A graph touching every op whose form changed between opsets 13 and 18. */
function opsetModel(opset: number): Model {
  const g = new GraphBuilder({ opset });
  const x = g.input("x", { dtype: "float32", dims: ["N", 4, 6] });
  const u = ops.unsqueeze(g, x, [1]);
  const s = ops.squeeze(g, u, [1]);
  const m = ops.reduceMean(g, s, { axes: [2], keepdims: true });
  const r = ops.reduceSum(g, ops.sub(g, s, m), { axes: [1] });
  const [a, b] = ops.split(g, s, [2, 4], 2);
  const sl = ops.slice(g, a!, [0, 1], [10, -1], { axes: [1, 2], steps: [2, 1] });
  const p = ops.pad(g, b!, [0, 1, 0, 0, 0, 2]);
  const c = ops.clip(g, p, { min: -0.2, max: 0.3 });
  const [d] = ops.dropout(g, c, { ratio: 0.1 });
  const e = ops.reduceMax(g, d!, { axes: [1, 2], keepdims: false });
  const halves = ops.split(g, x, 2, 2);
  for (const [i, v] of [r, sl, c, e, halves[1]!].entries()) g.output(v, `o${i}`);
  return g.build();
}

async function runModel(model: Model | Uint8Array, feeds: Record<string, Tensor>) {
  const s = await Session.create(model);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

for (const opset of [13, 15, 17, 18]) {
  Deno.test(`an opset ${opset} model loads, gets shapes that ORT confirms, and round-trips`, async () => {
    const built = opsetModel(opset);
    const bytes = modelToBytes(built);
    const model = modelFromBytes(bytes, { name: `opset${opset}.onnx` });
    assert.equal(model.opset(), opset);
    model.graph.valueInfo.clear();
    for (const o of model.graph.outputs) o.dims = undefined;
    const report = inferShapes(model);
    assert.deepEqual(report.problems, []);
    const feeds = { x: seeded([3, 4, 6], opset) };
    const before = await runModel(bytes, feeds);
    const after = await runModel(modelToBytes(model), feeds);
    for (const [name, want] of Object.entries(before)) {
      const inferred = report.types.get(name)!.dims!.map((d) => (d === "N" ? 3 : d));
      assert.deepEqual(inferred, want.dims, `opset ${opset} "${name}"`);
      assert.deepEqual(after[name]!.data, want.data);
    }
  });
}

function ifModel(): Model {
  const g = new GraphBuilder({ opset: 17, opsetImports: { "com.example": 1 } });
  const x = g.input("x", { dtype: "float32", dims: [2] });
  const flag = g.input("flag", { dtype: "bool", dims: [] });
  const scaled = g.op("Mul", [x, 3], {}, { name: "scale" });
  const branch = (op: string, name: string) =>
    create(GraphProtoSchema, {
      name,
      node: [
        create(NodeProtoSchema, { opType: op, input: [scaled.name], output: [`${name}_out`] }),
      ],
      output: [create(ValueInfoProtoSchema, { name: `${name}_out` })],
    });
  const y = g.op("If", [flag], {
    then_branch: { type: "graph", value: branch("Neg", "then") },
    else_branch: { type: "graph", value: branch("Identity", "else") },
  });
  g.output(y, "y");
  return g.build();
}

Deno.test("If subgraphs survive load, transform and save, and ORT runs the result", async () => {
  const model = modelFromBytes(modelToBytes(ifModel()));
  const graph = model.graph;
  const scale = graph.nodes.find((n) => n.name === "scale")!;
  assert.ok(graph.consumers(scale.outputs[0]!).some((n) => n.opType === "If"));
  // transform: put an Abs between the Mul and its (subgraph) users
  const g = GraphBuilder.on(model);
  const abs = g.op("Abs", [scale.outputs[0]!]);
  graph.replaceAllUses(scale.outputs[0]!, abs.name, { except: [graph.producer(abs.name)!] });
  graph.sortNodes();
  const again = modelFromBytes(modelToBytes(model));
  assert.deepEqual(validateModel(again).filter((p) => p.severity === "error"), []);
  const x = tensor("float32", [2], [-1, 2]);
  const t = await runModel(again, { x, flag: tensor("bool", [], [1]) });
  const f = await runModel(again, { x, flag: tensor("bool", [], [0]) });
  assert.deepEqual(Array.from(t.y!.data as Float32Array), [-3, -6]);
  assert.deepEqual(Array.from(f.y!.data as Float32Array), [3, 6]);
});

Deno.test("unknown-domain nodes are kept with their attributes and reported as unknown", () => {
  const g = new GraphBuilder({ opset: 17 });
  const x = g.input("x", { dtype: "float32", dims: [2] });
  g.output(
    g.op("FastGelu", [x], { approximate: "tanh", beta: 1.5 }, { domain: "com.example" }),
    "y",
  );
  const model = modelFromBytes(modelToBytes(g.build()));
  const node = model.graph.nodes[0]!;
  assert.equal(node.domain, "com.example");
  assert.equal(node.getString("approximate"), "tanh");
  assert.equal(node.getFloat("beta"), 1.5);
  assert.equal(model.opset("com.example"), 1);
  const report = inferShapes(model);
  assert.deepEqual(report.unknownOps, [node]);
  assert.deepEqual(validateModel(model).map((p) => p.kind), ["unknown-op"]);
});

Deno.test("initializers listed as graph inputs are optional feeds", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2] });
  g.output(g.op("Add", [x, g.initializer("w", tensor("float32", [2], [1, 2]))]), "y");
  const built = g.build();
  built.graph.inputs.push({ name: "w", dtype: "float32", dims: [2] });
  const model = modelFromBytes(modelToBytes(built));
  assert.deepEqual(model.graph.inputs.map((i) => i.name), ["x", "w"]);
  assert.deepEqual(model.graph.feedInputs().map((i) => i.name), ["x"]);
  assert.deepEqual(validateModel(model), []);
  const out = await runModel(model, { x: tensor("float32", [2], [1, 1]) });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [2, 3]);
});
