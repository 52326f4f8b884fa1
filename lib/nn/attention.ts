/**
 * Multi-head self-attention as `torch.nn.MultiheadAttention(batch_first=True)`
 * with the packed q/k/v projection (`in_proj_weight [3D, D]`) that
 * torchvision's ViT uses.
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";
import { checkInt, checkProb, dimsOf, staticDim } from "./_dims.ts";

/** Options of `multiheadSelfAttention`. */
export interface AttentionOptions {
  /** Scope: `"self_attention"` gives `self_attention.in_proj_weight`, … */
  name: string;
  numHeads: number;
  /** Dropout on the attention weights (training only; default 0). */
  dropout?: number;
}

const ZEROS = { kind: "constant", value: 0 } as const;

/**
 * Self-attention over `[N, S, D]`: `softmax(q kᵀ / √(D/H)) v` per head, then
 * `out_proj`. Emitted as MatMul + Add for the packed projection, one Reshape
 * (with 0 = keep dim, so the batch stays symbolic), a Split into q, k, v,
 * Transposes to heads, MatMul / Softmax / MatMul, and back.
 *
 * Parameters and init as PyTorch: `in_proj_weight` xavier-uniform over
 * `[3D, D]`, `in_proj_bias` 0, `out_proj.weight` kaiming-uniform(a=√5),
 * `out_proj.bias` 0.
 *
 * @param ctx The context.
 * @param x Input `[N, S, D]` (S and D known).
 * @param options Name, heads, attention dropout.
 * @returns Output `[N, S, D]`.
 * @throws {RangeError} When the heads do not divide D, or for an input of another rank.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 17, 64] });
 * const y = multiheadSelfAttention(ctx, x, { name: "attn", numHeads: 4 });
 * assert.deepEqual(y.dims, ["N", 17, 64]);
 * assert.deepEqual(ctx.params.map((p) => p.dims), [[192, 64], [192], [64, 64], [64]]);
 * ```
 */
export function multiheadSelfAttention(
  ctx: NnContext,
  x: Value,
  options: AttentionOptions,
): Value {
  const layer = `MultiheadAttention "${options.name}"`;
  dimsOf(layer, x, 3);
  const d = staticDim(layer, x, 2, "embedding size");
  const heads = checkInt(layer, "numHeads", options.numHeads);
  if (d % heads !== 0) {
    throw new RangeError(
      `Invalid ${layer} option "numHeads": ${heads} must divide the embedding size ${d}`,
    );
  }
  const p = checkProb(layer, "dropout", options.dropout ?? 0);
  const hd = d / heads;
  const g = ctx.g;
  return ctx.scope(options.name, () => {
    const w = ctx.param("in_proj_weight", [3 * d, d], { kind: "xavierUniform" });
    const b = ctx.param("in_proj_bias", [3 * d], ZEROS);
    const qkv = g.op("Add", [g.op("MatMul", [x, g.op("Transpose", [w], { perm: [1, 0] })]), b]);
    const split = g.op("Reshape", [qkv, ctx.ints([0, 0, 3 * heads, hd])]);
    const [q, k, v] = g.op("Split", [split, ctx.ints([heads, heads, heads])], { axis: 2 }, {
      outputs: 3,
    });
    const qh = g.op("Transpose", [q!], { perm: [0, 2, 1, 3] }); // [N, H, S, hd]
    const kt = g.op("Transpose", [k!], { perm: [0, 2, 3, 1] }); // [N, H, hd, S]
    const vh = g.op("Transpose", [v!], { perm: [0, 2, 1, 3] });
    const scores = g.op("MatMul", [g.op("Div", [qh, ctx.scalar(Math.sqrt(hd))]), kt]);
    const weights = dropout(ctx, g.op("Softmax", [scores], { axis: -1 }), p);
    const heads4 = g.op("Transpose", [g.op("MatMul", [weights, vh])], { perm: [0, 2, 1, 3] });
    const merged = g.op("Reshape", [heads4, ctx.ints([0, 0, d])]);
    return linear(ctx, merged, { name: "out_proj", outFeatures: d, biasInit: ZEROS });
  });
}
