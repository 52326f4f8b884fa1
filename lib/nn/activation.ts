/**
 * Activations: ReLU, GELU (exact, Erf-based as `torch.nn.GELU()`), Sigmoid, Tanh.
 *
 * @module
 */

import type { Value } from "../onnx/mod.ts";
import type { NnContext } from "./context.ts";

/**
 * `max(x, 0)`.
 *
 * @param ctx The context.
 * @param x Input.
 * @returns Output of the same shape.
 */
export function relu(ctx: NnContext, x: Value): Value {
  return ctx.g.op("Relu", [x]);
}

/**
 * Exact GELU, `x · ½ · (1 + erf(x / √2))`, in the op order PyTorch exports it
 * at opset 17 (no Gelu op exists before opset 20).
 *
 * @param ctx The context.
 * @param x Input.
 * @returns Output of the same shape.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NnContext } from "./context.ts";
 * const ctx = new NnContext();
 * gelu(ctx, ctx.g.input("x", { dtype: "float32", dims: [2] }));
 * assert.deepEqual(ctx.g.graph.nodes.map((n) => n.opType).filter((t) => t !== "Constant"),
 *   ["Div", "Erf", "Add", "Mul", "Mul"]);
 * ```
 */
export function gelu(ctx: NnContext, x: Value): Value {
  const g = ctx.g;
  const inner = g.op("Add", [
    g.op("Erf", [g.op("Div", [x, ctx.scalar(Math.SQRT2)])]),
    ctx.scalar(1),
  ]);
  return g.op("Mul", [g.op("Mul", [x, inner]), ctx.scalar(0.5)]);
}

/**
 * `1 / (1 + e^-x)`.
 *
 * @param ctx The context.
 * @param x Input.
 * @returns Output of the same shape.
 */
export function sigmoid(ctx: NnContext, x: Value): Value {
  return ctx.g.op("Sigmoid", [x]);
}

/**
 * Hyperbolic tangent.
 *
 * @param ctx The context.
 * @param x Input.
 * @returns Output of the same shape.
 */
export function tanh(ctx: NnContext, x: Value): Value {
  return ctx.g.op("Tanh", [x]);
}

/** Activation names accepted where a layer or model takes one. */
export const ACTIVATIONS = ["relu", "gelu", "sigmoid", "tanh"] as const;

/** One of `ACTIVATIONS`. */
export type Activation = typeof ACTIVATIONS[number];

/**
 * Applies an activation by name.
 *
 * @param ctx The context.
 * @param x Input.
 * @param name One of `ACTIVATIONS`.
 * @returns Output of the same shape.
 * @throws {RangeError} For an unknown name.
 */
export function activation(ctx: NnContext, x: Value, name: Activation): Value {
  switch (name) {
    case "relu":
      return relu(ctx, x);
    case "gelu":
      return gelu(ctx, x);
    case "sigmoid":
      return sigmoid(ctx, x);
    case "tanh":
      return tanh(ctx, x);
  }
  throw new RangeError(
    `Unknown activation "${name}": expected one of ${ACTIVATIONS.join(", ")}`,
  );
}
