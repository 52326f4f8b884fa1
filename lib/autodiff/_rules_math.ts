// Gradient rules of matrix products, softmax and reductions.

import type { Value } from "../onnx/mod.ts";
import { type GradContext, type GradRule, normAxis, range } from "./grad_context.ts";

/** Swaps the last two axes. */
function transposeLast(c: GradContext, v: Value): Value {
  const r = c.rank(v);
  const perm = range(r);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return c.op("Transpose", [v], { perm });
}

/**
 * MatMul with numpy semantics: `dA = dY·Bᵀ`, `dB = Aᵀ·dY`, each summed over
 * broadcast batch axes; 1-D operands are promoted and demoted again. A 2-D
 * `B` under a batched `A` (a linear layer) gets one Gemm over the flattened
 * batch instead of a batched product and a sum.
 */
function matmul(c: GradContext): (Value | undefined)[] {
  let a = c.x(0);
  let b = c.x(1);
  let dy = c.dy0;
  const ra = c.rank(a);
  const rb = c.rank(b);
  if (ra === 1 && rb === 1) {
    return [
      c.needs(0) ? c.op("Mul", [dy, b]) : undefined,
      c.needs(1) ? c.op("Mul", [dy, a]) : undefined,
    ];
  }
  if (ra === 1) {
    a = c.unsqueeze(a, [0]);
    dy = c.unsqueeze(dy, [rb - 2]);
  }
  if (rb === 1) {
    b = c.unsqueeze(b, [1]);
    dy = c.unsqueeze(dy, [c.rank(dy)]);
  }
  let da: Value | undefined;
  let db: Value | undefined;
  if (c.needs(0)) {
    da = c.op("MatMul", [dy, transposeLast(c, b)]);
    da = ra === 1 ? c.reshapeTo(c.reduceTo(da, a), c.x(0)) : c.reduceTo(da, a);
  }
  if (c.needs(1)) {
    const kn = c.staticDims(b);
    if (kn && kn.length === 2 && c.rank(a) > 2) {
      const a2 = c.op("Reshape", [a, c.ints([-1, kn[0]!])]);
      const dy2 = c.op("Reshape", [dy, c.ints([-1, kn[1]!])]);
      db = c.op("Gemm", [a2, dy2], { transA: 1 });
    } else {
      db = c.reduceTo(c.op("MatMul", [transposeLast(c, a), dy]), b);
    }
    if (rb === 1) db = c.reshapeTo(db, c.x(1));
  }
  return [da, db];
}

/**
 * Gemm: `Y = α·A'·B' + β·C` with `A' = transA ? Aᵀ : A` (same for B).
 * Each case is one Gemm with the transposes folded into its flags.
 */
function gemm(c: GradContext): (Value | undefined)[] {
  const alpha = c.attrFloat("alpha", 1);
  const beta = c.attrFloat("beta", 1);
  const ta = c.node.getInt("transA", 0) === 1;
  const tb = c.node.getInt("transB", 0) === 1;
  const a = c.x(0);
  const b = c.x(1);
  const dy = c.dy0;
  const g = (p: Value, q: Value, transA: boolean, transB: boolean) =>
    c.op("Gemm", [p, q], {
      transA: transA ? 1 : undefined,
      transB: transB ? 1 : undefined,
      alpha: alpha === 1 ? undefined : alpha,
    });
  let da: Value | undefined;
  let db: Value | undefined;
  if (c.needs(0)) da = ta ? g(b, dy, tb, true) : g(dy, b, false, !tb);
  if (c.needs(1)) db = tb ? g(dy, a, true, ta) : g(a, dy, !ta, false);
  let dc: Value | undefined;
  if (c.needs(2) && beta !== 0) {
    const scaled = beta === 1 ? dy : c.op("Mul", [dy, c.scalar(beta)]);
    dc = c.reduceTo(scaled, c.x(2));
  }
  return [da, db, dc];
}

/** Axes a Softmax-like op normalizes over (one axis from opset 13, the tail before). */
function softmaxAxes(c: GradContext): number[] {
  const r = c.rank(c.x());
  const axis = normAxis(c.node.getInt("axis", c.opset >= 13 ? -1 : 1), r);
  return c.opset >= 13 ? [axis] : range(r - axis, axis);
}

/** Softmax: `dx = y·(dy - Σ dy·y)`. */
function softmax(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const y = c.y();
  const dyy = c.op("Mul", [c.dy0, y]);
  const s = c.reduce("ReduceSum", dyy, softmaxAxes(c), true);
  return [c.op("Sub", [dyy, c.op("Mul", [y, s])])];
}

/** LogSoftmax: `dx = dy - exp(y)·Σ dy`. */
function logSoftmax(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const s = c.reduce("ReduceSum", c.dy0, softmaxAxes(c), true);
  return [c.op("Sub", [c.dy0, c.op("Mul", [c.op("Exp", [c.y()]), s])])];
}

/** Reduction axes of a node (attribute or input), all when none; undefined for a no-op. */
function reducedAxes(c: GradContext): number[] | undefined {
  const r = c.rank(c.x());
  const fromInput = c.node.opType === "ReduceSum" ? c.opset >= 13 : c.opset >= 18;
  let axes: number[] | undefined;
  if (fromInput) {
    if (c.has(1)) {
      axes = c.constInts(1);
      if (!axes) c.fail("the axes must be constant");
    }
  } else if (c.node.hasAttr("axes")) axes = c.node.getInts("axes");
  if (!axes || axes.length === 0) {
    return c.node.getInt("noop_with_empty_axes", 0) === 1 ? undefined : range(r);
  }
  return axes.map((a) => normAxis(a, r));
}

/** The output gradient (and output) with the reduced axes kept as size 1. */
function kept(c: GradContext, v: Value, axes: number[]): Value {
  return c.node.getInt("keepdims", 1) === 1 ? v : c.unsqueeze(v, [...axes].sort((p, q) => p - q));
}

/** A reduction rule from `dx = expand(dy_kept) · local(c, axes)`. */
function reduction(
  local?: (c: GradContext, dyKept: Value, axes: number[]) => Value,
): GradRule {
  return (c) => {
    if (!c.needs(0)) return [];
    const axes = reducedAxes(c);
    if (!axes) return [c.dy0];
    const dyKept = kept(c, c.dy0, axes);
    const grad = local ? local(c, dyKept, axes) : dyKept;
    return [sameShape(grad, c.x()) ? grad : c.op("Expand", [grad, c.shapeOf(c.x())])];
  };
}

function sameShape(a: Value, b: Value): boolean {
  const p = a.dims;
  const q = b.dims;
  return !!p && !!q && p.length === q.length && p.every((d, i) => d === q[i] && d !== null);
}

/** Number of reduced elements, as a scalar of the node's dtype. */
function count(c: GradContext, axes: number[]): Value {
  const dims = axes.map((a) => c.x().dims![a]);
  if (dims.every((d) => typeof d === "number")) {
    return c.scalar((dims as number[]).reduce((p, q) => p * q, 1));
  }
  const n = c.op("Div", [c.op("Size", [c.x()]), c.op("Size", [c.y()])]);
  return c.cast(n);
}

/** ReduceMax/Min: the gradient goes to the extremal elements, split evenly on ties. */
function extremal(c: GradContext, dyKept: Value, axes: number[]): Value {
  const mask = c.op("Equal", [c.x(), kept(c, c.y(), axes)]);
  const ties = c.reduce("ReduceSum", c.cast(mask), axes, true);
  return c.op("Where", [mask, c.op("Div", [dyKept, ties]), c.scalar(0)]);
}

export const MATH_GRADIENTS: Record<string, GradRule> = {
  MatMul: matmul,
  Gemm: gemm,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  ReduceSum: reduction(),
  ReduceMean: reduction((c, dy, axes) => c.op("Div", [dy, count(c, axes)])),
  ReduceMax: reduction(extremal),
  ReduceMin: reduction(extremal),
  // d Σx² = 2x
  ReduceSumSquare: reduction((c, dy) => c.op("Mul", [dy, c.op("Mul", [c.x(), c.scalar(2)])])),
  // d log Σ exp(x) = exp(x - y)
  ReduceLogSumExp: reduction((c, dy, axes) =>
    c.op("Mul", [dy, c.op("Exp", [c.op("Sub", [c.x(), kept(c, c.y(), axes)])])])
  ),
};
