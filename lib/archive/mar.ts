/**
 * Model archives (`.mar`): a zip laid out as TorchServe's, holding an ONNX
 * model, its labels, its pre/post-processing spec, the run's params and
 * metrics, and the sha256 of every file. Writes are atomic (temp + rename).
 *
 * @module
 */
import { strFromU8, strToU8, unzipSync, type Zippable, zipSync } from "fflate";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { ArchiveFormatError } from "./errors.ts";
import { checkHandlerSpec, type HandlerSpec } from "./handler_spec.ts";
import { type Manifest, parseManifest } from "./manifest.ts";

/** Path of the manifest inside an archive. */
export const MANIFEST_PATH = "MAR-INF/MANIFEST.json";
/** Per-file sha256 digests, checked by {@linkcode verifyArchive}. */
export const CHECKSUMS_PATH = "MAR-INF/checksums.json";

/** What an archive holds, decoded. */
export interface ModelArchive {
  manifest: Manifest;
  /** Bytes of the serialized file (`model.onnx`). */
  model: Uint8Array;
  /** Class names by index, from `index_to_name.json`. */
  labels: string[];
  handler: HandlerSpec;
  /** The training run's parameters (`params.json`), if any. */
  params?: Record<string, unknown>;
  /** Figures such as accuracy, latency and size (`metrics.json`), if any. */
  metrics?: Record<string, unknown>;
  /** Any other files, by path. */
  extraFiles?: Record<string, Uint8Array>;
}

/** Hex sha256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Encodes an archive as zip bytes.
 *
 * @param archive the contents
 * @returns the `.mar` bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archiveToBytes, archiveFromBytes, createManifest } from "./mod.ts";
 * const bytes = archiveToBytes({
 *   manifest: createManifest("digits"),
 *   model: new Uint8Array([1, 2, 3]),
 *   labels: ["zero", "one"],
 *   handler: { handler: "tensor", input: { name: "x", dims: ["N", 2] }, output: { name: "y" } },
 * });
 * assert.deepEqual(archiveFromBytes(bytes, "digits.mar").labels, ["zero", "one"]);
 * ```
 */
export function archiveToBytes(archive: ModelArchive): Uint8Array {
  const files: Record<string, Uint8Array> = {
    [archive.manifest.model.serializedFile]: archive.model,
    "index_to_name.json": json(Object.fromEntries(archive.labels.map((l, i) => [String(i), l]))),
    "handler.json": json(archive.handler),
    ...archive.extraFiles,
  };
  if (archive.params) files["params.json"] = json(archive.params);
  if (archive.metrics) files["metrics.json"] = json(archive.metrics);
  const sums = Object.fromEntries(Object.entries(files).map(([p, b]) => [p, sha256Hex(b)]));
  const zip: Zippable = {};
  for (const [path, bytes] of Object.entries(files)) {
    // Weights barely compress; store them so that reading is a copy.
    zip[path] = [bytes, { level: path.endsWith(".onnx") ? 0 : 6 }];
  }
  zip[MANIFEST_PATH] = [json(archive.manifest), { level: 6 }];
  zip[CHECKSUMS_PATH] = [json(sums), { level: 6 }];
  return zipSync(zip);
}

function json(value: unknown): Uint8Array {
  return strToU8(JSON.stringify(value, null, 2) + "\n");
}

/**
 * Writes an archive atomically: to a temporary file beside `path`, then renamed.
 *
 * @param path destination `.mar` path
 * @param archive the contents
 */
export async function writeArchive(path: string, archive: ModelArchive): Promise<void> {
  const bytes = archiveToBytes(archive);
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${Deno.pid}.${Date.now()}.tmp`);
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Raw files of an archive, for verification and inspection. */
export function unzipArchive(bytes: Uint8Array, where: string): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new ArchiveFormatError(where, `not a readable zip archive: ${String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Decodes archive bytes.
 *
 * @param bytes `.mar` bytes
 * @param where the archive path, for messages
 * @returns the contents
 * @throws {ArchiveFormatError} naming the missing or malformed file
 */
export function archiveFromBytes(bytes: Uint8Array, where: string): ModelArchive {
  return decodeFiles(unzipArchive(bytes, where), where);
}

function decodeFiles(files: Record<string, Uint8Array>, where: string): ModelArchive {
  const need = (path: string) => {
    const f = files[path];
    if (!f) throw new ArchiveFormatError(where, `missing ${path}`);
    return f;
  };
  const manifest = parseManifest(strFromU8(need(MANIFEST_PATH)), where);
  const model = need(manifest.model.serializedFile);
  const labels = parseLabels(
    readJson(need("index_to_name.json"), "index_to_name.json", where),
    where,
  );
  const handler = checkHandlerSpec(readJson(need("handler.json"), "handler.json", where), where);
  const known = new Set([
    MANIFEST_PATH,
    CHECKSUMS_PATH,
    manifest.model.serializedFile,
    "index_to_name.json",
    "handler.json",
    "params.json",
    "metrics.json",
  ]);
  const extra = Object.entries(files).filter(([p]) => !known.has(p) && !p.endsWith("/"));
  const archive: ModelArchive = { manifest, model, labels, handler };
  if (files["params.json"]) archive.params = readJson(files["params.json"], "params.json", where);
  if (files["metrics.json"]) {
    archive.metrics = readJson(files["metrics.json"], "metrics.json", where);
  }
  if (extra.length > 0) archive.extraFiles = Object.fromEntries(extra);
  return archive;
}

// deno-lint-ignore no-explicit-any
function readJson(bytes: Uint8Array, path: string, where: string): any {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch (err) {
    throw new ArchiveFormatError(where, `${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function parseLabels(raw: unknown, where: string): string[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ArchiveFormatError(where, `index_to_name.json must map "0", "1", … to names`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const labels: string[] = new Array(entries.length);
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length) {
      throw new ArchiveFormatError(
        where,
        `index_to_name.json: key ${JSON.stringify(k)} is not 0…${entries.length - 1}`,
      );
    }
    // TorchServe allows [synset, name] pairs; the name is what clients see.
    labels[i] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  }
  return labels;
}

/**
 * Reads an archive file.
 *
 * @param path a `.mar` file
 * @returns the contents
 * @throws {ArchiveFormatError} when the file is missing, not a zip, or lacks a required file
 */
export async function readArchive(path: string): Promise<ModelArchive> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : String(err);
    throw new ArchiveFormatError(path, `cannot read archive: ${why}`, { cause: err });
  }
  return archiveFromBytes(bytes, path);
}

/** What {@linkcode verifyArchive} found. */
export interface VerifyReport {
  ok: boolean;
  problems: string[];
  archive?: ModelArchive;
}

/**
 * Verifies an archive: readable zip, required files, handler spec, and that
 * every file's sha256 matches `MAR-INF/checksums.json`.
 *
 * @param bytes `.mar` bytes
 * @param where the archive path, for messages
 * @returns `ok` and one line per problem
 */
export function verifyArchive(bytes: Uint8Array, where: string): VerifyReport {
  let files: Record<string, Uint8Array>;
  let archive: ModelArchive;
  try {
    files = unzipArchive(bytes, where);
    archive = decodeFiles(files, where);
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] };
  }
  const problems: string[] = [];
  const sumsFile = files[CHECKSUMS_PATH];
  if (!sumsFile) {
    problems.push(`${where}: missing ${CHECKSUMS_PATH}`);
  } else {
    const sums = readJson(sumsFile, CHECKSUMS_PATH, where) as Record<string, string>;
    for (const [path, want] of Object.entries(sums)) {
      const f = files[path];
      if (!f) problems.push(`${where}: missing ${path} (listed in ${CHECKSUMS_PATH})`);
      else if (sha256Hex(f) !== want) problems.push(`${where}: sha256 of ${path} differs`);
    }
  }
  return { ok: problems.length === 0, problems, archive };
}
