/**
 * Element types of tensors, named as ONNX Runtime's JavaScript API names them,
 * with their ONNX `TensorProto.DataType` codes and storage.
 *
 * @module
 */

/** An element type, spelled as onnxruntime-node spells it (`"float32"`, `"int64"`, …). */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "uint8"
  | "int4"
  | "uint4"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string";

/** The typed array (or string list) that holds the elements of each dtype. */
export interface DTypeDataMap {
  float32: Float32Array;
  float64: Float64Array;
  /** Raw IEEE half bits; see `float16ToFloat32`. */
  float16: Uint16Array;
  /** Raw bfloat16 bits; see `bfloat16ToFloat32`. */
  bfloat16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  /** Unpacked: one element per byte, values -8..7. */
  int4: Int8Array;
  /** Unpacked: one element per byte, values 0..15. */
  uint4: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  /** 0 or 1 per element. */
  bool: Uint8Array;
  string: string[];
}

/** The data of a tensor of any dtype. */
export type TensorData = DTypeDataMap[DType];

/** Numeric typed-array constructors (everything but `string`). */
export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

interface DTypeInfo {
  code: number;
  array: TypedArrayConstructor | undefined;
}

const INFO: Record<DType, DTypeInfo> = {
  float32: { code: 1, array: Float32Array },
  uint8: { code: 2, array: Uint8Array },
  int8: { code: 3, array: Int8Array },
  uint16: { code: 4, array: Uint16Array },
  int16: { code: 5, array: Int16Array },
  int32: { code: 6, array: Int32Array },
  int64: { code: 7, array: BigInt64Array },
  string: { code: 8, array: undefined },
  bool: { code: 9, array: Uint8Array },
  float16: { code: 10, array: Uint16Array },
  float64: { code: 11, array: Float64Array },
  uint32: { code: 12, array: Uint32Array },
  uint64: { code: 13, array: BigUint64Array },
  bfloat16: { code: 16, array: Uint16Array },
  uint4: { code: 21, array: Uint8Array },
  int4: { code: 22, array: Int8Array },
};

/** Every supported dtype, in ONNX code order. */
export const DTYPES: readonly DType[] = Object.freeze(
  (Object.keys(INFO) as DType[]).sort((a, b) => INFO[a].code - INFO[b].code),
);

const BY_CODE = new Map<number, DType>(DTYPES.map((d) => [INFO[d].code, d]));

/** ONNX names of data type codes, for messages about types we cannot hold. */
const ONNX_CODE_NAMES: Record<number, string> = {
  14: "COMPLEX64",
  15: "COMPLEX128",
  17: "FLOAT8E4M3FN",
  18: "FLOAT8E4M3FNUZ",
  19: "FLOAT8E5M2",
  20: "FLOAT8E5M2FNUZ",
  23: "FLOAT4E2M1",
  24: "FLOAT8E8M0",
  25: "UINT2",
  26: "INT2",
};

/**
 * Whether a value is one of the supported dtype names.
 *
 * @param value Anything.
 * @returns True for `"float32"`, `"int64"`, … .
 */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.hasOwn(INFO, value);
}

/**
 * The ONNX `TensorProto.DataType` code of a dtype.
 *
 * @param dtype A dtype name.
 * @returns The code (`"float32"` → 1, `"int64"` → 7).
 * @throws {TypeError} For an unknown dtype name.
 */
export function dtypeToOnnx(dtype: DType): number {
  if (!isDType(dtype)) {
    throw new TypeError(`Unknown dtype "${dtype}": expected one of ${DTYPES.join(", ")}`);
  }
  return INFO[dtype].code;
}

/**
 * The dtype of an ONNX `TensorProto.DataType` code.
 *
 * @param code An ONNX data type code.
 * @returns The dtype name, or undefined for 0 (undefined) and types this layer does not hold.
 */
export function dtypeFromOnnx(code: number): DType | undefined {
  return BY_CODE.get(code);
}

/**
 * A readable name for an ONNX data type code, including those without a dtype here.
 *
 * @param code An ONNX data type code.
 * @returns `"float32"`, or `"FLOAT8E5M2"`, or `"code 99"`.
 */
export function onnxTypeName(code: number): string {
  return BY_CODE.get(code) ?? ONNX_CODE_NAMES[code] ?? `code ${code}`;
}

/**
 * The typed-array constructor that stores a dtype (undefined for `"string"`).
 *
 * @param dtype A dtype name.
 * @returns The constructor, e.g. `BigInt64Array` for `"int64"`.
 */
export function arrayTypeOf(dtype: DType): TypedArrayConstructor | undefined {
  return INFO[dtype].array;
}

/** Whether a dtype is a floating-point type. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" ||
    dtype === "bfloat16";
}

/** Whether a dtype is an integer type (bool excluded). */
export function isIntDType(dtype: DType): boolean {
  return !isFloatDType(dtype) && dtype !== "bool" && dtype !== "string";
}

/** Whether elements of a dtype are stored as bigint (`int64`, `uint64`). */
export function isBigIntDType(dtype: DType): boolean {
  return dtype === "int64" || dtype === "uint64";
}
