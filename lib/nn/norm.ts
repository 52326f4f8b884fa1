/**
 * `BatchNorm2d` and `LayerNorm` as in PyTorch (weight 1, bias 0; running mean
 * 0 and variance 1 as buffers).
 *
 * @module
 */

import { ops, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import { dimsOf, staticDim } from "./_dims.ts";

const ONES = { kind: "constant", value: 1 } as const;
const ZEROS = { kind: "constant", value: 0 } as const;

/** Options of `batchNorm2d`. */
export interface BatchNorm2dOptions {
  /** Scope: `"bn1"` gives `bn1.weight`, `bn1.bias`, `bn1.running_mean`, `bn1.running_var`. */
  name: string;
  /** Default 1e-5. */
  eps?: number;
  /** PyTorch's momentum, the weight of the new batch statistic (default 0.1). */
  momentum?: number;
}

/**
 * Batch normalization over the channels of `[N, C, H, W]`. In training mode
 * it is a `BatchNormalization` with `training_mode=1` whose second and third
 * outputs are the updated running mean and variance (ONNX's momentum is
 * `1 - momentum`); in eval mode it uses the running statistics.
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]` (C known).
 * @param options Name, eps, momentum.
 * @returns The normalized input.
 * @throws {RangeError} For an input of another rank or an unknown channel count.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext({ training: false });
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 3, 8, 8] });
 * batchNorm2d(ctx, x, { name: "bn" });
 * assert.deepEqual(ctx.params.map((p) => p.kind), ["parameter", "parameter", "buffer", "buffer"]);
 * ```
 */
export function batchNorm2d(ctx: NnContext, x: Value, options: BatchNorm2dOptions): Value {
  const layer = `BatchNorm2d "${options.name}"`;
  dimsOf(layer, x, 4);
  const c = staticDim(layer, x, 1, "channel count");
  const momentum = options.momentum ?? 0.1;
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`Invalid ${layer} option "momentum": expected 0..1, got ${momentum}`);
  }
  return ctx.scope(options.name, () => {
    const params = {
      scale: ctx.param("weight", [c], ONES),
      bias: ctx.param("bias", [c], ZEROS),
      mean: ctx.param("running_mean", [c], ZEROS, { buffer: true }),
      variance: ctx.param("running_var", [c], ONES, { buffer: true }),
    };
    const [y] = ops.batchNormalization(ctx.g, x, params, {
      epsilon: options.eps ?? 1e-5,
      momentum: 1 - momentum,
      training: ctx.training,
    });
    return y!;
  });
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Scope: `"ln_1"` gives `ln_1.weight`, `ln_1.bias`. */
  name: string;
  /** Default 1e-5 (torchvision's ViT uses 1e-6). */
  eps?: number;
}

/**
 * Layer normalization over the last dim (`LayerNormalization`, opset 17).
 *
 * @param ctx The context.
 * @param x Input `[…, D]` (D known).
 * @param options Name, eps.
 * @returns The normalized input.
 * @throws {RangeError} For an unknown last dim or an opset before 17.
 */
export function layerNorm(ctx: NnContext, x: Value, options: LayerNormOptions): Value {
  const d = staticDim(`LayerNorm "${options.name}"`, x, -1, "feature count");
  return ctx.scope(options.name, () => {
    const scale = ctx.param("weight", [d], ONES);
    const bias = ctx.param("bias", [d], ZEROS);
    return ops.layerNormalization(ctx.g, x, scale, bias, {
      axis: -1,
      epsilon: options.eps ?? 1e-5,
    });
  });
}
