// Inference rules of windowed ops: Conv (and its quantized forms),
// ConvTranspose, the pools and the global pools.

import type { DType } from "./dtype.ts";
import { type Dim, formatDims } from "./value_info.ts";
import type { RuleContext, ShapeRule, TypeInfo } from "./_infer.ts";
import { sameDType } from "./_rules_elementwise.ts";

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

/** Rules of this family. */
export const CONV_RULES: Record<string, ShapeRule> = {
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
};
