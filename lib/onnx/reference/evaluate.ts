/**
 * `evaluate`: runs a model with plain TypeScript loops in float64, following
 * the ONNX spec (and onnxruntime where the spec leaves room), for checking
 * numerical code and for folding constants.
 *
 * @module
 */

import type { Graph } from "../graph.ts";
import { Model } from "../model.ts";
import type { Tensor } from "../tensor.ts";
import { fromTensor, type Kernel, type NdArray, toTensor } from "./_array.ts";
import { ELEMENTWISE_KERNELS } from "./_kernels_elementwise.ts";
import { INDEX_KERNELS } from "./_kernels_index.ts";
import { MATH_KERNELS } from "./_kernels_math.ts";
import { NN_KERNELS } from "./_kernels_nn.ts";
import { SHAPE_KERNELS } from "./_kernels_shape.ts";

const KERNELS: Record<string, Kernel> = {
  ...ELEMENTWISE_KERNELS,
  ...MATH_KERNELS,
  ...SHAPE_KERNELS,
  ...INDEX_KERNELS,
  ...NN_KERNELS,
};

/** Op types (of the `ai.onnx` domain) the evaluator runs, sorted. */
export const REFERENCE_OPS: readonly string[] = Object.freeze(Object.keys(KERNELS).sort());

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Values to return (default: the graph outputs); any value of the graph may be named. */
  outputs?: readonly string[];
  /** The ai.onnx opset (default: the model's, else 17). */
  opset?: number;
}

/**
 * Evaluates a model on the given feeds. Every value is computed in float64
 * and then stored as its dtype (float32 results are rounded to float32), so a
 * float64 model gives float64-exact results.
 *
 * @param model A model or graph.
 * @param feeds Tensors for the graph inputs; they also override initializers of the same name.
 * @param options Outputs to return, opset.
 * @returns Output name → tensor.
 * @throws {TypeError} For a missing feed or an op the evaluator does not run.
 * @throws {RangeError} For shapes a kernel cannot combine, naming the node.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../mod.ts";
 * import { evaluate } from "./evaluate.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float64", dims: [2] });
 * g.output(g.op("Erf", [x]), "y");
 * const { y } = evaluate(g.build(), { x: tensor("float64", [2], [0, 1]) });
 * assert.equal(y!.data[0], 0);
 * assert.ok(Math.abs((y!.data[1] as number) - 0.8427007929497149) < 1e-15);
 * ```
 */
export function evaluate(
  model: Model | Graph,
  feeds: Record<string, Tensor>,
  options: EvaluateOptions = {},
): Record<string, Tensor> {
  const graph = model instanceof Model ? model.graph : model;
  const opset = options.opset ?? (model instanceof Model ? model.opset("") : undefined) ?? 17;
  const values = new Map<string, NdArray>();
  for (const [name, t] of graph.initializers) if (!(name in feeds)) values.set(name, fromTensor(t));
  for (const [name, t] of Object.entries(feeds)) values.set(name, fromTensor(t));
  for (const input of graph.inputs) {
    if (!values.has(input.name)) throw new TypeError(`Missing feed for input "${input.name}"`);
  }
  const wanted = options.outputs ?? graph.outputs.map((o) => o.name);
  for (const node of graph.topologicalOrder()) {
    const kernel = (node.domain === "" || node.domain === "ai.onnx")
      ? KERNELS[node.opType]
      : undefined;
    if (!kernel) {
      throw new TypeError(
        `Cannot evaluate ${node.label}: the reference evaluator has no kernel for "${node.opType}"`,
      );
    }
    const inputs = node.inputs.map((v) => {
      if (v === "") return undefined;
      const a = values.get(v);
      if (!a) throw new TypeError(`Cannot evaluate ${node.label}: input "${v}" has no value`);
      return a;
    });
    const outs = kernel(node, inputs, { opset });
    node.outputs.forEach((o, i) => {
      const a = outs[i];
      if (o !== "" && a) values.set(o, a);
    });
  }
  const result: Record<string, Tensor> = {};
  for (const name of wanted) {
    const a = values.get(name);
    if (!a) throw new TypeError(`Cannot return "${name}": no value of that name was computed`);
    result[name] = toTensor(a);
  }
  return result;
}
