// Shared pieces of the losses: per-example terms against class labels, and
// PyTorch's reductions.

import { dtypeToOnnx, type GraphBuilder, type Tensor, tensor, type Value } from "../onnx/mod.ts";

/** Settings of `classTargets`. */
export interface ClassTargetOptions {
  /** Label smoothing ε. */
  eps: number;
  ignoreIndex?: number;
  reduction: "mean" | "sum" | "none";
}

/**
 * `-Σ_c q_c·logp_c` per example, `q = (1 - ε)·onehot(label) + ε/C` over the
 * class axis 1; labels equal to `ignoreIndex` count for nothing (also in the
 * mean's denominator).
 *
 * @param g The builder.
 * @param logp Log-probabilities `[N, C, d…]` with a static C.
 * @param labels int64 labels `[N, d…]`.
 * @param o Smoothing, ignored label, reduction.
 * @returns The reduced loss.
 */
export function classTargets(
  g: GraphBuilder,
  logp: Value,
  labels: Value,
  o: ClassTargetOptions,
): Value {
  const dims = logp.dims!;
  const classes = dims[1];
  if (typeof classes !== "number") {
    throw new RangeError(
      `Cannot build class targets for "${logp.name}": the class dim must be static`,
    );
  }
  const dtype = logp.dtype!;
  const iotaDims = dims.map((_, i) => (i === 1 ? classes : 1));
  const iota = g.constant(tensor("int64", iotaDims, Array.from({ length: classes }, (_, i) => i)));
  const hit = g.op("Equal", [unsqueeze(g, labels, 1), iota]);
  const q = g.op("Where", [
    hit,
    g.scalar(1 - o.eps + o.eps / classes, dtype),
    g.scalar(o.eps / classes, dtype),
  ]);
  let per = g.op("Neg", [reduceSum(g, g.op("Mul", [q, logp]), [1], false)]);
  let count: Value | undefined;
  if (o.ignoreIndex !== undefined) {
    const ignore = g.constant(tensor("int64", [], [o.ignoreIndex]) as Tensor);
    const valid = g.op("Not", [g.op("Equal", [labels, ignore])]);
    per = g.op("Where", [valid, per, g.scalar(0, dtype)]);
    if (o.reduction === "mean") {
      count = g.op("ReduceSum", [g.op("Cast", [valid], { to: dtypeToOnnx(dtype) })], {
        keepdims: 0,
      });
    }
  }
  return reduceLoss(g, per, o.reduction, count);
}

/**
 * PyTorch's reductions: `none` keeps the terms, `sum` adds them, `mean`
 * divides the sum by `count` (or by the number of terms when undefined).
 *
 * @param g The builder.
 * @param per Per-element loss terms.
 * @param reduction The reduction.
 * @param count The mean's denominator, when it is not the number of terms.
 * @returns The loss.
 */
export function reduceLoss(
  g: GraphBuilder,
  per: Value,
  reduction: "mean" | "sum" | "none",
  count: Value | undefined,
): Value {
  if (reduction === "none") return per;
  if (reduction === "sum") return g.op("ReduceSum", [per], { keepdims: 0 });
  if (count) return g.op("Div", [g.op("ReduceSum", [per], { keepdims: 0 }), count]);
  return g.op("ReduceMean", [per], { keepdims: 0 });
}

function unsqueeze(g: GraphBuilder, v: Value, axis: number): Value {
  if (g.opset >= 13) return g.op("Unsqueeze", [v, g.ints([axis])]);
  return g.op("Unsqueeze", [v], { axes: [axis] });
}

/** ReduceSum over `axes` with the axes as the opset wants them. */
export function reduceSum(g: GraphBuilder, v: Value, axes: number[], keepdims: boolean): Value {
  const k = keepdims ? 1 : 0;
  if (g.opset >= 13) return g.op("ReduceSum", [v, g.ints(axes)], { keepdims: k });
  return g.op("ReduceSum", [v], { axes, keepdims: k });
}
