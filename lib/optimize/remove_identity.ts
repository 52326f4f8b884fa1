/**
 * Identity and inference-mode Dropout removal.
 *
 * - `Identity(x)` -> x
 * - `Dropout(x)` with no mask reader and `training_mode` absent or a false
 *   constant -> x
 *
 * Exact: the values are passed through unchanged.
 *
 * @module
 */
import type { Graph, Model, Node } from "../onnx/mod.ts";
import { bypass, constValue, isStandard } from "./_graph.ts";
import { declined, type PassResult } from "./pass.ts";

/**
 * Removes Identity nodes and Dropout nodes that do nothing at inference.
 *
 * @param model The model (not modified).
 * @returns The copy without them; `reason` when there were none (or none removable).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { removeIdentity } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * g.output(g.op("Identity", [g.op("Relu", [x])]), "y");
 * const { model } = removeIdentity(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.equal(model.graph.nodes[0]!.outputs[0], "y");
 * ```
 */
export function removeIdentity(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const notes: string[] = [];
  const kept: string[] = [];
  for (const node of [...graph.nodes]) {
    if (!isStandard(node)) continue;
    if (node.opType !== "Identity" && !(node.opType === "Dropout" && isInert(graph, node))) {
      if (node.opType === "Dropout") {
        kept.push(`${node.label} is in training mode or its mask is read`);
      }
      continue;
    }
    if (bypass(graph, node, node.inputs[0]!)) notes.push(`removed ${node.label}`);
    else kept.push(`${node.label} feeds graph output "${node.outputs[0]}" from an input`);
  }
  if (notes.length === 0) {
    return declined(model, kept[0] ?? "no Identity or inference-mode Dropout node");
  }
  return { model: out, changed: true, notes, reason: kept[0] };
}

function isInert(graph: Graph, node: Node): boolean {
  const mask = node.outputs[1];
  if (mask && (graph.consumers(mask).length > 0 || graph.isOutput(mask))) return false;
  const training = node.inputs[2];
  if (!training) return true;
  const t = constValue(graph, training);
  return t !== undefined && Number(t.data[0]) === 0;
}
