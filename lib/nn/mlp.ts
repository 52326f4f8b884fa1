/**
 * The zoo's `mlp` and `cnn` / `cnn_bn` bodies (named as the reference
 * PyTorch modules: `fc1…`, `conv1…`, `bn1…`).
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import { activation, relu } from "./activation.ts";
import type { NnContext } from "./context.ts";
import { conv2d } from "./conv.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./linear.ts";
import { batchNorm2d } from "./norm.ts";
import { flatten, maxPool2d } from "./pool.ts";
import type { CnnSpec, MlpSpec, Resolved } from "./spec.ts";

/**
 * `fc1 → act → … → fcK` on `[N, in_features]`.
 *
 * @param ctx The context.
 * @param x Input `[N, in_features]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 */
export function mlpBody(ctx: NnContext, x: Value, spec: Resolved<MlpSpec>): Value {
  let h = x;
  spec.hidden_sizes.forEach((size, i) => {
    h = linear(ctx, h, { name: `fc${i + 1}`, outFeatures: size });
    h = dropout(ctx, activation(ctx, h, spec.activation), spec.dropout);
  });
  return linear(ctx, h, {
    name: `fc${spec.hidden_sizes.length + 1}`,
    outFeatures: spec.num_classes,
  });
}

/**
 * `[conv → (bn) → relu → maxpool 2]…` then `flatten → fc1 → relu → (dropout) → fc2`.
 *
 * @param ctx The context.
 * @param x Input `[N, in_channels, image_size, image_size]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 * @throws {RangeError} When the pools shrink the image below 1 pixel, or for an even kernel.
 */
export function cnnBody(ctx: NnContext, x: Value, spec: Resolved<CnnSpec>): Value {
  if (spec.kernel_size % 2 === 0) {
    throw new RangeError(
      `Invalid key "kernel_size" in model spec "cnn": expected an odd size (padding keeps the size), got ${spec.kernel_size}`,
    );
  }
  if (spec.image_size >> spec.channels.length < 1) {
    throw new RangeError(
      `Invalid model spec "cnn": ${spec.channels.length} pools of 2 shrink image_size ${spec.image_size} below 1`,
    );
  }
  let h = x;
  spec.channels.forEach((c, i) => {
    h = conv2d(ctx, h, {
      name: `conv${i + 1}`,
      outChannels: c,
      kernelSize: spec.kernel_size,
      padding: spec.kernel_size >> 1,
    });
    if (spec.batch_norm) h = batchNorm2d(ctx, h, { name: `bn${i + 1}` });
    h = maxPool2d(ctx, relu(ctx, h), { kernelSize: 2 });
  });
  h = relu(ctx, linear(ctx, flatten(ctx, h), { name: "fc1", outFeatures: spec.hidden_size }));
  h = dropout(ctx, h, spec.dropout);
  return linear(ctx, h, { name: "fc2", outFeatures: spec.num_classes });
}
