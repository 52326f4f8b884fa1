/**
 * The zoo's `resnet`: torchvision's ResNet with BasicBlocks — resnet18/34 or
 * any stage layout, with a small stem for small images.
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import { relu } from "./activation.ts";
import type { NnContext } from "./context.ts";
import { conv2d } from "./conv.ts";
import { linear } from "./linear.ts";
import { batchNorm2d } from "./norm.ts";
import { flatten, globalAvgPool, maxPool2d } from "./pool.ts";
import { basicBlock, RESNET_CONV_INIT } from "./residual.ts";
import type { ResolvedResNet } from "./spec.ts";

/**
 * Stem → stages of BasicBlocks (`layer1`, `layer2`…; stages after the first
 * halve the size) → global average pool → flatten → `fc`.
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 */
export function resnetBody(ctx: NnContext, x: Value, spec: ResolvedResNet): Value {
  const small = spec.stem === "small";
  let h = conv2d(ctx, x, {
    name: "conv1",
    outChannels: spec.stem_channels,
    kernelSize: small ? 3 : 7,
    stride: small ? 1 : 2,
    padding: small ? 1 : 3,
    bias: false,
    weightInit: RESNET_CONV_INIT,
  });
  h = relu(ctx, batchNorm2d(ctx, h, { name: "bn1" }));
  if (!small) h = maxPool2d(ctx, h, { kernelSize: 3, stride: 2, padding: 1 });
  spec.blocks_per_stage.forEach((count, stage) => {
    const planes = spec.stage_channels[stage]!;
    h = ctx.scope(`layer${stage + 1}`, () => {
      let y = h;
      for (let i = 0; i < count; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1;
        y = basicBlock(ctx, y, { name: String(i), planes, stride });
      }
      return y;
    });
  });
  h = flatten(ctx, globalAvgPool(ctx, h));
  return linear(ctx, h, { name: "fc", outFeatures: spec.num_classes });
}
