// Inference rules of ops that make tensors from shapes and constants: Shape,
// Size, Constant, ConstantOfShape, Range, Expand, Tile, Pad, OneHot. Shape
// and Constant start the value propagation that Reshape consumes.

import { dtypeFromOnnx } from "./dtype.ts";
import { numel, type Tensor } from "./tensor.ts";
import { type Dim, formatDims, isStaticDims } from "./value_info.ts";
import { broadcastDims, dimAdd, dimProduct } from "./_dims.ts";
import {
  MAX_TRACKED,
  type RuleContext,
  type ShapeRule,
  trackedValue,
  type TypeInfo,
} from "./_infer.ts";
import { axesOf } from "./_rules_shape.ts";

function shape(ctx: RuleContext): TypeInfo[] {
  const dims = ctx.in(0).dims;
  if (dims === undefined) return [{ dtype: "int64", dims: [null] }];
  const r = dims.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  const start = clamp(ctx.node.getInt("start", 0));
  const end = clamp(ctx.node.getInt("end", r));
  const value = dims.slice(start, Math.max(start, end));
  return [{ dtype: "int64", dims: [value.length], value }];
}

function expand(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const s = ctx.in(1).value;
  if (!s) return [{ dtype: x.dtype }];
  const dims = broadcastDims(x.dims, s);
  if (dims === false) ctx.fail(`cannot expand ${ctx.describe(0)} to ${formatDims(s)}`);
  return [{ dtype: x.dtype, dims }];
}

function tile(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const reps = ctx.in(1).value;
  if (!x.dims || !reps) return [{ dtype: x.dtype, dims: x.dims?.map(() => null) }];
  if (reps.length !== x.dims.length) {
    ctx.fail(`repeats ${formatDims(reps)} do not match ${ctx.describe(0)}`);
  }
  return [{ dtype: x.dtype, dims: x.dims.map((d, i) => dimProduct([d, reps[i]!])) }];
}

function constantOfShape(ctx: RuleContext): TypeInfo[] {
  const t = ctx.node.attrs.get("value");
  const fill = t?.type === "tensor" ? t.value : undefined;
  const dtype = fill?.dtype ?? "float32";
  const dims = ctx.in(0).value ??
    (typeof ctx.in(0).dims?.[0] === "number"
      ? new Array<Dim>(ctx.in(0).dims![0] as number).fill(null)
      : undefined);
  let value: Dim[] | undefined;
  if (isStaticDims(dims) && numel(dims) <= MAX_TRACKED && fill && dtype !== "string") {
    value = new Array<Dim>(numel(dims)).fill(Number(fill.data[0] ?? 0));
  }
  return [{ dtype, dims, value }];
}

function constantTensor(ctx: RuleContext): Tensor | undefined {
  const [name, a] = [...ctx.node.attrs][0] ?? [];
  if (!a) ctx.fail("has no value attribute");
  switch (a.type) {
    case "tensor":
      return a.value;
    case "float":
      return { dtype: "float32", dims: [], data: new Float32Array([a.value]) };
    case "floats":
      return { dtype: "float32", dims: [a.value.length], data: Float32Array.from(a.value) };
    case "int":
      return { dtype: "int64", dims: [], data: new BigInt64Array([BigInt(a.value)]) };
    case "ints":
      return { dtype: "int64", dims: [a.value.length], data: BigInt64Array.from(a.value, BigInt) };
    case "string":
      return { dtype: "string", dims: [], data: [a.value] };
    case "strings":
      return { dtype: "string", dims: [a.value.length], data: a.value };
    default:
      return name === "sparse_value"
        ? undefined
        : ctx.fail(`unsupported value attribute "${name}"`);
  }
}

function constant(ctx: RuleContext): TypeInfo[] {
  const t = constantTensor(ctx);
  if (!t) return [{}];
  return [{ dtype: t.dtype, dims: [...t.dims], value: trackedValue(t) }];
}

function range(ctx: RuleContext): TypeInfo[] {
  const [s, l, d] = [ctx.in(0).value?.[0], ctx.in(1).value?.[0], ctx.in(2).value?.[0]];
  const n = typeof s === "number" && typeof l === "number" && typeof d === "number" && d !== 0
    ? Math.max(0, Math.ceil((l - s) / d))
    : null;
  return [{ dtype: ctx.in(0).dtype, dims: [n] }];
}

function pad(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }];
  const r = x.dims.length;
  const pads = ctx.opset >= 11
    ? ctx.ints(1)
    : ctx.node.getInts("pads", ctx.node.getInts("paddings", []));
  if (!pads) return [{ dtype: x.dtype, dims: x.dims.map(() => null) }];
  const axes = ctx.opset >= 18 && ctx.has(3) ? ctx.ints(3) : [...Array(r).keys()];
  if (!axes) return [{ dtype: x.dtype, dims: x.dims.map(() => null) }];
  const ax = axesOf(ctx, axes, r);
  if (pads.length !== 2 * ax.length) {
    ctx.fail(`pads [${pads.join(", ")}] should have ${2 * ax.length} values`);
  }
  const out = [...x.dims];
  ax.forEach((a, i) => (out[a] = dimAdd(out[a]!, pads[i]! + pads[i + ax.length]!)));
  return [{ dtype: x.dtype, dims: out }];
}

function oneHot(ctx: RuleContext): TypeInfo[] {
  const idx = ctx.in(0).dims;
  const depth = ctx.in(1).value?.[0] ?? null;
  const dtype = ctx.in(2).dtype;
  if (!idx) return [{ dtype }];
  const axis = ctx.node.getInt("axis", -1);
  const a = axis < 0 ? axis + idx.length + 1 : axis;
  if (a < 0 || a > idx.length) ctx.fail(`axis ${axis} is out of range for ${ctx.describe(0)}`);
  const dims = [...idx];
  dims.splice(a, 0, typeof depth === "number" ? Math.trunc(depth) : depth);
  return [{ dtype, dims }];
}

/** Rules of this family. */
export const VALUE_RULES: Record<string, ShapeRule> = {
  Shape: shape,
  Size: () => [{ dtype: "int64", dims: [] }],
  Expand: expand,
  Tile: tile,
  ConstantOfShape: constantOfShape,
  Constant: constant,
  Range: range,
  Pad: pad,
  OneHot: oneHot,
  EyeLike: (ctx) => [{
    dtype: dtypeFromOnnx(ctx.node.getInt("dtype", 0)) ?? ctx.in(0).dtype,
    dims: ctx.in(0).dims,
  }],
  NonZero: (ctx) => [{ dtype: "int64", dims: [ctx.in(0).dims?.length ?? null, null] }],
};
