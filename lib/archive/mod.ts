/**
 * Model archives (`.mar`) laid out as TorchServe's: read, write, verify.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { archiveFromBytes, archiveToBytes, createManifest } from "./mod.ts";
 * const mar = archiveToBytes({
 *   manifest: createManifest("digits", { modelVersion: "3.0" }),
 *   model: new Uint8Array([8]),
 *   labels: ["0", "1"],
 *   handler: { handler: "tensor", input: { name: "x", dims: ["N", 2] }, output: { name: "y" } },
 * });
 * assert.equal(archiveFromBytes(mar, "d.mar").manifest.model.modelVersion, "3.0");
 * ```
 *
 * @module
 */

export { ArchiveFormatError } from "./errors.ts";
export {
  ARCHIVER_VERSION,
  createManifest,
  type CreateManifestOptions,
  formatCreatedOn,
  type Manifest,
  type ManifestModel,
  parseManifest,
} from "./manifest.ts";
export {
  checkHandlerSpec,
  type HandlerName,
  HANDLERS,
  type HandlerSpec,
  inputImageSize,
  type PostprocessSpec,
  type PreprocessSpec,
} from "./handler_spec.ts";
export {
  archiveFromBytes,
  archiveToBytes,
  CHECKSUMS_PATH,
  MANIFEST_PATH,
  type ModelArchive,
  readArchive,
  sha256Hex,
  unzipArchive,
  verifyArchive,
  type VerifyReport,
  writeArchive,
} from "./mar.ts";
export {
  type ArchiveIdentity,
  type ArchivePlan,
  listStore,
  planArchive,
  runArchiveIdentity,
  type StoredArchive,
} from "./store.ts";
export {
  exportTriton,
  kserveManifest,
  tritonConfig,
  type TritonOptions,
  tritonVersion,
} from "./triton.ts";
