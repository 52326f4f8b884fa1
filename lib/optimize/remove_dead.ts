/**
 * Dead code removal.
 *
 * - nodes no graph output depends on -> removed
 * - initializers and value infos nothing reads -> removed
 *
 * Exact: what remains computes the same outputs.
 *
 * @module
 */
import type { Model } from "../onnx/mod.ts";
import { declined, type PassResult } from "./pass.ts";

/**
 * Removes dead nodes and unused initializers.
 *
 * @param model The model (not modified).
 * @returns The pruned copy; `reason` when everything is used.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { removeDead } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * g.op("Neg", [x]);
 * g.initializer("unused", tensor("float32", [2]));
 * g.output(g.op("Relu", [x]), "y");
 * const { model, notes } = removeDead(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.equal(model.graph.initializers.size, 0);
 * assert.match(notes[0]!, /1 node/);
 * ```
 */
export function removeDead(model: Model): PassResult {
  const out = model.clone();
  const { nodes, initializers } = out.graph.removeUnused();
  if (nodes === 0 && initializers === 0) {
    return declined(model, "every node and initializer is used");
  }
  return {
    model: out,
    changed: true,
    notes: [`removed ${nodes} node(s) and ${initializers} initializer(s)`],
  };
}
