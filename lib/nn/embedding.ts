/**
 * Token embeddings of a vision transformer: patches to tokens, a learned class
 * token in front, and a learned position embedding (torchvision's ViT).
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import type { InitScheme } from "./init.ts";
import { dimsOf, staticDim } from "./_dims.ts";

/**
 * `[N, D, h, w]` (a patch convolution's output) to tokens `[N, h·w, D]`:
 * a Reshape keeping the batch (0) and a Transpose.
 *
 * @param ctx The context.
 * @param x Input `[N, D, h, w]` with D, h, w known.
 * @returns Tokens `[N, h·w, D]`.
 * @throws {RangeError} For an input of another rank or unknown dims.
 */
export function patchTokens(ctx: NnContext, x: Value): Value {
  dimsOf("patch tokens", x, 4);
  const d = staticDim("patch tokens", x, 1, "channel count");
  const hw = staticDim("patch tokens", x, 2, "height") * staticDim("patch tokens", x, 3, "width");
  const flat = ctx.g.op("Reshape", [x, ctx.ints([0, d, hw])]);
  return ctx.g.op("Transpose", [flat], { perm: [0, 2, 1] });
}

/**
 * Prepends a learned token `[1, 1, D]` (named `<scope>.<name>`, zeros as
 * torchvision) to every sequence: Expand to the batch, then Concat on dim 1.
 *
 * @param ctx The context.
 * @param x Tokens `[N, S, D]`.
 * @param options `name` (default `"class_token"`), `init` (default zeros).
 * @returns Tokens `[N, S + 1, D]`.
 * @throws {RangeError} For an input of another rank or an unknown D.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 16, 64] });
 * assert.deepEqual(classToken(ctx, x).dims, ["N", 17, 64]);
 * ```
 */
export function classToken(
  ctx: NnContext,
  x: Value,
  options: { name?: string; init?: InitScheme } = {},
): Value {
  dimsOf("class token", x, 3);
  const d = staticDim("class token", x, 2, "embedding size");
  const token = ctx.param(
    options.name ?? "class_token",
    [1, 1, d],
    options.init ?? {
      kind: "constant",
      value: 0,
    },
  );
  const g = ctx.g;
  const batch = g.op("Shape", [x], { start: 0, end: 1 });
  const shape = g.op("Concat", [batch, ctx.ints([1, d])], { axis: 0 });
  return g.op("Concat", [g.op("Expand", [token, shape]), x], { axis: 1 });
}

/**
 * Adds a learned position embedding `[1, S, D]` (named `<scope>.<name>`,
 * normal with std 0.02 as torchvision).
 *
 * @param ctx The context.
 * @param x Tokens `[N, S, D]` with S and D known.
 * @param options `name` (default `"pos_embedding"`), `init`.
 * @returns `x + pos_embedding`.
 * @throws {RangeError} For unknown S or D.
 */
export function positionEmbedding(
  ctx: NnContext,
  x: Value,
  options: { name?: string; init?: InitScheme } = {},
): Value {
  dimsOf("position embedding", x, 3);
  const s = staticDim("position embedding", x, 1, "sequence length");
  const d = staticDim("position embedding", x, 2, "embedding size");
  const pos = ctx.param(
    options.name ?? "pos_embedding",
    [1, s, d],
    options.init ?? {
      kind: "normal",
      std: 0.02,
    },
  );
  return ctx.g.op("Add", [x, pos]);
}
