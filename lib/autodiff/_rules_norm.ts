// Gradient rules of normalizations. BatchNormalization in training mode is
// lowered before the walk (see _lower_batchnorm.ts), so its rule here is the
// inference-mode one, with mean and var as differentiable inputs.

import type { Value } from "../onnx/mod.ts";
import { type GradContext, type GradRule, normAxis, range } from "./grad_context.ts";

/**
 * BatchNormalization (inference mode), `y = (x - m)·k + b` with
 * `k = scale / √(var + ε)`:
 * `dx = dy·k`, `dscale = Σ dy·(x - m) / √(var + ε)`, `db = Σ dy`,
 * `dm = -k·Σ dy`, `dvar = -½·scale·(var + ε)^(-3/2)·Σ dy·(x - m)`,
 * sums over every axis but the channel axis 1.
 *
 * When m and var are x's own batch statistics (lowered training mode), the
 * closed form `dx = k·(dy - Σdy/n - x̂·Σ(dy·x̂)/n)` replaces the gradients
 * through m and var.
 */
function batchNorm(c: GradContext): (Value | undefined)[] {
  const x = c.x(0);
  const r = c.rank(x);
  const dy = c.dy0;
  const eps = c.attrFloat("epsilon", 1e-5);
  const axes = [0, ...range(r - 2, 2)];
  const perChannel = (v: Value) => (r > 2 ? c.unsqueeze(v, range(r - 2, 1)) : v);
  const inv = c.op("Reciprocal", [c.op("Sqrt", [c.op("Add", [c.x(4), c.scalar(eps)])])]);
  const k = c.op("Mul", [c.x(1), inv]);
  const centered = c.batchStatistics();
  if (centered) return batchStatsGradients(c, { dy, k, inv, centered, axes, perChannel });
  const dx = c.needs(0) ? c.op("Mul", [dy, perChannel(k)]) : undefined;
  const sumDy = c.needs(2) || c.needs(3) ? c.reduce("ReduceSum", dy, axes, false) : undefined;
  let sumDyXc: Value | undefined;
  if (c.needs(1) || c.needs(4)) {
    const xc = c.op("Sub", [x, perChannel(c.x(3))]);
    sumDyXc = c.reduce("ReduceSum", c.op("Mul", [dy, xc]), axes, false);
  }
  const dscale = c.needs(1) ? c.op("Mul", [sumDyXc!, inv]) : undefined;
  const dmean = c.needs(3) ? c.op("Neg", [c.op("Mul", [sumDy!, k])]) : undefined;
  let dvar: Value | undefined;
  if (c.needs(4)) {
    const inv3 = c.op("Mul", [inv, c.op("Mul", [inv, inv])]);
    const coef = c.op("Mul", [c.op("Mul", [c.x(1), inv3]), c.scalar(-0.5)]);
    dvar = c.op("Mul", [sumDyXc!, coef]);
  }
  return [dx, dscale, c.needs(2) ? sumDy : undefined, dmean, dvar];
}

/**
 * Batch-statistics BatchNormalization, with d = x - mean:
 * `dx = k·dy - (k·inv²·Σ(dy·d)/n)·d - k·Σdy/n`, `dscale = inv·Σ(dy·d)`,
 * `db = Σdy`; mean and var get none (their part is in dx).
 */
function batchStatsGradients(
  c: GradContext,
  o: {
    dy: Value;
    k: Value;
    inv: Value;
    centered: Value;
    axes: number[];
    perChannel: (v: Value) => Value;
  },
): (Value | undefined)[] {
  const { dy, k, inv, centered, axes, perChannel } = o;
  const sumDy = c.reduce("ReduceSum", dy, axes, false);
  const sumDyD = c.reduce("ReduceSum", c.op("Mul", [dy, centered]), axes, false);
  let dx: Value | undefined;
  if (c.needs(0)) {
    const n = perChannelCount(c, c.x(0), axes);
    const kn = c.op("Div", [k, n]);
    const c2 = c.op("Mul", [kn, c.op("Mul", [sumDyD, c.op("Mul", [inv, inv])])]);
    const c1 = c.op("Mul", [kn, sumDy]);
    const scaled = c.op("Mul", [dy, perChannel(k)]);
    dx = c.op("Sub", [
      c.op("Sub", [scaled, c.op("Mul", [centered, perChannel(c2)])]),
      perChannel(c1),
    ]);
  }
  return [
    dx,
    c.needs(1) ? c.op("Mul", [sumDyD, inv]) : undefined,
    c.needs(2) ? sumDy : undefined,
    undefined,
    undefined,
  ];
}

/** Elements per channel (every axis but 1), as a scalar of the node's dtype. */
function perChannelCount(c: GradContext, x: Value, axes: number[]): Value {
  const dims = axes.map((a) => x.dims![a]);
  if (dims.every((d) => typeof d === "number")) {
    return c.scalar((dims as number[]).reduce((p, q) => p * q, 1));
  }
  const channels = c.op("Gather", [c.op("Shape", [x]), c.ints([1])]);
  return c.cast(c.op("Div", [c.op("Size", [x]), channels]));
}

/**
 * LayerNormalization over the axes from `axis`, `y = x̂·scale + b` with
 * `x̂ = (x - μ)·σ⁻¹`:
 * `dx = σ⁻¹·(g - mean(g) - x̂·mean(g·x̂))` with `g = dy·scale`;
 * `dscale = Σ dy·x̂`, `db = Σ dy` over the leading axes.
 *
 * NOTE: for float32 inputs μ and σ⁻¹ come from the node's own Mean and
 * InvStdDev outputs (added when absent); for other dtypes they are recomputed,
 * because onnxruntime keeps those outputs in float32 (stash_type) even for
 * float64 inputs, which would cost precision.
 */
function layerNorm(c: GradContext): (Value | undefined)[] {
  const x = c.x(0);
  const r = c.rank(x);
  const axis = normAxis(c.node.getInt("axis", -1), r);
  const axes = range(r - axis, axis);
  const eps = c.attrFloat("epsilon", 1e-5);
  const dy = c.dy0;
  const { mean, inv } = layerNormStats(c, x, axes, eps);
  const xhat = c.op("Mul", [c.op("Sub", [x, mean]), inv]);
  let dx: Value | undefined;
  if (c.needs(0)) {
    const gx = c.op("Mul", [dy, c.x(1)]);
    const m1 = c.reduce("ReduceMean", gx, axes, true);
    const m2 = c.reduce("ReduceMean", c.op("Mul", [gx, xhat]), axes, true);
    const inner = c.op("Sub", [c.op("Sub", [gx, m1]), c.op("Mul", [xhat, m2])]);
    dx = c.op("Mul", [inner, inv]);
  }
  const dscale = c.needs(1) ? c.reduceTo(c.op("Mul", [dy, xhat]), c.x(1)) : undefined;
  const db = c.needs(2) ? c.reduceTo(dy, c.x(2)) : undefined;
  return [dx, dscale, db];
}

function layerNormStats(
  c: GradContext,
  x: Value,
  axes: number[],
  eps: number,
): { mean: Value; inv: Value } {
  if (x.dtype === "float32" && c.node.getInt("stash_type", 1) === 1) {
    const dims = x.dims!.map((d, i) => (i < axes[0]! ? d : 1));
    return {
      mean: c.requestOutput(1, { dtype: "float32", dims }),
      inv: c.requestOutput(2, { dtype: "float32", dims }),
    };
  }
  const mean = c.reduce("ReduceMean", x, axes, true);
  const xc = c.op("Sub", [x, mean]);
  const variance = c.reduce("ReduceMean", c.op("Mul", [xc, xc]), axes, true);
  const inv = c.op("Reciprocal", [c.op("Sqrt", [c.op("Add", [variance, c.scalar(eps)])])]);
  return { mean, inv };
}

export const NORM_GRADIENTS: Record<string, GradRule> = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
};
