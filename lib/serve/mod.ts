/**
 * The model server: TorchServe's inference, management and metrics APIs and
 * KServe v2 over onnxruntime-node, with worker pools, dynamic batching,
 * snapshots, token authorization and safe registration.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { startServer } from "./mod.ts";
 * const server = await startServer({
 *   modelStore: Deno.cwd(),
 *   inferenceAddress: "http://127.0.0.1:0",
 *   managementAddress: "http://127.0.0.1:0",
 *   metricsAddress: "http://127.0.0.1:0",
 * });
 * try {
 *   const res = await fetch(`${server.inferenceUrl}/ping`);
 *   assert.deepEqual(await res.json(), { status: "Healthy" });
 * } finally {
 *   await server.close();
 * }
 * ```
 *
 * @module
 */

export { type RunningServer, type ServeOptions, startServer } from "./server.ts";
export {
  configFromKeys,
  DEFAULT_CONFIG,
  type LoadConfigOptions,
  loadServerConfig,
  readAppConfig,
  readTsConfig,
  type ServerConfig,
} from "./config.ts";
export {
  type ActionResult,
  type RegisterRequest,
  Registry,
  type RegistryOptions,
} from "./registry.ts";
export {
  type ModelSettings,
  type PredictBody,
  type PredictResult,
  ServedModel,
} from "./served_model.ts";
export { type ErrorBody, ServeError } from "./errors.ts";
export { imageToTensor, pairsToJson, topK } from "./image_classifier.ts";
export { type DType, type Tensor } from "./tensor.ts";
export { type KeyFile, type KeyKind, TokenAuth } from "./auth.ts";
export { type ModelSnapshot, readSnapshot, type SnapshotVersion } from "./snapshot.ts";
export {
  isAlive,
  type PidInfo,
  readPidFile,
  startDaemon,
  stopDaemon,
  writePidFile,
} from "./daemon.ts";
