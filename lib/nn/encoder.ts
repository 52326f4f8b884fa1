/**
 * torchvision's ViT encoder pieces: the MLP block (Linear, GELU, Dropout,
 * Linear, Dropout, named `mlp.0` and `mlp.3`) and the pre-norm encoder block.
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import { gelu } from "./activation.ts";
import { multiheadSelfAttention, type TokenLayout } from "./attention.ts";
import type { NnContext } from "./context.ts";
import { dropout } from "./dropout.ts";
import type { InitScheme } from "./init.ts";
import { linear } from "./linear.ts";
import { layerNorm } from "./norm.ts";
import { staticDim } from "./_dims.ts";

/** torchvision's MLPBlock init: xavier-uniform weights, biases normal with std 1e-6. */
const MLP_WEIGHT: InitScheme = { kind: "xavierUniform" };
const MLP_BIAS: InitScheme = { kind: "normal", std: 1e-6 };

/** Options of `mlpBlock`. */
export interface MlpBlockOptions {
  /** Scope (default `"mlp"`). */
  name?: string;
  /** Hidden size. */
  mlpDim: number;
  /** Dropout after the GELU and after the second Linear (default 0). */
  dropout?: number;
}

/**
 * `Linear(D→mlp_dim) → GELU → Dropout → Linear(mlp_dim→D) → Dropout`.
 *
 * @param ctx The context.
 * @param x Input `[…, D]`.
 * @param options Name, hidden size, dropout.
 * @returns Output `[…, D]`.
 * @throws {RangeError} For an unknown D or a bad size.
 */
export function mlpBlock(ctx: NnContext, x: Value, options: MlpBlockOptions): Value {
  const d = staticDim("MLPBlock", x, -1, "feature count");
  const p = options.dropout ?? 0;
  return ctx.scope(options.name ?? "mlp", () => {
    const init = { weightInit: MLP_WEIGHT, biasInit: MLP_BIAS };
    let y = linear(ctx, x, { ...init, name: "0", outFeatures: options.mlpDim });
    y = dropout(ctx, gelu(ctx, y), p);
    y = linear(ctx, y, { ...init, name: "3", outFeatures: d });
    return dropout(ctx, y, p);
  });
}

/** Options of `encoderBlock`. */
export interface EncoderBlockOptions {
  /** Scope, e.g. `"encoder_layer_0"`. */
  name: string;
  numHeads: number;
  mlpDim: number;
  /** Dropout after attention and in the MLP (default 0). */
  dropout?: number;
  /** Dropout on the attention weights (default 0). */
  attentionDropout?: number;
  /** LayerNorm eps (default 1e-6 as torchvision's ViT). */
  eps?: number;
  /** Token layout (default `"batch_first"`, see `AttentionOptions`). */
  layout?: TokenLayout;
  /** The sequence length, for the `"flat"` layout. */
  seqLen?: number;
}

/**
 * A pre-norm transformer encoder block:
 * `x = x + dropout(attn(ln_1(x)))`, then `x + mlp(ln_2(x))`.
 *
 * @param ctx The context.
 * @param x Tokens in `options.layout` (S and D known).
 * @param options Name, heads, MLP size, dropouts, eps, layout.
 * @returns Tokens in the input's layout.
 * @throws {RangeError} For heads that do not divide D.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 17, 64] });
 * encoderBlock(ctx, x, { name: "encoder_layer_0", numHeads: 4, mlpDim: 128 });
 * assert.equal(ctx.params.reduce((n, p) => n + p.dims.reduce((a, b) => a * b, 1), 0), 33472);
 * ```
 */
export function encoderBlock(ctx: NnContext, x: Value, options: EncoderBlockOptions): Value {
  const eps = options.eps ?? 1e-6;
  const p = options.dropout ?? 0;
  return ctx.scope(options.name, () => {
    let y = layerNorm(ctx, x, { name: "ln_1", eps });
    y = multiheadSelfAttention(ctx, y, {
      name: "self_attention",
      numHeads: options.numHeads,
      dropout: options.attentionDropout ?? 0,
      layout: options.layout,
      seqLen: options.seqLen,
    });
    const h = ctx.g.op("Add", [dropout(ctx, y, p), x]);
    const m = mlpBlock(ctx, layerNorm(ctx, h, { name: "ln_2", eps }), {
      mlpDim: options.mlpDim,
      dropout: p,
    });
    return ctx.g.op("Add", [h, m]);
  });
}
