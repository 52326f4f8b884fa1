// Inference rules of neural-network ops: MatMul, Gemm, Conv, pools,
// normalizations, reductions, losses and the quantized variants.

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

interface Window {
  kernel: Dim[];
  strides: number[];
  pads: number[];
  dilations: number[];
}

function windowOf(ctx: RuleContext, spatial: number, kernel: Dim[]): Window {
  const node = ctx.node;
  const ones = new Array<number>(spatial).fill(1);
  return {
    kernel,
    strides: node.getInts("strides", ones),
    pads: node.getInts("pads", new Array<number>(2 * spatial).fill(0)),
    dilations: node.getInts("dilations", ones),
  };
}

function spatialOut(ctx: RuleContext, inDims: Dim[], w: Window, ceil: boolean): Dim[] {
  const autoPad = ctx.node.getString("auto_pad", "NOTSET");
  return inDims.map((d, i) => {
    const s = w.strides[i] ?? 1;
    if (typeof d !== "number") {
      return autoPad === "VALID" || autoPad === "NOTSET" ? null : s === 1 ? d : null;
    }
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return Math.ceil(d / s);
    const k = w.kernel[i];
    if (typeof k !== "number") return null;
    const eff = (k - 1) * (w.dilations[i] ?? 1) + 1;
    const pads = autoPad === "VALID" ? 0 : w.pads[i]! + w.pads[i + inDims.length]!;
    const span = d + pads - eff;
    if (span < 0) {
      ctx.fail(`kernel ${formatDims(w.kernel)} is larger than the padded input ${ctx.describe(0)}`);
    }
    let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (out - 1) * s >= d + w.pads[i]!) out--; // last window must start inside the input
    return out;
  });
}

function conv(ctx: RuleContext, wIndex = 1, outType?: DType): TypeInfo[] {
  const x = ctx.in(0).dims;
  const w = ctx.in(wIndex).dims;
  const dtype = outType ?? sameDType(ctx, [0, wIndex, ...(ctx.node.opType === "Conv" ? [2] : [])]);
  if (!x || !w) return [{ dtype, dims: x ? x.map(() => null) : undefined }];
  if (x.length < 3 || w.length !== x.length) {
    ctx.fail(`input ${ctx.describe(0)} and weight ${ctx.describe(wIndex)} ranks do not fit`);
  }
  const group = ctx.node.getInt("group", 1);
  const c = x[1]!;
  const wc = w[1]!;
  if (typeof c === "number" && typeof wc === "number" && c !== wc * group) {
    ctx.fail(
      `input ${ctx.describe(0)} has ${c} channels, weight ${
        ctx.describe(wIndex)
      } with group ${group} expects ${wc * group}`,
    );
  }
  const kernel = ctx.node.getInts("kernel_shape", []) as Dim[];
  const win = windowOf(ctx, x.length - 2, kernel.length ? kernel : w.slice(2));
  return [{ dtype, dims: [x[0]!, w[0]!, ...spatialOut(ctx, x.slice(2), win, false)] }];
}

function convTranspose(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0).dims;
  const w = ctx.in(1).dims;
  const dtype = sameDType(ctx, [0, 1]);
  if (!x || !w) return [{ dtype }];
  const group = ctx.node.getInt("group", 1);
  const n = x.length - 2;
  const outShape = ctx.node.getInts("output_shape", []);
  const win = windowOf(
    ctx,
    n,
    ctx.node.getInts("kernel_shape", []).length ? ctx.node.getInts("kernel_shape") : w.slice(2),
  );
  const outPad = ctx.node.getInts("output_padding", new Array<number>(n).fill(0));
  const spatial = x.slice(2).map((d, i) => {
    if (outShape.length) return outShape[outShape.length - n + i]!;
    const k = win.kernel[i];
    if (typeof d !== "number" || typeof k !== "number") return null;
    return win.strides[i]! * (d - 1) + outPad[i]! + (k - 1) * win.dilations[i]! + 1 - win.pads[i]! -
      win.pads[i + n]!;
  });
  const m = typeof w[1] === "number" ? w[1] * group : null;
  return [{ dtype, dims: [x[0]!, m, ...spatial] }];
}

function pool(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }, { dtype: "int64" }];
  const kernel = ctx.node.getInts("kernel_shape");
  if (kernel.length !== x.dims.length - 2) {
    ctx.fail(`kernel_shape [${kernel.join(", ")}] does not fit ${ctx.describe(0)}`);
  }
  const win = windowOf(ctx, kernel.length, kernel);
  const dims = [
    x.dims[0]!,
    x.dims[1]!,
    ...spatialOut(ctx, x.dims.slice(2), win, ctx.node.getInt("ceil_mode", 0) === 1),
  ];
  return [{ dtype: x.dtype, dims }, { dtype: "int64", dims }];
}

function globalPool(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  return [{ dtype: x.dtype, dims: x.dims?.map((d, i) => (i < 2 ? d : 1)) }];
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
  Conv: (ctx) => conv(ctx),
  ConvInteger: (ctx) => conv(ctx, 1, "int32"),
  QLinearConv: (ctx) => conv(ctx, 3, ctx.in(7).dtype ?? "uint8"),
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
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
