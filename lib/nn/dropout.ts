/**
 * `Dropout` as `torch.nn.Dropout`.
 *
 * @module
 */

import { tensor, type Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";
import { checkProb } from "./_dims.ts";

/**
 * Dropout with probability `p`. In training mode with `p > 0` it emits an
 * ONNX `Dropout` (ratio and `training_mode = true` as constant inputs, mask as
 * its second output, as PyTorch exports it); otherwise it is the identity and
 * emits nothing.
 *
 * @param ctx The context.
 * @param x Input.
 * @param p Probability of zeroing an element, `0 <= p < 1`.
 * @returns The output.
 * @throws {RangeError} For `p` outside [0, 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext({ training: true });
 * const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 4] });
 * assert.notEqual(dropout(ctx, x, 0.1).name, "x");
 * assert.equal(dropout(ctx, x, 0).name, "x");
 * ```
 */
export function dropout(ctx: NnContext, x: Value, p: number): Value {
  checkProb("Dropout", "p", p);
  if (!ctx.training || p === 0) return x;
  const training = ctx.constant(tensor("bool", [], [true]));
  const [y] = ctx.g.op("Dropout", [x, ctx.scalar(p), training], {}, { outputs: 2 });
  return y!;
}
