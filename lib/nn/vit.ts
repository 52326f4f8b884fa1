/**
 * The zoo's `vit`: torchvision's VisionTransformer (patch conv, class token,
 * position embedding, pre-norm encoder blocks, final LayerNorm, head), with
 * torchvision's parameter names and initialisation.
 *
 * @module
 */

import { tensor, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import { conv2d } from "./conv.ts";
import { dropout } from "./dropout.ts";
import { classToken, patchTokens, positionEmbedding } from "./embedding.ts";
import { encoderBlock } from "./encoder.ts";
import { linear } from "./linear.ts";
import { layerNorm } from "./norm.ts";
import type { ResolvedVit } from "./spec.ts";

const ZEROS = { kind: "constant", value: 0 } as const;

/**
 * `conv_proj` → tokens → `class_token` → `encoder` (`pos_embedding`, dropout,
 * `layers.encoder_layer_i`, `ln`) → token 0 → `heads.head`.
 *
 * The layers run on flat tokens `[S·N, D]` (one Transpose after the position
 * embedding instead of two per layer, and Gemms; see `multiheadSelfAttention`). The final
 * LayerNorm is applied to the class token only: it normalizes each token on
 * its own, so this equals torchvision's norm-then-select and skips the other
 * tokens' work.
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 * @throws {RangeError} When the patch size does not divide the image or the heads the hidden size.
 */
export function vitBody(ctx: NnContext, x: Value, spec: ResolvedVit): Value {
  const [channels, height, width] = spec.input_shape;
  const p = spec.patch_size;
  if (height % p !== 0 || width % p !== 0) {
    throw new RangeError(
      `Invalid model spec "vit": patch_size ${p} must divide the ${height}×${width} input`,
    );
  }
  if (spec.hidden_dim % spec.num_heads !== 0) {
    throw new RangeError(
      `Invalid model spec "vit": num_heads ${spec.num_heads} must divide hidden_dim ${spec.hidden_dim}`,
    );
  }
  const fanIn = channels * p * p;
  let h = conv2d(ctx, x, {
    name: "conv_proj",
    outChannels: spec.hidden_dim,
    kernelSize: p,
    stride: p,
    weightInit: { kind: "truncNormal", std: Math.sqrt(1 / fanIn) },
    biasInit: ZEROS,
  });
  h = classToken(ctx, patchTokens(ctx, h));
  h = ctx.scope("encoder", () => {
    let y = dropout(ctx, positionEmbedding(ctx, h), spec.dropout);
    const s = (height / p) * (width / p) + 1;
    const flat = ctx.g.op("Transpose", [y], { perm: [1, 0, 2] }); // [S, N, D]
    y = ctx.g.op("Reshape", [flat, ctx.ints([-1, spec.hidden_dim])]); // [S·N, D]
    ctx.scope("layers", () => {
      for (let i = 0; i < spec.num_layers; i++) {
        y = encoderBlock(ctx, y, {
          name: `encoder_layer_${i}`,
          numHeads: spec.num_heads,
          mlpDim: spec.mlp_dim,
          dropout: spec.dropout,
          attentionDropout: spec.attention_dropout,
          layout: "flat",
          seqLen: s,
        });
      }
    });
    const seqFirst = ctx.g.op("Reshape", [y, ctx.ints([s, -1, spec.hidden_dim])]);
    const first = ctx.g.op("Gather", [seqFirst, ctx.constant(tensor("int64", [], [0]))], {
      axis: 0,
    });
    return layerNorm(ctx, first, { name: "ln", eps: 1e-6 });
  });
  return ctx.scope(
    "heads",
    () =>
      linear(ctx, h, {
        name: "head",
        outFeatures: spec.num_classes,
        weightInit: ZEROS,
        biasInit: ZEROS,
      }),
  );
}
