// Kernels of ops that move data: shapes, reshapes, transposes, joins, slices,
// padding, constants.

import type { Node } from "../node.ts";
import { numel, stridesOf } from "../tensor.ts";
import {
  around,
  attrFloat,
  axisOf,
  broadcastDims,
  broadcastIndex,
  fromTensor,
  intsOf,
  type Kernel,
  nd,
  type NdArray,
  remap,
} from "./_array.ts";

function ints(values: readonly number[]): NdArray {
  return nd("int64", [values.length], Float64Array.from(values));
}

const reshape: Kernel = (node, [x, shape]) => {
  const want = intsOf(shape)!;
  const allowZero = node.getInt("allowzero", 0) === 1;
  const dims = want.map((d, i) => (d === 0 && !allowZero ? x!.dims[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = dims.map((d) => (d === -1 ? x!.data.length / known : d));
  if (numel(out) !== x!.data.length) {
    throw new RangeError(
      `Node ${node.label}: cannot reshape [${x!.dims.join(", ")}] to [${want.join(", ")}]`,
    );
  }
  return [nd(x!.dtype, out, x!.data)];
};

const transpose: Kernel = (node, [x]) => {
  const r = x!.dims.length;
  const perm = node.getInts("perm", Array.from({ length: r }, (_, i) => r - 1 - i));
  const strides = stridesOf(x!.dims);
  const dims = perm.map((p) => x!.dims[p]!);
  return [remap(x!, dims, (index) => index.reduce((s, v, k) => s + v * strides[perm[k]!]!, 0))];
};

const concat: Kernel = (node, inputs) => {
  const xs = inputs.filter((x): x is NdArray => x !== undefined);
  const axis = axisOf(node, node.getInt("axis"), xs[0]!.dims.length);
  const dims = [...xs[0]!.dims];
  dims[axis] = xs.reduce((s, x) => s + x.dims[axis]!, 0);
  const [outer, , inner] = around(dims, axis);
  const out = new Float64Array(numel(dims));
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const len = x.dims[axis]! * inner;
      out.set(x.data.subarray(o * len, (o + 1) * len), at);
      at += len;
    }
  }
  return [nd(xs[0]!.dtype, dims, out)];
};

const split: Kernel = (node, [x, sizes], ctx) => {
  const axis = axisOf(node, node.getInt("axis", 0), x!.dims.length);
  const count = node.outputs.length;
  const dim = x!.dims[axis]!;
  let parts = ctx.opset >= 13 ? intsOf(sizes) : node.getInts("split", []);
  if (!parts || parts.length === 0) {
    const each = Math.ceil(dim / count);
    parts = Array.from({ length: count }, (_, i) => Math.min(each, dim - i * each));
  }
  let start = 0;
  return parts.map((len) => {
    const out = sliceAxis(x!, axis, start, len);
    start += len;
    return out;
  });
};

function sliceAxis(x: NdArray, axis: number, start: number, len: number): NdArray {
  const dims = [...x.dims];
  dims[axis] = len;
  const strides = stridesOf(x.dims);
  return remap(
    x,
    dims,
    (index) => index.reduce((s, v, k) => s + (k === axis ? v + start : v) * strides[k]!, 0),
  );
}

const slice: Kernel = (node, [x, starts, ends, axesIn, stepsIn], ctx) => {
  const r = x!.dims.length;
  const legacy = ctx.opset < 10;
  const st = legacy ? node.getInts("starts") : intsOf(starts)!;
  const en = legacy ? node.getInts("ends") : intsOf(ends)!;
  const axes =
    (legacy ? node.getInts("axes", st.map((_, i) => i)) : intsOf(axesIn) ?? st.map((_, i) => i))
      .map((a) => axisOf(node, a, r));
  const steps = legacy ? st.map(() => 1) : intsOf(stepsIn) ?? st.map(() => 1);
  const begin = new Array<number>(r).fill(0);
  const step = new Array<number>(r).fill(1);
  const dims = [...x!.dims];
  axes.forEach((a, k) => {
    const d = x!.dims[a]!;
    const s = steps[k]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let b = st[k]! < 0 ? st[k]! + d : st[k]!;
    let e = en[k]! < 0 ? en[k]! + d : en[k]!;
    if (s > 0) {
      b = clamp(b, 0, d);
      e = clamp(e, 0, d);
    } else {
      b = clamp(b, 0, d - 1);
      e = clamp(e, -1, d - 1);
    }
    begin[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const strides = stridesOf(x!.dims);
  return [
    remap(
      x!,
      dims,
      (index) => index.reduce((acc, v, k) => acc + (begin[k]! + v * step[k]!) * strides[k]!, 0),
    ),
  ];
};

function axesInput(node: Node, input: NdArray | undefined, opset: number): number[] | undefined {
  return opset >= 13 ? intsOf(input) : node.hasAttr("axes") ? node.getInts("axes") : undefined;
}

const squeeze: Kernel = (node, [x, axesIn], ctx) => {
  const r = x!.dims.length;
  const axes = axesInput(node, axesIn, ctx.opset)?.map((a) => axisOf(node, a, r));
  const dims = x!.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return [nd(x!.dtype, dims, x!.data)];
};

const unsqueeze: Kernel = (node, [x, axesIn], ctx) => {
  const r = x!.dims.length + axesInput(node, axesIn, ctx.opset)!.length;
  const axes = axesInput(node, axesIn, ctx.opset)!.map((a) => axisOf(node, a, r));
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) dims.push(axes.includes(i) ? 1 : x!.dims[k++]!);
  return [nd(x!.dtype, dims, x!.data)];
};

const expand: Kernel = (node, [x, shape]) => {
  const dims = broadcastDims(node, [x!.dims, intsOf(shape)!]);
  const idx = broadcastIndex(dims, x!.dims);
  return [nd(x!.dtype, dims, Float64Array.from(idx, (i) => x!.data[i]!))];
};

const tile: Kernel = (_node, [x, reps]) => {
  const r = intsOf(reps)!;
  const dims = x!.dims.map((d, i) => d * r[i]!);
  const strides = stridesOf(x!.dims);
  return [
    remap(x!, dims, (index) => index.reduce((s, v, k) => s + (v % x!.dims[k]!) * strides[k]!, 0)),
  ];
};

const pad: Kernel = (node, [x, padsIn, value, axesIn], ctx) => {
  const r = x!.dims.length;
  const raw = ctx.opset >= 11 ? intsOf(padsIn)! : node.getInts("pads");
  const axes = axesIn
    ? intsOf(axesIn)!.map((a) => axisOf(node, a, r))
    : Array.from({ length: r }, (_, i) => i);
  const begins = new Array<number>(r).fill(0);
  const ends = new Array<number>(r).fill(0);
  axes.forEach((a, k) => {
    begins[a] = raw[k]!;
    ends[a] = raw[k + axes.length]!;
  });
  const mode = node.getString("mode", "constant");
  const fill = value ? value.data[0]! : ctx.opset >= 11 ? 0 : attrFloat(node, "value", 0);
  const dims = x!.dims.map((d, i) => d + begins[i]! + ends[i]!);
  const strides = stridesOf(x!.dims);
  return [remap(x!, dims, (index) => {
    let s = 0;
    for (let k = 0; k < r; k++) {
      let v = index[k]! - begins[k]!;
      const d = x!.dims[k]!;
      if (v < 0 || v >= d) {
        if (mode === "constant") return -1;
        if (mode === "edge") v = v < 0 ? 0 : d - 1;
        else v = v < 0 ? -v : 2 * (d - 1) - v; // reflect
      }
      s += v * strides[k]!;
    }
    return s;
  }, fill)];
};

const constant: Kernel = (node) => {
  if (node.hasAttr("value")) return [fromTensor(node.getTensor("value"))];
  if (node.hasAttr("value_float")) {
    return [nd("float32", [], Float64Array.of(attrFloat(node, "value_float")))];
  }
  if (node.hasAttr("value_floats")) {
    return [
      nd(
        "float32",
        [node.getFloats("value_floats").length],
        Float64Array.from(node.getFloats("value_floats")),
      ),
    ];
  }
  if (node.hasAttr("value_int")) {
    return [nd("int64", [], Float64Array.of(node.getInt("value_int")))];
  }
  if (node.hasAttr("value_ints")) return [ints(node.getInts("value_ints"))];
  throw new RangeError(`Node ${node.label}: unsupported Constant attribute`);
};

const constantOfShape: Kernel = (node, [shape]) => {
  const v = node.hasAttr("value") ? fromTensor(node.getTensor("value")) : nd("float32", [1]);
  const dims = intsOf(shape)!;
  return [nd(v.dtype, dims, new Float64Array(numel(dims)).fill(v.data[0]!))];
};

const range: Kernel = (_node, [start, limit, delta]) => {
  const s = start!.data[0]!;
  const d = delta!.data[0]!;
  const n = Math.max(Math.ceil((limit!.data[0]! - s) / d), 0);
  return [nd(start!.dtype, [n], Float64Array.from({ length: n }, (_, i) => s + i * d))];
};

const shape: Kernel = (node, [x]) => {
  const r = x!.dims.length;
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = norm(node.getInt("start", 0));
  const end = norm(node.getInt("end", r));
  return [ints(x!.dims.slice(start, end))];
};

export const SHAPE_KERNELS: Record<string, Kernel> = {
  Shape: shape,
  Size: (_n, [x]) => [nd("int64", [], Float64Array.of(x!.data.length))],
  Reshape: reshape,
  Flatten: (node, [x]) => {
    const axis = axisOf(node, node.getInt("axis", 1), x!.dims.length + 1);
    return [nd(x!.dtype, [numel(x!.dims.slice(0, axis)), numel(x!.dims.slice(axis))], x!.data)];
  },
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
};
