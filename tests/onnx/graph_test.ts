import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { GraphProtoSchema, NodeProtoSchema, ValueInfoProtoSchema } from "onnx-buf";
import { Graph, Node } from "../../lib/onnx/mod.ts";

function chain(): Graph {
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: [2] }],
    outputs: [{ name: "z" }],
  });
  g.addNode({ opType: "Relu", name: "b", inputs: ["y"], outputs: ["z"] });
  g.addNode({ opType: "Neg", name: "a", inputs: ["x"], outputs: ["y"] });
  return g;
}

Deno.test("Graph.producer() and consumers() follow node edits", () => {
  const g = chain();
  const [b, a] = g.nodes as Node[];
  assert.equal(g.producer("y"), a);
  assert.deepEqual(g.consumers("y"), [b]);
  b!.setInput(0, "x");
  assert.deepEqual(g.consumers("y"), []);
  assert.deepEqual(g.consumers("x"), [a, b]);
  const mul = g.addNode({ opType: "Mul", inputs: ["y", "y"], outputs: ["w"] });
  assert.deepEqual(g.consumers("y"), [mul]);
  mul.inputs = ["y", "x"];
  assert.deepEqual(g.consumers("y"), [mul]);
  g.removeNode(mul);
  assert.deepEqual(g.consumers("y"), []);
  assert.equal(g.producer("w"), undefined);
});

Deno.test("Graph.topologicalOrder() puts producers first and keeps a valid order", () => {
  const g = chain();
  assert.deepEqual(g.topologicalOrder().map((n) => n.name), ["a", "b"]);
  g.sortNodes();
  assert.deepEqual(g.nodes.map((n) => n.name), ["a", "b"]);
});

Deno.test("Graph.topologicalOrder() names the nodes of a cycle", () => {
  const g = new Graph();
  g.addNode({ opType: "Relu", name: "p", inputs: ["v2"], outputs: ["v1"] });
  g.addNode({ opType: "Relu", name: "q", inputs: ["v1"], outputs: ["v2"] });
  assert.throws(() => g.topologicalOrder(), /cycle: "p" \(Relu\) -> "q" \(Relu\) -> "p" \(Relu\)/);
});

Deno.test("Graph.uniqueName() avoids every used name and reserves the result", () => {
  const g = chain();
  g.initializers.set("w", { dtype: "float32", dims: [], data: new Float32Array(1) });
  assert.equal(g.uniqueName("x"), "x_1");
  assert.equal(g.uniqueName("x"), "x_2");
  assert.equal(g.uniqueName("w"), "w_1");
  assert.equal(g.uniqueName("fresh"), "fresh");
  assert.equal(g.uniqueName("fresh"), "fresh_1");
  assert.equal(g.uniqueName("a"), "a_1"); // node names count too
});

Deno.test("Graph.replaceAllUses() rewrites inputs and subgraph reads but not outputs by default", () => {
  const g = chain();
  const body = create(GraphProtoSchema, {
    name: "then",
    node: [create(NodeProtoSchema, { opType: "Identity", input: ["y"], output: ["t"] })],
    output: [create(ValueInfoProtoSchema, { name: "t" })],
  });
  const iff = g.addNode({
    opType: "If",
    inputs: ["c"],
    outputs: ["r"],
    attrs: new Map([["then_branch", { type: "graph", value: body }], ["else_branch", {
      type: "graph",
      value: body,
    }]]),
  });
  assert.ok(g.consumers("y").includes(iff));
  g.outputs.push({ name: "y" });
  assert.equal(g.replaceAllUses("y", "y2"), 2);
  assert.deepEqual(g.consumers("y"), []);
  assert.equal(body.node[0]!.input[0], "y2");
  assert.ok(g.consumers("y2").includes(iff));
  assert.ok(g.isOutput("y"));
  g.replaceAllUses("y", "y3", { outputs: true });
  assert.ok(g.isOutput("y3"));
});

Deno.test("Graph.clone() copies structure so edits do not leak", () => {
  const g = chain();
  const c = g.clone();
  c.nodes[0]!.setInput(0, "x");
  c.removeNode(c.nodes[1]!);
  assert.equal(g.nodes.length, 2);
  assert.deepEqual(g.nodes[0]!.inputs, ["y"]);
});

Deno.test("Graph.addNode() refuses a second producer of a value", () => {
  const g = chain();
  assert.throws(
    () => g.addNode({ opType: "Relu", inputs: ["x"], outputs: ["y"] }),
    /already produced by "a" \(Neg\)/,
  );
});

Deno.test("Node accessors check attribute kinds and defaults", () => {
  const n = new Node({ opType: "Conv", attrs: { group: 2, strides: [2, 2], alpha: 1, mode: "x" } });
  assert.equal(n.getInt("group"), 2);
  assert.deepEqual(n.getInts("strides"), [2, 2]);
  assert.equal(n.getFloat("alpha"), 1);
  assert.equal(n.getString("mode"), "x");
  assert.equal(n.getInt("missing", 7), 7);
  assert.throws(() => n.getInt("missing"), /has no attribute "missing"/);
  assert.throws(() => n.getFloat("group"), /attribute "group" is int, expected float/);
  n.setFloats("scales", [1, 2]);
  assert.deepEqual(n.attrs.get("scales"), { type: "floats", value: [1, 2] });
});

Deno.test("Graph.removeUnused() drops nodes and initializers no output needs", () => {
  const g = chain();
  g.initializers.set("unused", { dtype: "float32", dims: [1], data: new Float32Array(1) });
  g.initializers.set("k", { dtype: "float32", dims: [1], data: new Float32Array(1) });
  g.addNode({ opType: "Add", name: "dead", inputs: ["y", "k"], outputs: ["d"] });
  g.valueInfo.set("d", { name: "d", dtype: "float32" });
  assert.deepEqual(g.removeUnused(), { nodes: 1, initializers: 2 });
  assert.deepEqual(g.nodes.map((n) => n.name), ["b", "a"]);
  assert.equal(g.valueInfo.has("d"), false);
  assert.deepEqual(g.consumers("y").map((n) => n.name), ["b"]);
});
