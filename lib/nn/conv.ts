/**
 * `Conv2d` as `torch.nn.Conv2d`: weight `[out, in/groups, kh, kw]`.
 *
 * @module
 */

import { ops, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import type { InitScheme } from "./init.ts";
import { DEFAULT_WEIGHT_INIT, defaultBiasInit } from "./linear.ts";
import { checkInt, dimsOf, pair, staticDim } from "./_dims.ts";

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Scope of the parameters: `"conv1"` gives `conv1.weight`, `conv1.bias`. */
  name: string;
  outChannels: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  stride?: number | [number, number];
  /** Zero padding on each side (default 0). */
  padding?: number | [number, number];
  /** Default 1. */
  dilation?: number | [number, number];
  /** Default 1; in and out channels must be multiples of it. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Default `kaiming_uniform_(a=√5)`. */
  weightInit?: InitScheme;
  /** Default `U(±1/√fan_in)`. */
  biasInit?: InitScheme;
}

/**
 * A 2-D convolution of an `[N, C, H, W]` input (C must be known).
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param options Name, sizes, window, groups, inits.
 * @returns Output `[N, out, H', W']`.
 * @throws {RangeError} For bad sizes or channels that `groups` does not divide.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 4, 28, 28] });
 * const y = conv2d(ctx, x, { name: "c", outChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 2 });
 * assert.deepEqual(y.dims, ["N", 8, 14, 14]);
 * assert.deepEqual(ctx.params[0]!.dims, [8, 2, 3, 3]);
 * ```
 */
export function conv2d(ctx: NnContext, x: Value, options: Conv2dOptions): Value {
  const layer = `Conv2d "${options.name}"`;
  dimsOf(layer, x, 4);
  const inChannels = staticDim(layer, x, 1, "channel count");
  const out = checkInt(layer, "outChannels", options.outChannels);
  const groups = checkInt(layer, "groups", options.groups ?? 1);
  if (inChannels % groups !== 0 || out % groups !== 0) {
    throw new RangeError(
      `Invalid ${layer} option "groups": ${groups} must divide in channels ${inChannels} and out channels ${out}`,
    );
  }
  const kernel = pair(layer, "kernelSize", options.kernelSize);
  const stride = pair(layer, "stride", options.stride ?? 1);
  const padding = pair(layer, "padding", options.padding ?? 0, 0);
  const dilation = pair(layer, "dilation", options.dilation ?? 1);
  return ctx.scope(options.name, () => {
    const dims = [out, inChannels / groups, kernel[0]!, kernel[1]!];
    const w = ctx.param("weight", dims, options.weightInit ?? DEFAULT_WEIGHT_INIT);
    const fanIn = dims[1]! * kernel[0]! * kernel[1]!;
    const b = options.bias === false
      ? undefined
      : ctx.param("bias", [out], options.biasInit ?? defaultBiasInit(fanIn));
    return ops.conv(ctx.g, x, w, b, {
      kernelShape: kernel,
      strides: stride,
      pads: [padding[0]!, padding[1]!, padding[0]!, padding[1]!],
      dilations: dilation,
      group: groups,
    });
  });
}
