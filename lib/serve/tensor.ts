/**
 * Tensors as the server moves them around: a flat typed array plus `dims`,
 * with the row (batch-dimension) helpers dynamic batching needs and the
 * conversions to and from JSON (the `tensor` handler and KServe v2).
 *
 * @module
 */
import { ServeError } from "./errors.ts";

/** Element types the server accepts (ONNX spelling). */
export type DType =
  | "float32"
  | "float64"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool";

/** Typed arrays backing a {@linkcode Tensor}. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A dense tensor: row-major `data` of `dims`. */
export interface Tensor {
  /** Element type. */
  dtype: DType;
  /** Sizes, batch dimension first. */
  dims: number[];
  /** Row-major elements. */
  data: TensorData;
}

// deno-lint-ignore no-explicit-any
const ARRAYS: Record<DType, new (n: number | ArrayBuffer) => any> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** KServe v2 (Open Inference Protocol) datatype names by dtype. */
export const OIP_DATATYPES: Record<DType, string> = {
  float32: "FP32",
  float64: "FP64",
  int8: "INT8",
  uint8: "UINT8",
  int16: "INT16",
  uint16: "UINT16",
  int32: "INT32",
  uint32: "UINT32",
  int64: "INT64",
  uint64: "UINT64",
  bool: "BOOL",
};

const FROM_OIP: Record<string, DType> = Object.fromEntries(
  Object.entries(OIP_DATATYPES).map(([k, v]) => [v, k as DType]),
);

/** Whether `dtype` is one the server handles. */
export function isDType(dtype: unknown): dtype is DType {
  return typeof dtype === "string" && dtype in ARRAYS;
}

/** The dtype for a KServe v2 datatype name, or undefined. */
export function dtypeFromOip(datatype: string): DType | undefined {
  return FROM_OIP[datatype];
}

/** A zero-filled array of `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TensorData {
  return new ARRAYS[dtype](n);
}

/** Number of elements of `dims`. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Concatenates tensors along dim 0 into one freshly allocated tensor.
 *
 * @param parts tensors of one dtype whose dims agree after dim 0
 * @returns the concatenation
 */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  let rows = 0;
  let total = 0;
  for (const p of parts) {
    rows += p.dims[0]!;
    total += p.data.length;
  }
  const data = allocate(first.dtype, total);
  let offset = 0;
  for (const p of parts) {
    // deno-lint-ignore no-explicit-any
    (data as any).set(p.data, offset);
    offset += p.data.length;
  }
  return { dtype: first.dtype, dims: [rows, ...first.dims.slice(1)], data };
}

/**
 * Rows `[start, start + rows)` of a tensor along dim 0, as a view.
 *
 * @param t the tensor
 * @param start first row
 * @param rows how many rows
 * @returns a tensor sharing `t`'s buffer
 */
export function sliceRows(t: Tensor, start: number, rows: number): Tensor {
  const per = t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
  const data = t.data.subarray(start * per, (start + rows) * per) as TensorData;
  return { dtype: t.dtype, dims: [rows, ...t.dims.slice(1)], data };
}

/**
 * Builds a tensor from JSON values: a flat list with `dims`, or nested lists
 * (dims then come from the nesting when `dims` is undefined).
 *
 * @param dtype element type
 * @param dims dims, or undefined to infer them from nesting
 * @param values flat or nested numbers (booleans for bool)
 * @param what the input's name, for messages
 * @returns the tensor
 * @throws {ServeError} 400 when the shape or the values do not fit
 */
export function tensorFromJson(
  dtype: DType,
  dims: number[] | undefined,
  values: unknown,
  what: string,
): Tensor {
  const nested = inferDims(values);
  const shape = dims ?? nested;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw ServeError.badRequest(`Invalid shape of "${what}": [${shape.join(",")}]`);
  }
  const flat = Array.isArray(values) ? (values as unknown[]).flat(Infinity) : [values];
  const n = elementCount(shape);
  if (flat.length !== n) {
    throw ServeError.badRequest(
      `Invalid data of "${what}": shape [${shape.join(",")}] needs ${n} values, got ${flat.length}`,
    );
  }
  const data = allocate(dtype, n);
  const big = dtype === "int64" || dtype === "uint64";
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    const num = typeof v === "boolean" ? Number(v) : v;
    if (typeof num !== "number" || !Number.isFinite(num) && !dtype.startsWith("float")) {
      throw ServeError.badRequest(
        `Invalid data of "${what}": element ${i} is ${JSON.stringify(v)}, expected a number`,
      );
    }
    // deno-lint-ignore no-explicit-any
    (data as any)[i] = big ? BigInt(Math.trunc(num)) : num;
  }
  return { dtype, dims: shape, data };
}

function inferDims(values: unknown): number[] {
  const dims: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    dims.push(v.length);
    v = v[0];
  }
  return dims;
}

/** Flat JSON-ready values of a tensor (int64 as numbers, bool as booleans). */
export function tensorToJson(t: Tensor): number[] | boolean[] {
  const out = new Array(t.data.length);
  if (t.dtype === "bool") {
    for (let i = 0; i < out.length; i++) out[i] = t.data[i] !== 0;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  }
  return out;
}
