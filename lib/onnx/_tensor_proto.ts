// TensorProto <-> Tensor, for every dtype, with raw, typed-field and external data.

import { create } from "@bufbuild/protobuf";
import {
  StringStringEntryProtoSchema,
  type TensorProto,
  TensorProto_DataLocation,
  TensorProtoSchema,
} from "onnx-buf";
import {
  arrayTypeOf,
  type DType,
  dtypeFromOnnx,
  dtypeToOnnx,
  onnxTypeName,
  type TensorData,
} from "./dtype.ts";
import { numel, pack4, type Tensor, unpack4 } from "./tensor.ts";
import { type ExternalReader, type ExternalWriter, safeLocation } from "./_external.ts";

const UTF8 = new TextEncoder();
const UTF8_DECODE = new TextDecoder();

/** What reading tensors needs: a name for messages and where external data lives. */
export interface TensorReadContext {
  external?: ExternalReader;
}

/** Reads a TensorProto; throws a plain Error with the detail (callers add the file). */
export function tensorFromProto(tp: TensorProto, ctx: TensorReadContext = {}): Tensor {
  const what = `tensor "${tp.name}"`;
  const dtype = dtypeFromOnnx(tp.dataType);
  if (dtype === undefined) {
    throw new TypeError(
      `${what} has data type ${onnxTypeName(tp.dataType)}, which is not supported`,
    );
  }
  if (tp.segment) {
    throw new TypeError(`${what} is a segment of a larger tensor, which is not supported`);
  }
  const dims = tp.dims.map((d) => {
    const n = Number(d);
    if (n < 0) throw new RangeError(`${what} has a negative dim ${n}`);
    return n;
  });
  const n = numel(dims);
  let data: TensorData;
  if (tp.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    data = readExternal(tp, dtype, n, ctx.external);
  } else if (tp.rawData.length > 0 || (n === 0 && dtype !== "string")) {
    data = decodeRaw(dtype, tp.rawData, n, what);
  } else {
    data = decodeFields(tp, dtype, n);
  }
  if (data.length !== n) {
    throw new RangeError(
      `${what} of dims [${dims.join(", ")}] should hold ${n} elements, has ${data.length}`,
    );
  }
  return { dtype, dims, data } as Tensor;
}

/** Writes a Tensor as a TensorProto, putting large data in the external file when given. */
export function tensorToProto(name: string, t: Tensor, external?: ExternalWriter): TensorProto {
  const tp = create(TensorProtoSchema, {
    name,
    dataType: dtypeToOnnx(t.dtype),
    dims: t.dims.map(BigInt),
  });
  if (t.dtype === "string") {
    tp.stringData = (t.data as string[]).map((s) => UTF8.encode(s) as Uint8Array<ArrayBuffer>);
    return tp;
  }
  const bytes = rawBytes(t);
  if (external && bytes.byteLength >= external.threshold) {
    const offset = external.write(bytes);
    tp.dataLocation = TensorProto_DataLocation.EXTERNAL;
    tp.externalData = [
      create(StringStringEntryProtoSchema, { key: "location", value: external.location }),
      create(StringStringEntryProtoSchema, { key: "offset", value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: "length", value: String(bytes.byteLength) }),
    ];
  } else {
    tp.rawData = bytes;
  }
  return tp;
}

/** Bytes of a tensor as ONNX stores them (4-bit types packed); a view where possible. */
export function rawBytes(t: Tensor): Uint8Array<ArrayBuffer> {
  if (t.dtype === "int4" || t.dtype === "uint4") {
    const packed = pack4(t.data as Int8Array | Uint8Array);
    return new Uint8Array(packed.buffer as ArrayBuffer, packed.byteOffset, packed.byteLength);
  }
  const a = t.data as Exclude<TensorData, string[]>;
  return new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
}

/** Byte length of a tensor's stored data (0 for strings). */
export function rawByteLength(t: Tensor): number {
  if (t.dtype === "string") return 0;
  if (t.dtype === "int4" || t.dtype === "uint4") return (t.data.length + 1) >> 1;
  return (t.data as Exclude<TensorData, string[]>).byteLength;
}

function bytesPerElement(dtype: DType): number {
  return arrayTypeOf(dtype)!.BYTES_PER_ELEMENT;
}

function decodeRaw(dtype: DType, raw: Uint8Array, n: number, what: string): TensorData {
  if (dtype === "string") throw new TypeError(`${what} is a string tensor with raw data`);
  if (dtype === "int4" || dtype === "uint4") {
    if (raw.byteLength !== (n + 1) >> 1) throw rawSizeError(what, (n + 1) >> 1, raw.byteLength);
    return unpack4(raw, n, dtype === "int4");
  }
  const size = bytesPerElement(dtype);
  if (raw.byteLength !== n * size) throw rawSizeError(what, n * size, raw.byteLength);
  const Ctor = arrayTypeOf(dtype)!;
  return new Ctor(raw.slice().buffer);
}

function rawSizeError(what: string, want: number, got: number): RangeError {
  return new RangeError(`${what} should have ${want} bytes of raw data, has ${got}`);
}

function decodeFields(tp: TensorProto, dtype: DType, n: number): TensorData {
  switch (dtype) {
    case "float32":
      return Float32Array.from(tp.floatData);
    case "float64":
      return Float64Array.from(tp.doubleData);
    case "int64":
      return BigInt64Array.from(tp.int64Data);
    case "uint64":
      return BigUint64Array.from(tp.uint64Data);
    case "uint32":
      return Uint32Array.from(tp.uint64Data, Number);
    case "string":
      return tp.stringData.map((b) => UTF8_DECODE.decode(b));
    case "int4":
    case "uint4":
      return unpack4(Uint8Array.from(tp.int32Data), n, dtype === "int4");
    default: // int8/16/32, uint8/16, bool, float16/bfloat16 bits: all in int32_data
      return (arrayTypeOf(dtype) as Int32ArrayConstructor).from(tp.int32Data);
  }
}

function readExternal(
  tp: TensorProto,
  dtype: DType,
  n: number,
  reader?: ExternalReader,
): TensorData {
  const what = `tensor "${tp.name}"`;
  const info = new Map(tp.externalData.map((e) => [e.key, e.value]));
  const location = info.get("location") ?? "";
  if (!reader) {
    throw new TypeError(
      `${what} keeps its data in external file "${location}", but no baseDir was given`,
    );
  }
  const safe = safeLocation(location);
  if (safe === undefined) {
    throw new RangeError(
      `${what} has external data location "${location}": it must be a relative path inside the model's folder`,
    );
  }
  if (dtype === "string") throw new TypeError(`${what} is a string tensor with external data`);
  const offset = Number(info.get("offset") ?? 0);
  const want = dtype === "int4" || dtype === "uint4" ? (n + 1) >> 1 : n * bytesPerElement(dtype);
  const length = info.has("length") ? Number(info.get("length")) : want;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length)) {
    throw new RangeError(
      `${what} has invalid external offset "${info.get("offset")}" or length "${
        info.get("length")
      }"`,
    );
  }
  if (length !== want) throw rawSizeError(what, want, length);
  let size: number;
  try {
    size = reader.size(safe);
  } catch (err) {
    throw new Error(`${what}: cannot open external data file "${safe}"`, { cause: err });
  }
  if (offset + length > size) {
    throw new RangeError(
      `${what}: external data file "${safe}" is too short (needs bytes ${offset}..${
        offset + length
      }, has ${size})`,
    );
  }
  if (dtype === "int4" || dtype === "uint4") {
    const packed = new Uint8Array(length);
    reader.readInto(safe, offset, packed);
    return unpack4(packed, n, dtype === "int4");
  }
  const out = new (arrayTypeOf(dtype)!)(n);
  reader.readInto(safe, offset, new Uint8Array(out.buffer, 0, length));
  return out;
}
