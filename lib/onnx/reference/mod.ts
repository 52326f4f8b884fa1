/**
 * A reference evaluator: runs ONNX graphs with plain TypeScript loops in
 * float64, following the ONNX spec and onnxruntime's choices where the spec
 * leaves room (pooling windows in ceil mode, average-pool divisors). It checks
 * numerical code where onnxruntime's CPU kernels lack float64 (Conv,
 * ConvTranspose, Erf, pooling, …) and can fold constants.
 *
 * `evaluate(model, feeds, { outputs })` returns tensors by name;
 * `REFERENCE_OPS` lists the ops it runs. Dropout draws its mask from a
 * generator seeded by the node's `seed` attribute, so repeated evaluations
 * agree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../mod.ts";
 * import { evaluate, REFERENCE_OPS } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float64", dims: [1, 1, 2, 2] });
 * g.output(g.op("GlobalAveragePool", [x]), "y");
 * const { y } = evaluate(g.build(), { x: tensor("float64", [1, 1, 2, 2], [1, 2, 3, 4]) });
 * assert.equal(y!.data[0], 2.5);
 * assert.ok(REFERENCE_OPS.includes("Conv"));
 * ```
 *
 * @module
 */

export { evaluate, type EvaluateOptions, REFERENCE_OPS } from "./evaluate.ts";
