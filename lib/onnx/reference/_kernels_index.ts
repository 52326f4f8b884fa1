// Kernels that read or write by computed positions: gathers, scatters,
// NonZero, and nearest-neighbour Resize.

import type { Node } from "../node.ts";
import { numel, stridesOf } from "../tensor.ts";
import { axisOf, eachIndex, intsOf, type Kernel, nd, remap } from "./_array.ts";

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

export const INDEX_KERNELS: Record<string, Kernel> = {
  Gather: gather,
  GatherElements: gatherElements,
  ScatterElements: scatterElements,
  ScatterND: scatterND,
  NonZero: nonZero,
  Resize: resize,
};
