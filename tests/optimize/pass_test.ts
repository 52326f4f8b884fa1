import assert from "node:assert/strict";
import { GraphBuilder } from "../../lib/onnx/mod.ts";
import {
  applyPasses,
  compactNames,
  joinReasons,
  removeDead,
  removeIdentity,
} from "../../lib/optimize/mod.ts";
import { assertSameOutputs, seeded } from "./_helpers.ts";

Deno.test("applyPasses() reruns until nothing changes and leaves the input model alone", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2] });
  g.op("Neg", [x]);
  g.output(g.op("Identity", [g.op("Relu", [x])]), "y");
  const model = g.build();
  const r = applyPasses(model, [{ name: "identity", run: removeIdentity }, {
    name: "dead",
    run: removeDead,
  }]);
  assert.deepEqual(r.model.graph.nodes.map((n) => n.opType), ["Relu"]);
  assert.deepEqual(r.applied, { identity: 1, dead: 1 });
  assert.equal(r.rounds, 2);
  assert.equal(model.graph.nodes.length, 3);
  const again = applyPasses(r.model, [{ name: "identity", run: removeIdentity }]);
  assert.equal(again.changed, false);
  assert.match(again.declined.identity!, /no Identity/);
});

Deno.test("compactNames() shortens values, weights and nodes without changing outputs", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
  const w = g.initializer("encoder.layers.0.very_long_weight_name", seeded([3, 2], 1));
  g.output(g.op("Relu", [g.op("MatMul", [x, w], {}, { name: "encoder/layers/0/MatMul" })]), "y");
  const model = g.build();
  const r = compactNames(model, { initializers: true, nodeNames: "drop" });
  assert.deepEqual([...r.model.graph.initializers.keys()], ["w0"]);
  assert.deepEqual(r.model.graph.nodes.map((n) => [n.name, n.inputs.join(",")]), [["", "x,w0"], [
    "",
    "t0",
  ]]);
  assert.equal(r.model.graph.valueInfo.size, 0);
  await assertSameOutputs(model, r.model, { x: seeded([2, 3], 2) }, 0);
  assert.ok(
    r.model.graph.initializers.get("w0") ===
      model.graph.initializers.get("encoder.layers.0.very_long_weight_name"),
  );
});

Deno.test("joinReasons() groups nodes that share a reason", () => {
  assert.equal(joinReasons([]), undefined);
  assert.equal(
    joinReasons([
      `"a" (MatMul): its weight is not a float32 constant`,
      `"b" (MatMul): its weight is not a float32 constant`,
      `"c" (MatMul): its weight is not a float32 constant`,
      `"d" (Gemm): excluded`,
      `"e" (Gemm): "e/Add" (Add) mixes the channels with "x"`,
      `"f" (Gemm): "f/Add" (Add) mixes the channels with "y"`,
    ]),
    `3 nodes ("a" (MatMul), "b" (MatMul), …): its weight is not a float32 constant; "d" (Gemm): excluded; ` +
      `2 nodes ("e" (Gemm), "f" (Gemm)): "e/Add" (Add) mixes the channels with "x" (first of them)`,
  );
});
