// The evaluator's arrays: every numeric dtype held as float64 numbers (ints
// exact up to 2^53, bools as 0/1), plus broadcasting and index helpers.

import type { DType } from "../dtype.ts";
import type { Node } from "../node.ts";
import { numel, stridesOf, type Tensor, tensor } from "../tensor.ts";

/** A tensor as the evaluator holds it. */
export interface NdArray {
  dtype: DType;
  dims: number[];
  data: Float64Array;
}

/** A kernel: one array per output (undefined for outputs it does not make). */
export type Kernel = (
  node: Node,
  inputs: (NdArray | undefined)[],
  ctx: KernelContext,
) => (NdArray | undefined)[];

/** What kernels may read besides their inputs. */
export interface KernelContext {
  opset: number;
}

/** Makes an array (zeros when no data is given). */
export function nd(dtype: DType, dims: readonly number[], data?: Float64Array): NdArray {
  const n = numel(dims);
  const d = data ?? new Float64Array(n);
  if (d.length !== n) {
    throw new RangeError(`Cannot make a [${dims.join(", ")}] array from ${d.length} elements`);
  }
  return { dtype, dims: [...dims], data: d };
}

/** Converts a tensor (bigints and bools become numbers). */
export function fromTensor(t: Tensor): NdArray {
  if (t.dtype === "string") throw new TypeError("The reference evaluator does not hold strings");
  if (t.dtype === "float16" || t.dtype === "bfloat16") {
    throw new TypeError(`The reference evaluator does not hold ${t.dtype}`);
  }
  const src = t.data as ArrayLike<number | bigint>;
  const data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  return { dtype: t.dtype, dims: [...t.dims], data };
}

/** Converts back to a tensor of the array's dtype. */
export function toTensor(a: NdArray): Tensor {
  return tensor(
    a.dtype,
    a.dims,
    a.dtype === "int64" || a.dtype === "uint64"
      ? Array.from(a.data, (v) => BigInt(Math.trunc(v)))
      : a.data,
  );
}

/** Rounds values as the dtype stores them (float32 rounding, integer truncation). */
export function storeAs(dtype: DType, data: Float64Array): Float64Array {
  if (dtype === "float32") {
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i]!);
  } else if (dtype === "bool") {
    for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
  } else if (dtype !== "float64") {
    for (let i = 0; i < data.length; i++) data[i] = Math.trunc(data[i]!);
  }
  return data;
}

/** Numpy broadcast of several shapes. */
export function broadcastDims(node: Node, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const k = rank - s.length + i;
      if (d === out[k] || d === 1) continue;
      if (out[k] !== 1) {
        throw new RangeError(
          `Node ${node.label}: cannot broadcast ${
            shapes.map((x) => `[${x.join(", ")}]`).join(" and ")
          }`,
        );
      }
      out[k] = d;
    }
  }
  return out;
}

/** For each element of `out`, the flat index of the element of `dims` broadcast onto it. */
export function broadcastIndex(out: readonly number[], dims: readonly number[]): Int32Array {
  const n = numel(out);
  const idx = new Int32Array(n);
  const lead = out.length - dims.length;
  const inStrides = stridesOf(dims);
  const step = out.map((_, k) => (k < lead || dims[k - lead] === 1 ? 0 : inStrides[k - lead]!));
  const counter = new Array<number>(out.length).fill(0);
  let at = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = at;
    for (let k = out.length - 1; k >= 0; k--) {
      counter[k]!++;
      at += step[k]!;
      if (counter[k]! < out[k]!) break;
      at -= step[k]! * counter[k]!;
      counter[k] = 0;
    }
  }
  return idx;
}

/** An axis in `[0, rank)`. */
export function axisOf(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) {
    throw new RangeError(`Node ${node.label}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Integer elements of an optional input. */
export function intsOf(a: NdArray | undefined): number[] | undefined {
  return a ? Array.from(a.data) : undefined;
}

/** `[outer, n, inner]` sizes around `axis`. */
export function around(dims: readonly number[], axis: number): [number, number, number] {
  const outer = numel(dims.slice(0, axis));
  const inner = numel(dims.slice(axis + 1));
  return [outer, dims[axis] ?? 1, inner];
}

/**
 * A float attribute as a serialized model holds it: ONNX stores float
 * attributes in 32 bits, so 0.7 is 0.699999988… for every runtime.
 */
export function attrFloat(node: Node, name: string, fallback?: number): number {
  return Math.fround(node.getFloat(name, fallback));
}

/** Visits every multi-index of `dims` in row-major order. */
export function eachIndex(
  dims: readonly number[],
  f: (index: number[], flat: number) => void,
): void {
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
export function remap(
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
