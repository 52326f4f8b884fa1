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

/** How a sequence of tokens is laid out. */
export type TokenLayout = "batch_first" | "seq_first" | "flat";

/** Options of `multiheadSelfAttention`. */
export interface AttentionOptions {
  /** Scope: `"self_attention"` gives `self_attention.in_proj_weight`, … */
  name: string;
  numHeads: number;
  /** Dropout on the attention weights (training only; default 0). */
  dropout?: number;
  /**
   * `"batch_first"`: `[N, S, D]` (default, torchvision's ViT);
   * `"seq_first"`: `[S, N, D]` (PyTorch's `batch_first=False`);
   * `"flat"`: `[S·N, D]`, rows ordered by position then batch (needs `seqLen`) —
   * what the computation uses inside, so a stack of layers kept flat needs no
   * Transpose between layers and its Linears are Gemms.
   */
  layout?: TokenLayout;
  /** The sequence length S, for the `"flat"` layout. */
  seqLen?: number;
}

const ZEROS = { kind: "constant", value: 0 } as const;

/**
 * Self-attention: `softmax(q kᵀ / √(D/H)) v` per head, then `out_proj`.
 * Emitted as PyTorch computes it, on flat tokens `[S·N, D]`: the packed
 * projection as one Gemm, a Split into q, k, v, each reshaped to
 * `[S, N·H, D/H]` and batch-transposed into the MatMuls — a pattern
 * onnxruntime fuses into `FusedMatMul` with the Transposes and the scaling
 * folded in — then one Transpose back and the `out_proj` Gemm.
 *
 * Parameters and init as PyTorch: `in_proj_weight` xavier-uniform over
 * `[3D, D]`, `in_proj_bias` 0, `out_proj.weight` kaiming-uniform(a=√5),
 * `out_proj.bias` 0.
 *
 * @param ctx The context.
 * @param x Tokens in `options.layout` (S and D known).
 * @param options Name, heads, attention dropout, layout.
 * @returns Output in the input's layout.
 * @throws {RangeError} When the heads do not divide D, or the input does not fit the layout.
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
  const layout = options.layout ?? "batch_first";
  dimsOf(layer, x, layout === "flat" ? 2 : 3);
  const d = staticDim(layer, x, -1, "embedding size");
  const s = layout === "flat"
    ? checkInt(layer, "seqLen", options.seqLen as number)
    : staticDim(layer, x, layout === "batch_first" ? 1 : 0, "sequence length");
  const heads = checkInt(layer, "numHeads", options.numHeads);
  if (d % heads !== 0) {
    throw new RangeError(
      `Invalid ${layer} option "numHeads": ${heads} must divide the embedding size ${d}`,
    );
  }
  const p = checkProb(layer, "dropout", options.dropout ?? 0);
  const g = ctx.g;
  const swap = (v: Value) => g.op("Transpose", [v], { perm: [1, 0, 2] });
  const reshape = (v: Value, dims: number[]) => g.op("Reshape", [v, ctx.ints(dims)]);
  return ctx.scope(options.name, () => {
    const flat = layout === "flat" ? x : reshape(layout === "batch_first" ? swap(x) : x, [-1, d]);
    const w = ctx.param("in_proj_weight", [3 * d, d], { kind: "xavierUniform" });
    const b = ctx.param("in_proj_bias", [3 * d], ZEROS);
    const qkv = g.op("Gemm", [flat, w, b], { transB: 1 });
    const [q, k, v] = g.op("Split", [qkv, ctx.ints([d, d, d])], { axis: 1 }, { outputs: 3 });
    const perHead = (t: Value) => reshape(t, [s, -1, d / heads]); // [S, N·H, hd]
    const qh = g.op("Div", [swap(perHead(q!)), ctx.scalar(Math.sqrt(d / heads))]); // [N·H, S, hd]
    const kt = g.op("Transpose", [perHead(k!)], { perm: [1, 2, 0] }); // [N·H, hd, S]
    const weights = dropout(ctx, g.op("Softmax", [g.op("MatMul", [qh, kt])], { axis: -1 }), p);
    const o = swap(g.op("MatMul", [weights, swap(perHead(v!))])); // [S, N·H, hd]
    const y = linear(ctx, reshape(o, [-1, d]), {
      name: "out_proj",
      outFeatures: d,
      biasInit: ZEROS,
    });
    if (layout === "flat") return y;
    const seqFirst = reshape(y, [s, -1, d]);
    return layout === "seq_first" ? seqFirst : swap(seqFirst);
  });
}
