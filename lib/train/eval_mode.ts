/**
 * Turns a forward graph exported in training mode into its evaluation form:
 * BatchNormalization uses its running statistics (`training_mode` 0, one
 * output) and Dropout becomes Identity. Graphs already in eval mode pass
 * unchanged. The input model is not modified.
 *
 * @module
 */
import type { Model } from "../onnx/mod.ts";

/**
 * Returns an eval-mode copy of a forward model.
 *
 * @param model a forward model, e.g. PyTorch's training-mode export
 * @returns the eval-mode copy and how many nodes changed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { toEvalMode } from "./eval_mode.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const [y] = g.op("Dropout", [x, g.scalar(0.5), g.constant({ dtype: "bool", dims: [], data: new Uint8Array([1]) })], {}, { outputs: 2 });
 * g.output(y!, "y");
 * const { model, changed } = toEvalMode(g.build());
 * assert.equal(changed, 1);
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Identity"]);
 * ```
 */
export function toEvalMode(model: Model): { model: Model; changed: number } {
  const out = model.clone();
  const graph = out.graph;
  let changed = 0;
  for (const node of [...graph.nodes]) {
    if (node.opType === "BatchNormalization" && node.getInt("training_mode", 0) === 1) {
      node.setInt("training_mode", 0);
      node.setOutputs([node.outputs[0]!]);
      changed++;
    } else if (node.opType === "Dropout") {
      // NOTE: the mask output disappears; nothing in a forward graph reads it.
      node.opType = "Identity";
      node.setInputs([node.inputs[0]!]);
      node.setOutputs([node.outputs[0]!]);
      node.attrs.clear();
      changed++;
    }
  }
  graph.outputs = graph.outputs.filter((o) =>
    graph.producer(o.name) || graph.isInput(o.name) || graph.isInitializer(o.name)
  );
  if (changed > 0) graph.removeUnused();
  return { model: out, changed };
}
