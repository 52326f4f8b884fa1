/**
 * Converts a float32 model to float64 for finite-difference checks: float32
 * initializers, graph inputs and outputs, value types, Constant values,
 * ConstantOfShape fills and Cast targets become float64.
 *
 * @module
 */

import { type Model, type Tensor, tensor } from "../../lib/onnx/mod.ts";

function widen(t: Tensor): Tensor {
  return t.dtype === "float32"
    ? tensor("float64", t.dims, Float64Array.from(t.data as Float32Array))
    : t;
}

/**
 * A float64 copy of a float32 model.
 *
 * @param model The model (left as it was).
 * @returns The copy.
 */
export function toFloat64(model: Model): Model {
  const m = model.clone();
  const g = m.graph;
  for (const [k, t] of g.initializers) g.initializers.set(k, widen(t));
  for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo.values()]) {
    if (v.dtype === "float32") v.dtype = "float64";
  }
  for (const n of g.nodes) {
    if ((n.opType === "Constant" || n.opType === "ConstantOfShape") && n.hasAttr("value")) {
      n.setTensor("value", widen(n.getTensor("value")));
    }
    if (n.opType === "Cast" && n.getInt("to") === 1) n.setInt("to", 11);
  }
  return m;
}
