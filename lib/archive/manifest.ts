/**
 * `MAR-INF/MANIFEST.json` in TorchServe's layout. The model version comes only
 * from here, as in TorchServe.
 *
 * @module
 */
import { ArchiveFormatError } from "./errors.ts";

/** Version of the archiver written into `archiverVersion`. */
export const ARCHIVER_VERSION = "0.1.0";

/** The `model` block of a manifest (TorchServe's field names). */
export interface ManifestModel {
  modelName: string;
  modelVersion: string;
  serializedFile: string;
  handler: string;
  description?: string;
  modelFile?: string;
  requirementsFile?: string;
  configFile?: string;
}

/** `MAR-INF/MANIFEST.json`. */
export interface Manifest {
  createdOn: string;
  runtime: string;
  archiverVersion: string;
  description?: string;
  model: ManifestModel;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** Formats a date as TorchServe's archiver does: `DD/MM/YYYY HH:MM:SS`. */
export function formatCreatedOn(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(date.getDate())}/${p(date.getMonth() + 1)}/${date.getFullYear()} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** Options of {@linkcode createManifest}. */
export interface CreateManifestOptions {
  modelVersion?: string;
  handler?: string;
  serializedFile?: string;
  description?: string;
  createdOn?: Date;
}

/**
 * Builds a manifest for an ONNX model archive.
 *
 * @param modelName the served model name (letters, digits, `_`, `.`, `-`)
 * @param options version (default "1.0"), handler, serialized file name
 * @returns the manifest
 * @throws {RangeError} when the name or version has characters TorchServe refuses
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createManifest } from "./manifest.ts";
 * const m = createManifest("digits", { modelVersion: "2.0" });
 * assert.equal(m.model.serializedFile, "model.onnx");
 * assert.equal(m.model.modelVersion, "2.0");
 * ```
 */
export function createManifest(modelName: string, options: CreateManifestOptions = {}): Manifest {
  const {
    modelVersion = "1.0",
    handler = "image_classifier",
    serializedFile = "model.onnx",
    description,
    createdOn = new Date(),
  } = options;
  checkName(modelName, modelVersion);
  const model: ManifestModel = { modelName, serializedFile, handler, modelVersion };
  if (description) model.description = description;
  return {
    createdOn: formatCreatedOn(createdOn),
    runtime: "python",
    archiverVersion: ARCHIVER_VERSION,
    model,
  };
}

function checkName(modelName: string, modelVersion: string): void {
  if (!NAME_RE.test(modelName)) {
    throw new RangeError(
      `Invalid model name ${JSON.stringify(modelName)}: use letters, digits, "_", "." and "-"`,
    );
  }
  if (!VERSION_RE.test(modelVersion)) {
    throw new RangeError(
      `Invalid model version ${JSON.stringify(modelVersion)}: use letters, digits and "._+-"`,
    );
  }
}

/**
 * Parses and checks `MAR-INF/MANIFEST.json` text.
 *
 * @param text the file's text
 * @param where the archive path, for messages
 * @returns the manifest
 * @throws {ArchiveFormatError} when it is not JSON or lacks a required field
 */
export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ArchiveFormatError(where, `MAR-INF/MANIFEST.json is not JSON: ${message(err)}`, {
      cause: err,
    });
  }
  const m = raw as Partial<Manifest>;
  if (typeof m !== "object" || m === null || typeof m.model !== "object" || m.model === null) {
    throw new ArchiveFormatError(where, `MAR-INF/MANIFEST.json has no "model" object`);
  }
  for (const key of ["modelName", "serializedFile", "handler"] as const) {
    if (typeof m.model[key] !== "string" || m.model[key] === "") {
      throw new ArchiveFormatError(where, `MAR-INF/MANIFEST.json lacks "model.${key}"`);
    }
  }
  // TorchServe treats a missing version as "1.0".
  const model = {
    ...m.model,
    modelVersion: String(m.model.modelVersion ?? "1.0"),
  } as ManifestModel;
  return {
    createdOn: String(m.createdOn ?? ""),
    runtime: String(m.runtime ?? "python"),
    archiverVersion: String(m.archiverVersion ?? ""),
    ...(m.description ? { description: m.description } : {}),
    model,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
