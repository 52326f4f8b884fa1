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
import type { ResolvedCnn, ResolvedMlp } from "./spec.ts";

/**
 * `(flatten) → fc1 → act → … → fcK` on `[N, …input_shape]`.
 *
 * @param ctx The context.
 * @param x Input `[N, …input_shape]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 */
export function mlpBody(ctx: NnContext, x: Value, spec: ResolvedMlp): Value {
  let h = spec.input_shape.length > 1 ? flatten(ctx, x) : x;
  spec.hidden.forEach((size, i) => {
    h = linear(ctx, h, { name: `fc${i + 1}`, outFeatures: size });
    h = dropout(ctx, activation(ctx, h, spec.activation), spec.dropout);
  });
  return linear(ctx, h, {
    name: `fc${spec.hidden.length + 1}`,
    outFeatures: spec.num_classes,
  });
}

/**
 * `[conv → (bn) → relu → maxpool]…` then `flatten → fc1 → relu → (dropout) → fc2`.
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param spec Resolved spec.
 * @returns Logits `[N, num_classes]`.
 * @throws {RangeError} For an even kernel, or pools that shrink the image below 1 pixel.
 */
export function cnnBody(ctx: NnContext, x: Value, spec: ResolvedCnn): Value {
  if (spec.kernel_size % 2 === 0) {
    throw new RangeError(
      `Invalid key "kernel_size" in model spec "cnn": expected an odd size (padding keeps the size), got ${spec.kernel_size}`,
    );
  }
  let [height, width] = [spec.input_shape[1], spec.input_shape[2]];
  for (let i = 0; i < spec.channels.length; i++) {
    [height, width] = [Math.floor(height / spec.pool), Math.floor(width / spec.pool)];
  }
  if (height < 1 || width < 1) {
    throw new RangeError(
      `Invalid model spec "cnn": ${spec.channels.length} pools of ${spec.pool} shrink the ${
        spec.input_shape[1]
      }×${spec.input_shape[2]} input below 1 pixel`,
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
    h = maxPool2d(ctx, relu(ctx, h), { kernelSize: spec.pool });
  });
  h = relu(ctx, linear(ctx, flatten(ctx, h), { name: "fc1", outFeatures: spec.hidden }));
  h = dropout(ctx, h, spec.dropout);
  return linear(ctx, h, { name: "fc2", outFeatures: spec.num_classes });
}
