/**
 * ResNet's `BasicBlock` (torchvision): two 3×3 conv + BatchNorm, a shortcut
 * (identity, or 1×1 conv + BatchNorm named `downsample.0` / `downsample.1`),
 * add, ReLU.
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import { relu } from "./activation.ts";
import type { NnContext } from "./context.ts";
import { conv2d } from "./conv.ts";
import type { InitScheme } from "./init.ts";
import { batchNorm2d } from "./norm.ts";
import { checkInt, staticDim } from "./_dims.ts";

/** torchvision's ResNet conv init: `kaiming_normal_(mode="fan_out", nonlinearity="relu")`. */
export const RESNET_CONV_INIT: InitScheme = {
  kind: "kaimingNormal",
  mode: "fan_out",
  nonlinearity: "relu",
};

/** Options of `basicBlock`. */
export interface BasicBlockOptions {
  /** Scope, e.g. `"layer1.0"` given as `name: "0"` inside scope `layer1`. */
  name: string;
  /** Output channels. */
  planes: number;
  /** Stride of the first conv and the shortcut (default 1). */
  stride?: number;
  /**
   * Whether the shortcut is a 1×1 conv + BatchNorm (default: when the stride
   * is not 1 or the channels change, as torchvision decides).
   */
  downsample?: boolean;
  /** Conv weight init (default `RESNET_CONV_INIT`). */
  convInit?: InitScheme;
}

/**
 * A residual basic block on `[N, C, H, W]`; convs have no bias.
 *
 * @param ctx The context.
 * @param x Input `[N, C, H, W]` (C known).
 * @param options Name, planes, stride, downsample, conv init.
 * @returns `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
 * @throws {RangeError} For an identity shortcut whose shape cannot match.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 64, 56, 56] });
 * const y = basicBlock(ctx, x, { name: "block", planes: 128, stride: 2 });
 * assert.deepEqual(y.dims, ["N", 128, 28, 28]);
 * assert.ok(ctx.params.some((p) => p.name === "block.downsample.1.running_var"));
 * ```
 */
export function basicBlock(ctx: NnContext, x: Value, options: BasicBlockOptions): Value {
  const layer = `BasicBlock "${options.name}"`;
  const inPlanes = staticDim(layer, x, 1, "channel count");
  const planes = checkInt(layer, "planes", options.planes);
  const stride = checkInt(layer, "stride", options.stride ?? 1);
  const down = options.downsample ?? (stride !== 1 || inPlanes !== planes);
  if (!down && (stride !== 1 || inPlanes !== planes)) {
    throw new RangeError(
      `Invalid ${layer} option "downsample": an identity shortcut needs stride 1 and ${inPlanes} = ${planes} channels`,
    );
  }
  const init = options.convInit ?? RESNET_CONV_INIT;
  return ctx.scope(options.name, () => {
    const conv = { kernelSize: 3, padding: 1, bias: false, weightInit: init } as const;
    let y = conv2d(ctx, x, { ...conv, name: "conv1", outChannels: planes, stride });
    y = relu(ctx, batchNorm2d(ctx, y, { name: "bn1" }));
    y = conv2d(ctx, y, { ...conv, name: "conv2", outChannels: planes });
    y = batchNorm2d(ctx, y, { name: "bn2" });
    const shortcut = down
      ? ctx.scope("downsample", () => {
        const s = conv2d(ctx, x, {
          name: "0",
          outChannels: planes,
          kernelSize: 1,
          stride,
          bias: false,
          weightInit: init,
        });
        return batchNorm2d(ctx, s, { name: "1" });
      })
      : x;
    return relu(ctx, ctx.g.op("Add", [y, shortcut]));
  });
}
