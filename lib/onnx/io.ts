/**
 * Reading and writing `.onnx` files and bytes, with external data.
 *
 * @module
 */

import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "onnx-buf";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { OnnxFormatError } from "./errors.ts";
import type { Model } from "./model.ts";
import { ExternalReader, ExternalWriter, safeLocation } from "./_external.ts";
import { modelFromProto } from "./_proto.ts";
import { concatChunks, modelToChunks, writeChunks } from "./_chunks.ts";
import { rawByteLength } from "./_tensor_proto.ts";

/** Protobuf messages cannot exceed 2 GiB; keep a margin for the graph itself. */
const PROTO_LIMIT = 2 ** 31 - 1;

/** Options of `modelFromBytes` and `loadModel`. */
export interface LoadOptions {
  /** Folder of external data files (defaults to the model file's folder). */
  baseDir?: string;
  /** Name used in error messages (defaults to the path, or `"<bytes>"`). */
  name?: string;
}

/** Options of `saveModel`. */
export interface SaveOptions {
  /**
   * Write tensors of at least `threshold` bytes (default 1024) to the file
   * `location` (default `<model file name>.data`) beside the model. `true`
   * takes both defaults.
   */
  externalData?: boolean | { threshold?: number; location?: string };
}

/**
 * Parses a model from bytes.
 *
 * @param bytes The `.onnx` bytes.
 * @param options `name` for messages; `baseDir` where external data lives.
 * @returns The model.
 * @throws {OnnxFormatError} For bytes that are not a valid model, naming `name` and the problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, modelToBytes } from "./mod.ts";
 * const g = new GraphBuilder();
 * g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: [2] })]), "y");
 * const model = modelFromBytes(modelToBytes(g.build()));
 * assert.equal(model.graph.nodes[0]!.opType, "Relu");
 * ```
 */
export function modelFromBytes(bytes: Uint8Array, options: LoadOptions = {}): Model {
  const name = options.name ?? "<bytes>";
  if (bytes.byteLength === 0) throw new OnnxFormatError(name, "the file is empty");
  let mp;
  try {
    mp = fromBinary(ModelProtoSchema, bytes);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new OnnxFormatError(
      name,
      `not a valid ONNX model, the file may be truncated or corrupt (${detail})`,
      {
        cause: err,
      },
    );
  }
  if (!mp.graph) {
    throw new OnnxFormatError(
      name,
      "not an ONNX model: it has no graph (truncated or not a model file)",
    );
  }
  if (mp.irVersion <= 0n) {
    throw new OnnxFormatError(name, "not an ONNX model: it has no ir_version");
  }
  if (mp.irVersion >= 3n && mp.opsetImport.length === 0) {
    throw new OnnxFormatError(name, "it has no opset_import, the file may be truncated");
  }
  const external = options.baseDir !== undefined ? new ExternalReader(options.baseDir) : undefined;
  try {
    return modelFromProto(mp, { external });
  } catch (err) {
    throw new OnnxFormatError(name, (err as Error).message, { cause: err });
  } finally {
    external?.close();
  }
}

/**
 * Reads a model from a file (external data from its folder) or from bytes.
 *
 * @param source A path, a `file:` URL, or the bytes.
 * @param options `baseDir` for external data; `name` for messages.
 * @returns The model.
 * @throws {OnnxFormatError} For a file that is not a valid model.
 * @throws {Error} When the file cannot be read (`cause` is the system error).
 */
export async function loadModel(
  source: string | URL | Uint8Array,
  options: LoadOptions = {},
): Promise<Model> {
  if (source instanceof Uint8Array) return modelFromBytes(source, options);
  const file = source instanceof URL ? fileURLToPath(source) : source;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    throw new Error(`Cannot read "${file}": ${why}`, { cause: err });
  }
  return modelFromBytes(bytes, {
    name: options.name ?? file,
    baseDir: options.baseDir ?? path.dirname(file),
  });
}

/**
 * Serializes a model with all tensor data inline.
 *
 * @param model The model.
 * @returns The `.onnx` bytes.
 * @throws {RangeError} When the model would exceed protobuf's 2 GiB limit (save it with `externalData`).
 * @throws {RangeError} On a cycle in the graph.
 */
export function modelToBytes(model: Model): Uint8Array {
  checkInlineSize(model);
  const { chunks, size: total } = modelToChunks(model);
  return concatChunks(chunks, total);
}

/**
 * Writes a model to a file, atomically (temporary file, then rename), with
 * large tensors in an external data file when asked.
 *
 * @param model The model.
 * @param file Destination path.
 * @param options `externalData`: `true` or `{ threshold, location }`.
 * @throws {RangeError} When the model is over 2 GiB without `externalData`, or the location is unsafe.
 */
export async function saveModel(
  model: Model,
  file: string,
  options: SaveOptions = {},
): Promise<void> {
  const ext = options.externalData;
  if (!ext) {
    checkInlineSize(model);
    const { chunks } = modelToChunks(model);
    await atomicWrite(file, (tmp) => writeChunks(tmp, chunks));
    return;
  }
  const { threshold = 1024, location = `${path.basename(file)}.data` } = ext === true ? {} : ext;
  if (safeLocation(location) !== location || location.includes("/") || location.includes("\\")) {
    throw new RangeError(
      `Invalid external data location "${location}": expected a plain file name`,
    );
  }
  const dataFile = path.join(path.dirname(file), location);
  const dataTmp = tempName(dataFile);
  const modelTmp = tempName(file);
  try {
    const writer = new ExternalWriter(dataTmp, location, threshold);
    let chunks: Uint8Array[];
    try {
      chunks = modelToChunks(model, writer).chunks;
    } finally {
      writer.close();
    }
    await writeChunks(modelTmp, chunks);
    await Deno.rename(dataTmp, dataFile);
    await Deno.rename(modelTmp, file);
  } catch (err) {
    await Deno.remove(dataTmp).catch(() => {});
    await Deno.remove(modelTmp).catch(() => {});
    throw err;
  }
}

function tempName(file: string): string {
  return `${file}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

async function atomicWrite(
  file: string,
  write: (tmp: string) => Promise<void> | void,
): Promise<void> {
  const tmp = tempName(file);
  try {
    await write(tmp);
    await Deno.rename(tmp, file);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

function checkInlineSize(model: Model): void {
  const size = inlineBytes(model);
  if (size > PROTO_LIMIT) {
    throw new RangeError(
      `Cannot serialize model "${model.graph.name}": its tensors hold ${size} bytes, over protobuf's 2 GiB limit: save it with externalData`,
    );
  }
}

function inlineBytes(model: Model): number {
  let n = 0;
  for (const t of model.graph.initializers.values()) n += rawByteLength(t);
  for (const node of model.graph.nodes) {
    for (const a of node.attrs.values()) if (a.type === "tensor") n += rawByteLength(a.value);
  }
  return n;
}
