// Typed helpers for elementwise and matrix ops.

import type { GraphBuilder, OpInput, Value } from "./builder.ts";
import { type DType, dtypeToOnnx } from "./dtype.ts";
import { checkFloat, checkInt } from "./_ops_check.ts";

/** `a + b` with broadcasting. */
export function add(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Add", [a, b]);
}

/** `a - b` with broadcasting. */
export function sub(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Sub", [a, b]);
}

/** `a * b` with broadcasting. */
export function mul(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Mul", [a, b]);
}

/** `a / b` with broadcasting. */
export function div(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Div", [a, b]);
}

/** `a ** b` with broadcasting. */
export function pow(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Pow", [a, b]);
}

/** Matrix product with numpy batching. */
export function matmul(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("MatMul", [a, b]);
}

/** `alpha * A' B' + beta * C` (Gemm). */
export function gemm(
  g: GraphBuilder,
  a: OpInput,
  b: OpInput,
  c?: OpInput,
  attrs: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
): Value {
  return g.op("Gemm", [a, b, c], {
    transA: attrs.transA ? 1 : undefined,
    transB: attrs.transB ? 1 : undefined,
    alpha: checkFloat("Gemm", "alpha", attrs.alpha),
    beta: checkFloat("Gemm", "beta", attrs.beta),
  });
}

function unary(op: string) {
  return (g: GraphBuilder, x: OpInput): Value => g.op(op, [x]);
}

/** `max(x, 0)`. */
export const relu: (g: GraphBuilder, x: OpInput) => Value = unary("Relu");
/** `1 / (1 + exp(-x))`. */
export const sigmoid: (g: GraphBuilder, x: OpInput) => Value = unary("Sigmoid");
/** Hyperbolic tangent. */
export const tanh: (g: GraphBuilder, x: OpInput) => Value = unary("Tanh");
/** Error function. */
export const erf: (g: GraphBuilder, x: OpInput) => Value = unary("Erf");
/** `e ** x`. */
export const exp: (g: GraphBuilder, x: OpInput) => Value = unary("Exp");
/** Natural logarithm. */
export const log: (g: GraphBuilder, x: OpInput) => Value = unary("Log");
/** Square root. */
export const sqrt: (g: GraphBuilder, x: OpInput) => Value = unary("Sqrt");
/** `-x`. */
export const neg: (g: GraphBuilder, x: OpInput) => Value = unary("Neg");
/** `|x|`. */
export const abs: (g: GraphBuilder, x: OpInput) => Value = unary("Abs");
/** `1 / x`. */
export const reciprocal: (g: GraphBuilder, x: OpInput) => Value = unary("Reciprocal");
/** `x` unchanged (a new name). */
export const identity: (g: GraphBuilder, x: OpInput) => Value = unary("Identity");
/** `x * relu6(x + 3) / 6`. */
export const hardSwish: (g: GraphBuilder, x: OpInput) => Value = unary("HardSwish");

/** `x` where positive, `alpha * x` elsewhere. */
export function leakyRelu(g: GraphBuilder, x: OpInput, attrs: { alpha?: number } = {}): Value {
  return g.op("LeakyRelu", [x], { alpha: checkFloat("LeakyRelu", "alpha", attrs.alpha) });
}

/** `max(0, min(1, alpha * x + beta))`. */
export function hardSigmoid(
  g: GraphBuilder,
  x: OpInput,
  attrs: { alpha?: number; beta?: number } = {},
): Value {
  return g.op("HardSigmoid", [x], {
    alpha: checkFloat("HardSigmoid", "alpha", attrs.alpha),
    beta: checkFloat("HardSigmoid", "beta", attrs.beta),
  });
}

/**
 * GELU from primitives as PyTorch exports it at opset 17:
 * `x * 0.5 * (1 + erf(x / sqrt(2)))`.
 */
export function gelu(g: GraphBuilder, x: Value): Value {
  const inner = g.op("Erf", [g.op("Div", [x, Math.SQRT2])]);
  return g.op("Mul", [g.op("Mul", [x, g.op("Add", [inner, 1])]), 0.5]);
}

/** Softmax along `axis` (default -1). */
export function softmax(g: GraphBuilder, x: OpInput, attrs: { axis?: number } = {}): Value {
  return g.op("Softmax", [x], { axis: checkInt("Softmax", "axis", attrs.axis) });
}

/** Log-softmax along `axis` (default -1). */
export function logSoftmax(g: GraphBuilder, x: OpInput, attrs: { axis?: number } = {}): Value {
  return g.op("LogSoftmax", [x], { axis: checkInt("LogSoftmax", "axis", attrs.axis) });
}

/** Elementwise `a == b` (bool). */
export function equal(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Equal", [a, b]);
}

/** Elementwise `a > b` (bool). */
export function greater(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Greater", [a, b]);
}

/** Elementwise `a < b` (bool). */
export function less(g: GraphBuilder, a: OpInput, b: OpInput): Value {
  return g.op("Less", [a, b]);
}

/** `cond ? a : b`, elementwise with broadcasting. */
export function where(g: GraphBuilder, cond: OpInput, a: OpInput, b: OpInput): Value {
  return g.op("Where", [cond, a, b]);
}

/** Elementwise max of several tensors. */
export function max(g: GraphBuilder, ...xs: OpInput[]): Value {
  return g.op("Max", xs);
}

/** Elementwise min of several tensors. */
export function min(g: GraphBuilder, ...xs: OpInput[]): Value {
  return g.op("Min", xs);
}

/** Clamps to `[min, max]` (inputs from opset 11, attributes before). */
export function clip(
  g: GraphBuilder,
  x: Value,
  bounds: { min?: number; max?: number } = {},
): Value {
  if (g.opset < 11) return g.op("Clip", [x], { min: bounds.min, max: bounds.max });
  const dtype = x.dtype ?? "float32";
  const lo = bounds.min === undefined ? undefined : g.scalar(bounds.min, dtype);
  const hi = bounds.max === undefined ? undefined : g.scalar(bounds.max, dtype);
  return g.op("Clip", [x, lo, hi]);
}

/** Converts to `to`. */
export function cast(g: GraphBuilder, x: OpInput, to: DType): Value {
  return g.op("Cast", [x], { to: dtypeToOnnx(to) });
}

/**
 * Dropout. From opset 12 the ratio and training mode are inputs; returns the
 * output and, with `mask: true`, the bool mask.
 */
export function dropout(
  g: GraphBuilder,
  x: OpInput,
  attrs: { ratio?: number; training?: boolean; seed?: number; mask?: boolean } = {},
): Value[] {
  const ratio = checkFloat("Dropout", "ratio", attrs.ratio);
  if (ratio !== undefined && (ratio < 0 || ratio >= 1)) {
    throw new RangeError(
      `Invalid Dropout attribute "ratio": expected 0 <= ratio < 1, got ${ratio}`,
    );
  }
  const outputs = attrs.mask ? 2 : 1;
  if (g.opset < 12) return g.op("Dropout", [x], { ratio }, { outputs });
  const r = ratio === undefined ? undefined : g.scalar(ratio);
  const t = attrs.training === undefined
    ? undefined
    : g.constant({ dtype: "bool", dims: [], data: new Uint8Array([attrs.training ? 1 : 0]) });
  return g.op("Dropout", [x, r ?? (t ? "" : undefined), t], { seed: attrs.seed }, { outputs });
}
