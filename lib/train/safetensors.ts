/**
 * safetensors: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to `{dtype, shape, data_offsets}` (plus `__metadata__` of
 * strings), then the raw little-endian bytes, contiguous and without holes,
 * as PyTorch's `safetensors` loader expects.
 *
 * @module
 */

/** A tensor as the ONNX layer holds it: dtype name, dims and a flat typed array. */
export interface SafeTensor {
  dtype: string;
  dims: number[];
  data: ArrayBufferView;
}

const TO_ST: Record<string, string> = {
  float64: "F64",
  float32: "F32",
  float16: "F16",
  bfloat16: "BF16",
  int64: "I64",
  int32: "I32",
  int16: "I16",
  int8: "I8",
  uint64: "U64",
  uint32: "U32",
  uint16: "U16",
  uint8: "U8",
  bool: "BOOL",
};
const FROM_ST: Record<string, string> = Object.fromEntries(
  Object.entries(TO_ST).map(([k, v]) => [v, k]),
);
const ARRAYS: Record<string, new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  float64: Float64Array,
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};
const SIZES: Record<string, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

/**
 * Encodes named tensors as safetensors bytes.
 *
 * @param tensors tensors by name (the ONNX initializer names)
 * @param metadata optional string-to-string metadata
 * @returns the file bytes
 * @throws {TypeError} for a dtype safetensors cannot hold
 * @throws {RangeError} when data length disagrees with dims
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors({ w: { dtype: "float32", dims: [2], data: new Float32Array([1, 2]) } });
 * const back = decodeSafetensors(bytes, "w.safetensors");
 * assert.deepEqual(back.tensors.w.data, new Float32Array([1, 2]));
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    const st = TO_ST[t.dtype];
    if (!st) throw new TypeError(`Cannot save "${name}": dtype ${t.dtype} is not supported`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count * SIZES[t.dtype] !== t.data.byteLength) {
      throw new RangeError(
        `Cannot save "${name}": dims [${t.dims}] need ${count} elements, got ${
          t.data.byteLength / SIZES[t.dtype]
        }`,
      );
    }
    header[name] = { dtype: st, shape: t.dims, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

/** Decoded safetensors file. */
export interface DecodedSafetensors {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

/**
 * Decodes safetensors bytes; each tensor gets its own aligned copy of its data.
 *
 * @param bytes the file bytes
 * @param where the file path, for messages
 * @returns tensors by name and metadata
 * @throws {SyntaxError} naming the file when the header or offsets are malformed
 */
export function decodeSafetensors(bytes: Uint8Array, where: string): DecodedSafetensors {
  const bad = (msg: string) => new SyntaxError(`${where}: not a safetensors file: ${msg}`);
  if (bytes.length < 8) throw bad("shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) throw bad(`header length ${n} exceeds the file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw bad(`header is not JSON (${(err as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const dtype = FROM_ST[info?.dtype];
    if (!dtype) throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(info?.dtype)}`);
    const [begin, end] = info.data_offsets ?? [];
    const count = (info.shape ?? []).reduce((a: number, b: number) => a * b, 1);
    if (!(begin >= 0 && end <= dataLen && end - begin === count * SIZES[dtype])) {
      throw bad(`tensor "${name}" has data_offsets [${begin}, ${end}] that do not fit its shape`);
    }
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors[name] = {
      dtype,
      dims: [...info.shape],
      data: new ARRAYS[dtype](copy.buffer, 0, count),
    };
  }
  return { tensors, metadata };
}
