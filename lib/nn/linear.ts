/**
 * `Linear` as `torch.nn.Linear`: `y = x Wᵀ + b`, weight `[out, in]`.
 *
 * @module
 */

import { ops, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import type { InitScheme } from "./init.ts";
import { checkInt, dimsOf, staticDim } from "./_dims.ts";

/** PyTorch's default weight init of Linear and Conv: `kaiming_uniform_(a=√5)`. */
export const DEFAULT_WEIGHT_INIT: InitScheme = { kind: "kaimingUniform", a: Math.sqrt(5) };

/** PyTorch's default bias init of Linear and Conv: `U(-1/√fan_in, 1/√fan_in)`. */
export function defaultBiasInit(fanIn: number): InitScheme {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return { kind: "uniform", low: -bound, high: bound };
}

/** Options of `linear`. */
export interface LinearOptions {
  /** Scope of the parameters: `"fc1"` gives `fc1.weight`, `fc1.bias`. */
  name: string;
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /** Default `DEFAULT_WEIGHT_INIT`. */
  weightInit?: InitScheme;
  /** Default `defaultBiasInit(inFeatures)`. */
  biasInit?: InitScheme;
}

/**
 * A fully connected layer on the last dim of `x` (its size must be known).
 * A 2-D input gives one `Gemm(transB=1)`; a higher-rank input gives
 * `MatMul(x, Transpose(W)) + b`, which ONNX Runtime runs as one GEMM.
 *
 * @param ctx The context.
 * @param x Input `[…, in]`.
 * @param options Name, sizes, inits.
 * @returns Output `[…, out]`.
 * @throws {RangeError} For an unknown input feature count or a bad size.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const y = linear(ctx, x, { name: "fc", outFeatures: 3 });
 * assert.deepEqual(y.dims, ["N", 3]);
 * assert.deepEqual(ctx.params.map((p) => p.name), ["fc.weight", "fc.bias"]);
 * ```
 */
export function linear(ctx: NnContext, x: Value, options: LinearOptions): Value {
  const layer = `Linear "${options.name}"`;
  const out = checkInt(layer, "outFeatures", options.outFeatures);
  const inFeatures = staticDim(layer, x, -1, "feature count");
  const rank = dimsOf(layer, x).length;
  return ctx.scope(options.name, () => {
    const w = ctx.param("weight", [out, inFeatures], options.weightInit ?? DEFAULT_WEIGHT_INIT);
    const b = options.bias === false
      ? undefined
      : ctx.param("bias", [out], options.biasInit ?? defaultBiasInit(inFeatures));
    if (rank === 2) return ops.gemm(ctx.g, x, w, b, { transB: true });
    const y = ctx.g.op("MatMul", [x, ctx.g.op("Transpose", [w], { perm: [1, 0] })]);
    return b ? ctx.g.op("Add", [y, b]) : y;
  });
}
