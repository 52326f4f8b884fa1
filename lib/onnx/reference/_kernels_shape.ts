// Kernels of ops that move data: shapes, reshapes, transposes, joins, slices,
// gathers and scatters, padding, constants.

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
} from "./_array.ts";

/** Visits every multi-index of `dims` in row-major order. */
function eachIndex(dims: readonly number[], f: (index: number[], flat: number) => void): void {
  const n = numel(dims);
  const index = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(index, flat);
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++index[k]! < dims[k]!) break;
      index[k] = 0;
    }
  }
}

/** An output whose element at each index is read from `x` at `source(index)` (-1: `fill`). */
function remap(
  x: NdArray,
  dims: number[],
  source: (index: number[]) => number,
  fill = 0,
): NdArray {
  const out = new Float64Array(numel(dims));
  eachIndex(dims, (index, flat) => {
    const s = source(index);
    out[flat] = s < 0 ? fill : x.data[s]!;
  });
  return nd(x.dtype, dims, out);
}

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

const gather: Kernel = (node, [x, indices]) => {
  const r = x!.dims.length;
  const axis = axisOf(node, node.getInt("axis", 0), r);
  const q = indices!.dims;
  const dims = [...x!.dims.slice(0, axis), ...q, ...x!.dims.slice(axis + 1)];
  const strides = stridesOf(x!.dims);
  const qs = stridesOf(q);
  const dim = x!.dims[axis]!;
  return [remap(x!, dims, (index) => {
    let flatQ = 0;
    for (let k = 0; k < q.length; k++) flatQ += index[axis + k]! * qs[k]!;
    let at = indices!.data[flatQ]!;
    if (at < 0) at += dim;
    let s = at * strides[axis]!;
    for (let k = 0; k < axis; k++) s += index[k]! * strides[k]!;
    for (let k = axis + 1; k < r; k++) s += index[k + q.length - 1]! * strides[k]!;
    return s;
  })];
};

const gatherElements: Kernel = (node, [x, indices]) => {
  const axis = axisOf(node, node.getInt("axis", 0), x!.dims.length);
  const strides = stridesOf(x!.dims);
  const dim = x!.dims[axis]!;
  const qs = stridesOf(indices!.dims);
  return [remap(x!, [...indices!.dims], (index) => {
    let s = 0;
    index.forEach((v, k) => (s += (k === axis ? 0 : v) * strides[k]!));
    const flat = index.reduce((acc, v, k) => acc + v * qs[k]!, 0);
    let at = indices!.data[flat]!;
    if (at < 0) at += dim;
    return s + at * strides[axis]!;
  })];
};

function combine(node: Node): (a: number, b: number) => number {
  const mode = node.getString("reduction", "none");
  switch (mode) {
    case "add":
      return (a, b) => a + b;
    case "mul":
      return (a, b) => a * b;
    case "max":
      return Math.max;
    case "min":
      return Math.min;
    default:
      return (_a, b) => b;
  }
}

const scatterElements: Kernel = (node, [x, indices, updates]) => {
  const axis = axisOf(node, node.getInt("axis", 0), x!.dims.length);
  const f = combine(node);
  const out = Float64Array.from(x!.data);
  const strides = stridesOf(x!.dims);
  const dim = x!.dims[axis]!;
  eachIndex(indices!.dims, (index, flat) => {
    let at = indices!.data[flat]!;
    if (at < 0) at += dim;
    let s = 0;
    index.forEach((v, k) => (s += (k === axis ? at : v) * strides[k]!));
    out[s] = f(out[s]!, updates!.data[flat]!);
  });
  return [nd(x!.dtype, x!.dims, out)];
};

const scatterND: Kernel = (node, [x, indices, updates]) => {
  const f = combine(node);
  const out = Float64Array.from(x!.data);
  const q = indices!.dims;
  const depth = q[q.length - 1]!;
  const strides = stridesOf(x!.dims);
  const slab = numel(x!.dims.slice(depth));
  const count = numel(q.slice(0, -1));
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let k = 0; k < depth; k++) {
      let v = indices!.data[i * depth + k]!;
      if (v < 0) v += x!.dims[k]!;
      s += v * strides[k]!;
    }
    for (let j = 0; j < slab; j++) out[s + j] = f(out[s + j]!, updates!.data[i * slab + j]!);
  }
  return [nd(x!.dtype, x!.dims, out)];
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

const nonZero: Kernel = (_node, [x]) => {
  const hits: number[][] = [];
  eachIndex(x!.dims, (index, flat) => {
    if (x!.data[flat]) hits.push([...index]);
  });
  const r = x!.dims.length;
  const out = new Float64Array(r * hits.length);
  hits.forEach((h, j) => h.forEach((v, k) => (out[k * hits.length + j] = v)));
  return [nd("int64", [r, hits.length], out)];
};

const shape: Kernel = (node, [x]) => {
  const r = x!.dims.length;
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = norm(node.getInt("start", 0));
  const end = norm(node.getInt("end", r));
  return [ints(x!.dims.slice(start, end))];
};

/** Resize in nearest mode (every coordinate transformation and rounding mode but tf_crop_and_resize). */
const resize: Kernel = (node, [x, , scalesIn, sizesIn]) => {
  const mode = node.getString("mode", "nearest");
  const transform = node.getString("coordinate_transformation_mode", "half_pixel");
  if (mode !== "nearest" || transform === "tf_crop_and_resize") {
    throw new RangeError(`Node ${node.label}: only mode "nearest" without cropping is supported`);
  }
  const r = x!.dims.length;
  const sizes = sizesIn && sizesIn.data.length > 0 ? intsOf(sizesIn)! : undefined;
  const scales = sizes ? sizes.map((s, i) => s / x!.dims[i]!) : Array.from(scalesIn!.data);
  const dims = sizes ?? x!.dims.map((d, i) => Math.floor(d * scales[i]!));
  const rounding = node.getString("nearest_mode", "round_prefer_floor");
  const round = (v: number) => {
    if (rounding === "floor") return Math.floor(v);
    if (rounding === "ceil") return Math.ceil(v);
    const f = Math.floor(v);
    if (v - f === 0.5) return rounding === "round_prefer_ceil" ? f + 1 : f;
    return Math.round(v);
  };
  const source = (o: number, i: number) => {
    const s = scales[i]!;
    const n = x!.dims[i]!;
    let v: number;
    if (transform === "asymmetric") v = o / s;
    else if (transform === "align_corners") v = dims[i] === 1 ? 0 : (o * (n - 1)) / (dims[i]! - 1);
    else if (transform === "pytorch_half_pixel") v = dims[i] === 1 ? 0 : (o + 0.5) / s - 0.5;
    else v = (o + 0.5) / s - 0.5; // half_pixel
    return Math.min(Math.max(round(v), 0), n - 1);
  };
  const strides = stridesOf(x!.dims);
  return [remap(x!, dims, (index) => {
    let at = 0;
    for (let k = 0; k < r; k++) at += source(index[k]!, k) * strides[k]!;
    return at;
  })];
};

export const SHAPE_KERNELS: Record<string, Kernel> = {
  Resize: resize,
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
  Gather: gather,
  GatherElements: gatherElements,
  ScatterElements: scatterElements,
  ScatterND: scatterND,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  NonZero: nonZero,
};
