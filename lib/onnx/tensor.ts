/**
 * A small tensor type: a dtype, integer `dims` and a flat typed array (or a
 * string list), convertible to and from onnxruntime-node's `Tensor`.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import {
  arrayTypeOf,
  type DType,
  type DTypeDataMap,
  DTYPES,
  isDType,
  type TensorData,
} from "./dtype.ts";
import { float32ToBfloat16, float32ToFloat16 } from "./float16.ts";

/** A dense tensor: dtype, concrete dims and row-major data. */
export interface Tensor<D extends DType = DType> {
  dtype: D;
  dims: number[];
  data: DTypeDataMap[D];
}

/** Values accepted by `tensor()` as data: a typed array, a plain list or a string list. */
export type TensorInit = TensorData | ArrayLike<number> | ArrayLike<bigint> | readonly boolean[];

/**
 * The number of elements of a shape (1 for a scalar).
 *
 * @param dims Concrete dims.
 * @returns Their product.
 * @throws {RangeError} When a dim is negative or not an integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(numel([2, 3, 4]), 24);
 * assert.equal(numel([]), 1);
 * ```
 */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Invalid dims [${dims.join(", ")}]: every dim must be an integer >= 0`);
    }
    n *= d;
  }
  return n;
}

/**
 * Row-major strides (in elements) of a shape.
 *
 * @param dims Concrete dims.
 * @returns One stride per dim.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
 * ```
 */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i]!;
  }
  return strides;
}

/**
 * Makes a tensor. Without data it is zero-filled; typed arrays of the right kind
 * are used as they are (not copied); plain lists are converted. For float16 and
 * bfloat16 a `Uint16Array` is taken as raw bits and any other numbers as values
 * to round.
 *
 * @param dtype Element type.
 * @param dims Concrete dims.
 * @param data Optional elements, row-major.
 * @returns The tensor.
 * @throws {TypeError} For an unknown dtype or data of the wrong kind.
 * @throws {RangeError} When the element count does not match the dims.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = tensor("int64", [2], [3, 4]);
 * assert.deepEqual(t.data, new BigInt64Array([3n, 4n]));
 * assert.equal(tensor("float32", [2, 2]).data.length, 4);
 * assert.deepEqual(tensor("float16", [1], [1.5]).data, new Uint16Array([0x3e00]));
 * ```
 */
export function tensor<D extends DType>(
  dtype: D,
  dims: readonly number[],
  data?: TensorInit,
): Tensor<D> {
  if (!isDType(dtype)) {
    throw new TypeError(`Unknown dtype "${dtype}": expected one of ${DTYPES.join(", ")}`);
  }
  const n = numel(dims);
  const out = data === undefined ? emptyData(dtype, n) : toData(dtype, data);
  if (out.length !== n) {
    throw new RangeError(
      `Cannot make a ${dtype} tensor of dims [${
        dims.join(", ")
      }]: expected ${n} elements, got ${out.length}`,
    );
  }
  return { dtype, dims: [...dims], data: out as DTypeDataMap[D] };
}

/**
 * A scalar tensor (dims `[]`).
 *
 * @param dtype Element type.
 * @param value The value.
 * @returns The tensor.
 */
export function scalar<D extends DType>(
  dtype: D,
  value: number | bigint | boolean | string,
): Tensor<D> {
  return tensor(dtype, [], [value] as TensorInit);
}

function emptyData(dtype: DType, n: number): TensorData {
  if (dtype === "string") return new Array<string>(n).fill("");
  return new (arrayTypeOf(dtype)!)(n);
}

function toData(dtype: DType, data: TensorInit): TensorData {
  const Ctor = arrayTypeOf(dtype);
  if (Ctor === undefined) {
    if (Array.isArray(data) && data.every((s) => typeof s === "string")) return data as string[];
    throw new TypeError(`Cannot make a string tensor: data must be a list of strings`);
  }
  if (data instanceof Ctor) return data;
  const list = data as ArrayLike<unknown>;
  // NOTE: a Uint16Array is raw half bits (above); other numbers are values to convert.
  if (dtype === "float16") return float32ToFloat16(list as ArrayLike<number>);
  if (dtype === "bfloat16") return float32ToBfloat16(list as ArrayLike<number>);
  const out = new Ctor(list.length);
  const big = Ctor === BigInt64Array || Ctor === BigUint64Array;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v === "string") throw new TypeError(`Cannot make a ${dtype} tensor from strings`);
    if (big && typeof v === "number" && !Number.isInteger(v)) {
      throw new RangeError(`Cannot make a ${dtype} tensor: element ${i} is ${v}, not an integer`);
    }
    (out as unknown as unknown[])[i] = big ? BigInt(v as number) : Number(v);
  }
  return out;
}

/**
 * Converts to onnxruntime-node's `Tensor`, sharing the data where ORT takes the
 * same array (every dtype but the 4-bit ones, which ORT wants packed, and
 * bfloat16, which ORT's JavaScript API has no type for).
 *
 * @param t The tensor.
 * @returns An `ort.Tensor`.
 * @throws {TypeError} For bfloat16.
 */
export function toOrtTensor(t: Tensor): ort.Tensor {
  switch (t.dtype) {
    case "bfloat16":
      throw new TypeError(
        `Cannot pass a bfloat16 tensor to ONNX Runtime: convert it with bfloat16ToFloat32 first`,
      );
    case "int4":
    case "uint4":
      return new ort.Tensor(
        t.dtype,
        pack4(t.data as Int8Array | Uint8Array) as unknown as ort.Tensor.DataType,
        t.dims,
      );
    default:
      return new ort.Tensor(t.dtype, t.data as ort.Tensor.DataType, t.dims);
  }
}

/**
 * Converts an onnxruntime-node `Tensor` (on the CPU) to a `Tensor`, sharing its data
 * (4-bit types are unpacked into a new array).
 *
 * @param value An `ort.Tensor`.
 * @returns The tensor.
 * @throws {TypeError} For a dtype this layer does not hold.
 */
export function fromOrtTensor(value: ort.Tensor): Tensor {
  const dtype = value.type as DType;
  if (!isDType(dtype)) {
    throw new TypeError(`Cannot convert an ONNX Runtime tensor of type "${value.type}"`);
  }
  const dims = value.dims.map(Number);
  if (dtype === "int4" || dtype === "uint4") {
    return { dtype, dims, data: unpack4(value.data as Uint8Array, numel(dims), dtype === "int4") };
  }
  let data = value.data as TensorData;
  // ORT may hand float16 out as a Float16Array where the runtime has one; keep raw bits.
  if (dtype === "float16" && !(data instanceof Uint16Array)) {
    const view = data as unknown as ArrayBufferView;
    data = new Uint16Array(view.buffer, view.byteOffset, (data as ArrayLike<number>).length);
  }
  return { dtype, dims, data } as Tensor;
}

/**
 * Packs 4-bit values two per byte, low nibble first (ONNX's layout).
 *
 * @param values Unpacked values, one per element.
 * @returns Packed bytes, `ceil(n / 2)` long.
 */
export function pack4(values: Int8Array | Uint8Array): Uint8Array {
  const out = new Uint8Array((values.length + 1) >> 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! & 0x0f;
    out[i >> 1] |= i & 1 ? v << 4 : v;
  }
  return out;
}

/**
 * Unpacks 4-bit values stored two per byte, low nibble first.
 *
 * @param packed Packed bytes.
 * @param n Number of elements.
 * @param signed Whether to sign-extend (int4).
 * @returns One element per byte.
 */
export function unpack4(
  packed: Uint8Array | Int8Array,
  n: number,
  signed: boolean,
): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const byte = packed[i >> 1]! & 0xff;
    const v = i & 1 ? byte >> 4 : byte & 0x0f;
    out[i] = signed && v > 7 ? v - 16 : v;
  }
  return out;
}
