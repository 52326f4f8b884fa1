/**
 * Pooling and reshaping layers: `MaxPool2d`, `AvgPool2d`, global average
 * pooling (`AdaptiveAvgPool2d(1)`), `Flatten`.
 *
 * @module
 */

import { ops, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import { dimsOf, pair } from "./_dims.ts";

/** Options of `maxPool2d` and `avgPool2d`. */
export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** Default: the kernel size. */
  stride?: number | [number, number];
  /** Default 0. */
  padding?: number | [number, number];
  /** Default false. */
  ceilMode?: boolean;
}

function windowOf(layer: string, x: Value, o: Pool2dOptions) {
  dimsOf(layer, x, 4);
  const kernel = pair(layer, "kernelSize", o.kernelSize);
  const stride = pair(layer, "stride", o.stride ?? kernel);
  const p = pair(layer, "padding", o.padding ?? 0, 0);
  if (p[0]! * 2 > kernel[0]! || p[1]! * 2 > kernel[1]!) {
    throw new RangeError(
      `Invalid ${layer} option "padding": at most half the kernel size, got ${p} for kernel ${kernel}`,
    );
  }
  return {
    kernelShape: kernel,
    strides: stride,
    pads: [p[0]!, p[1]!, p[0]!, p[1]!],
    ceilMode: o.ceilMode ?? false,
  };
}

/**
 * Max pooling of `[N, C, H, W]` (padding counts as -∞, as in PyTorch).
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param options Kernel, stride, padding, ceil mode.
 * @returns The pooled input.
 * @throws {RangeError} For bad window options.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 8, 112, 112] });
 * assert.deepEqual(maxPool2d(ctx, x, { kernelSize: 3, stride: 2, padding: 1 }).dims, ["N", 8, 56, 56]);
 * ```
 */
export function maxPool2d(ctx: NnContext, x: Value, options: Pool2dOptions): Value {
  return ops.maxPool(ctx.g, x, windowOf("MaxPool2d", x, options));
}

/**
 * Average pooling of `[N, C, H, W]`; padded zeros count in the mean unless
 * `countIncludePad` is false (PyTorch's default is true, ONNX's false).
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @param options Kernel, stride, padding, ceil mode, countIncludePad.
 * @returns The pooled input.
 * @throws {RangeError} For bad window options.
 */
export function avgPool2d(
  ctx: NnContext,
  x: Value,
  options: Pool2dOptions & { countIncludePad?: boolean },
): Value {
  const w = windowOf("AvgPool2d", x, options);
  return ops.averagePool(ctx.g, x, { ...w, countIncludePad: options.countIncludePad ?? true });
}

/**
 * Mean over H and W of `[N, C, H, W]`, keeping them as 1 (`GlobalAveragePool`).
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]`.
 * @returns `[N, C, 1, 1]`.
 */
export function globalAvgPool(ctx: NnContext, x: Value): Value {
  return ops.globalAveragePool(ctx.g, x);
}

/**
 * Flattens every dim after the first (`torch.nn.Flatten()`, ONNX `Flatten` axis 1).
 *
 * @param ctx The context.
 * @param x Input `[N, …]`.
 * @returns `[N, product of the rest]`.
 */
export function flatten(ctx: NnContext, x: Value): Value {
  return ops.flatten(ctx.g, x, { axis: 1 });
}
