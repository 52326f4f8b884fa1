// Inference rules of neural-network ops: MatMul, Gemm, normalizations,
// reductions, losses and the quantized variants (Conv and pools are in
// _rules_conv.ts).

import type { DType } from "./dtype.ts";
import { type Dim, formatDims } from "./value_info.ts";
import { broadcastDims, dimMerge, dimsCompatible } from "./_dims.ts";
import type { RuleContext, ShapeRule, TypeInfo } from "./_infer.ts";
import { broadcastInputs, sameDType } from "./_rules_elementwise.ts";
import { axesOf } from "./_rules_shape.ts";

function matmulDims(ctx: RuleContext, ia: number, ib: number): Dim[] | undefined {
  const a = ctx.in(ia).dims;
  const b = ctx.in(ib).dims;
  if (!a || !b) return undefined;
  if (a.length === 0 || b.length === 0) {
    ctx.fail(`MatMul inputs must not be scalars: ${ctx.describe(ia)}, ${ctx.describe(ib)}`);
  }
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = a2[a2.length - 1]!;
  const k2 = b2[b2.length - 2]!;
  if (!dimsCompatible(k1, k2)) {
    ctx.fail(`inner dims differ: ${ctx.describe(ia)} x ${ctx.describe(ib)}`);
  }
  const batch = broadcastDims(a2.slice(0, -2), b2.slice(0, -2));
  if (batch === false) {
    ctx.fail(`batch dims do not broadcast: ${ctx.describe(ia)} x ${ctx.describe(ib)}`);
  }
  const out = [...batch!, a2[a2.length - 2]!, b2[b2.length - 1]!];
  if (b.length === 1) out.pop();
  if (a.length === 1) out.splice(out.length - (b.length === 1 ? 1 : 2), 1);
  return out;
}

function matmul(ctx: RuleContext): TypeInfo[] {
  return [{ dtype: sameDType(ctx, [0, 1]), dims: matmulDims(ctx, 0, 1) }];
}

function gemm(ctx: RuleContext): TypeInfo[] {
  const dtype = sameDType(ctx, [0, 1, 2]);
  const a = ctx.in(0).dims;
  const b = ctx.in(1).dims;
  if (!a || !b) return [{ dtype, dims: [null, null] }];
  if (a.length !== 2 || b.length !== 2) {
    ctx.fail(`Gemm needs 2-D inputs: ${ctx.describe(0)}, ${ctx.describe(1)}`);
  }
  const [m, k1] = ctx.node.getInt("transA", 0) ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [k2, n] = ctx.node.getInt("transB", 0) ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (!dimsCompatible(k1, k2)) {
    ctx.fail(`inner dims differ: ${ctx.describe(0)} x ${ctx.describe(1)}`);
  }
  const out: Dim[] = [m, n];
  if (ctx.has(2)) {
    const c = ctx.in(2).dims;
    const bc = broadcastDims(c, out);
    if (
      bc === false ||
      (bc && bc.some((d, i) => typeof d === "number" && typeof out[i] === "number" && d !== out[i]))
    ) {
      ctx.fail(`bias ${ctx.describe(2)} does not broadcast to ${formatDims(out)}`);
    }
  }
  return [{ dtype, dims: out }];
}

function batchNorm(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const c = x.dims?.[1] ?? null;
  for (let i = 1; i <= 4; i++) {
    const d = ctx.in(i).dims;
    if (d && (d.length !== 1 || !dimsCompatible(d[0]!, c))) {
      ctx.fail(`${ctx.describe(i)} does not match the ${c} channels of ${ctx.describe(0)}`);
    }
  }
  const stat: TypeInfo = {
    dtype: ctx.in(3).dtype ?? x.dtype,
    dims: [dimMerge(c, ctx.in(1).dims?.[0] ?? null)],
  };
  const outs: TypeInfo[] = [{ dtype: x.dtype, dims: x.dims }];
  for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ ...stat });
  return outs;
}

function layerNorm(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }, { dtype: "float32" }, { dtype: "float32" }];
  const axis = axesOf(ctx, [ctx.node.getInt("axis", -1)], x.dims.length)[0]!;
  const scale = ctx.in(1).dims;
  const norm = x.dims.slice(axis);
  if (scale && broadcastDims(scale, norm) === false) {
    ctx.fail(`scale ${ctx.describe(1)} does not fit the normalized dims ${formatDims(norm)}`);
  }
  const stat = x.dims.map((d, i) => (i < axis ? d : 1));
  const stashType = ctx.node.getInt("stash_type", 1) === 1 ? "float32" : x.dtype;
  return [{ dtype: x.dtype, dims: x.dims }, { dtype: stashType, dims: stat }, {
    dtype: stashType,
    dims: stat,
  }];
}

/** ReduceSum takes axes as an input from opset 13, the others from opset 18. */
function reduce(ctx: RuleContext, outType?: DType): TypeInfo[] {
  const x = ctx.in(0);
  const keep = ctx.node.getInt("keepdims", 1) === 1;
  const inputAxes = ctx.node.opType === "ReduceSum" ? ctx.opset >= 13 : ctx.opset >= 18;
  const given = inputAxes ? (ctx.has(1) ? ctx.ints(1) : []) : ctx.node.getInts("axes", []);
  const dtype = outType ?? x.dtype;
  if (!x.dims || given === undefined) {
    return [{
      dtype,
      dims: keep && x.dims ? x.dims.map(() => null) : undefined,
    }];
  }
  if (given.length === 0 && ctx.node.getInt("noop_with_empty_axes", 0) === 1) {
    return [{ dtype, dims: x.dims }];
  }
  const axes = new Set(given.length ? axesOf(ctx, given, x.dims.length) : x.dims.map((_, i) => i));
  const dims = keep
    ? x.dims.map((d, i) => (axes.has(i) ? 1 : d))
    : x.dims.filter((_, i) => !axes.has(i));
  return [{ dtype, dims }];
}

function argReduce(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: "int64" }];
  const axis = axesOf(ctx, [ctx.node.getInt("axis", 0)], x.dims.length)[0]!;
  const keep = ctx.node.getInt("keepdims", 1) === 1;
  const dims = keep
    ? x.dims.map((d, i) => (i === axis ? 1 : d))
    : x.dims.filter((_, i) => i !== axis);
  return [{ dtype: "int64", dims }];
}

function topK(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }, { dtype: "int64" }];
  const axis = axesOf(ctx, [ctx.node.getInt("axis", -1)], x.dims.length)[0]!;
  const k = ctx.opset >= 10 ? ctx.ints(1)?.[0] ?? null : ctx.node.getInt("k");
  const dims = x.dims.map((d, i) => (i === axis ? k : d));
  return [{ dtype: x.dtype, dims }, { dtype: "int64", dims }];
}

function softmaxCrossEntropy(ctx: RuleContext): TypeInfo[] {
  const scores = ctx.in(0);
  const none = ctx.node.getString("reduction", "mean") === "none";
  const labels = ctx.in(1).dims;
  const loss: TypeInfo = { dtype: scores.dtype, dims: none ? labels : [] };
  return [loss, { dtype: scores.dtype, dims: scores.dims }];
}

function resize(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }];
  const sizes = ctx.ints(3);
  if (sizes && sizes.length === x.dims.length) return [{ dtype: x.dtype, dims: sizes }];
  const scales = ctx.in(2).value;
  if (scales && scales.length === x.dims.length) {
    return [{
      dtype: x.dtype,
      dims: x.dims.map((
        d,
        i,
      ) => (typeof d === "number" && typeof scales[i] === "number"
        ? Math.floor(d * (scales[i] as number))
        : scales[i] === 1
        ? d
        : null)
      ),
    }];
  }
  return [{ dtype: x.dtype, dims: x.dims.map(() => null) }];
}

/** Rules of this family. */
export const NN_RULES: Record<string, ShapeRule> = {
  MatMul: matmul,
  MatMulInteger: (ctx) => [{ dtype: "int32", dims: matmulDims(ctx, 0, 1) }],
  QLinearMatMul: (ctx) => [{ dtype: ctx.in(7).dtype ?? "uint8", dims: matmulDims(ctx, 0, 3) }],
  Gemm: gemm,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  ReduceMean: (ctx) => reduce(ctx),
  ReduceSum: (ctx) => reduce(ctx),
  ReduceMax: (ctx) => reduce(ctx),
  ReduceMin: (ctx) => reduce(ctx),
  ReduceProd: (ctx) => reduce(ctx),
  ReduceL1: (ctx) => reduce(ctx),
  ReduceL2: (ctx) => reduce(ctx),
  ReduceLogSum: (ctx) => reduce(ctx),
  ReduceLogSumExp: (ctx) => reduce(ctx),
  ReduceSumSquare: (ctx) => reduce(ctx),
  ArgMax: argReduce,
  ArgMin: argReduce,
  TopK: topK,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropy,
  NegativeLogLikelihoodLoss: (ctx) => softmaxCrossEntropy(ctx).slice(0, 1),
  Resize: resize,
  QuantizeLinear: (ctx) => [{ dtype: ctx.in(2).dtype ?? "uint8", dims: ctx.in(0).dims }],
  DequantizeLinear: (ctx) => [{ dtype: ctx.in(1).dtype ?? "float32", dims: ctx.in(0).dims }],
  DynamicQuantizeLinear: (ctx) => [
    { dtype: "uint8", dims: ctx.in(0).dims },
    { dtype: "float32", dims: [] },
    { dtype: "uint8", dims: [] },
  ],
  PRelu: (ctx) => [{ dtype: ctx.in(0).dtype, dims: broadcastInputs(ctx, [0, 1]) }],
};
