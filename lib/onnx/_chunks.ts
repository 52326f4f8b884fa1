// Serializes a model as a list of byte chunks so that tensor data is never
// copied: the message is written by protobuf-es except the initializers'
// raw data, which is spliced in as its own chunks (protobuf accepts fields in
// any order, and the graph's repeated `initializer` field may follow the rest).

import { clearField, toBinary } from "@bufbuild/protobuf";
import { GraphProtoSchema, ModelProtoSchema, TensorProtoSchema } from "onnx-buf";
import type { Model } from "./model.ts";
import type { ExternalWriter } from "./_external.ts";
import { modelToProto } from "./_proto.ts";
import { tensorToProto } from "./_tensor_proto.ts";

const MODEL_GRAPH = (7 << 3) | 2;
const GRAPH_INITIALIZER = (5 << 3) | 2;
const TENSOR_RAW_DATA = (9 << 3) | 2;

/** The model's bytes as chunks whose concatenation is a valid ModelProto. */
export function modelToChunks(
  model: Model,
  external?: ExternalWriter,
): { chunks: Uint8Array[]; size: number } {
  const proto = modelToProto(model, external, { initializers: false });
  const graph = proto.graph!;
  clearField(proto, ModelProtoSchema.field.graph);
  const graphHead = toBinary(GraphProtoSchema, graph);
  const body: Uint8Array[] = [graphHead];
  let graphLen = graphHead.byteLength;
  for (const [name, t] of model.graph.initializers) {
    const tp = tensorToProto(name, t, external);
    const raw = tp.rawData;
    clearField(tp, TensorProtoSchema.field.rawData);
    const meta = toBinary(TensorProtoSchema, tp);
    const rawHead = raw.byteLength > 0
      ? header(TENSOR_RAW_DATA, raw.byteLength)
      : new Uint8Array(0);
    const len = meta.byteLength + rawHead.byteLength + raw.byteLength;
    const head = header(GRAPH_INITIALIZER, len);
    body.push(head, meta, rawHead, raw);
    graphLen += head.byteLength + len;
  }
  const chunks = [toBinary(ModelProtoSchema, proto), header(MODEL_GRAPH, graphLen), ...body];
  return { chunks, size: chunks.reduce((n, c) => n + c.byteLength, 0) };
}

/** A field tag followed by a length, as varints (lengths may exceed 2^32). */
function header(tag: number, length: number): Uint8Array {
  const out: number[] = [tag];
  let v = length;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Concatenates chunks into one buffer. */
export function concatChunks(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Writes chunks to a file in order. */
export async function writeChunks(file: string, chunks: Uint8Array[]): Promise<void> {
  using f = await Deno.open(file, { write: true, create: true, truncate: true });
  for (const c of chunks) {
    let done = 0;
    while (done < c.byteLength) done += await f.write(c.subarray(done));
  }
}
