/**
 * The model server: TorchServe's inference, management and metrics APIs and
 * KServe v2 over onnxruntime-node, with worker pools, dynamic batching,
 * snapshots, token authorization and safe registration.
 *
 * Each model version has a pool of workers: Web Workers holding one ONNX
 * Runtime session each (onnxruntime-node runs `session.run` on the calling
 * JS thread, so parallel sessions need threads of their own); intra-op
 * threads default to cores / workers. Requests wait in a bounded queue and
 * are batched along the batch dimension when it is symbolic.
 *
 * Errors are TorchServe's body `{code, type, message}` (KServe v2 routes:
 * `{"error": message}`), and the server stays up:
 *
 * | status | type | when |
 * |---|---|---|
 * | 400 | BadRequestException | garbage, truncated or empty image; bad JSON or tensor shape/datatype; bad query parameter (negative or crossed worker counts, batch_size 0, …); `../`, absolute or sub-folder archive path; invalid archive; removing a default version while others remain |
 * | 401 | InvalidKeyException | token authorization on and the key missing, wrong or expired |
 * | 403 | ForbiddenException | URL not matching `allowed_urls`, resolving to a private/loopback/link-local address, or not http(s) |
 * | 404 | ModelNotFoundException / ModelVersionNotFoundException | unknown model or version; archive not in the model store |
 * | 404 / 405 | ResourceNotFoundException / MethodNotAllowedException | unknown path / wrong method |
 * | 409 | ConflictStatusException | version already registered; download target already in the store |
 * | 413 | RequestEntityTooLargeException | body over `max_request_size` (declared or streamed) |
 * | 503 | ServiceUnavailableException | job queue full; no worker (scale up) |
 * | 504 | RequestTimeoutException | a batch ran past `response_timeout`; the worker is replaced |
 *
 * Unregistering a version answers new requests 404 at once and lets those
 * already accepted finish before its workers stop; scaling down stops a
 * worker only after its batch.
 *
 * A new version registers beside the default one; {@linkcode decidePromotion}
 * says whether it may become the default under app_config.yaml's
 * `server.promotion` policy (lib/app's `promoteVersion` applies it through
 * the management API).
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
export { type ArchiveLocation, resolveArchiveSource, type SourcePolicy } from "./archive_source.ts";
export { Batcher, type BatcherOptions, type BatchResult, type BatchStats } from "./batcher.ts";
export { type WorkerDescription, WorkerPool, type WorkerPoolOptions } from "./worker_pool.ts";
export { ModelWorker, type WorkerStartOptions, type WorkerStatus } from "./worker.ts";
export { Metrics } from "./metrics.ts";
export type { ValueInfo as ServeValueInfo } from "./_runtime.ts";
export {
  type ModelSettings,
  type PredictBody,
  type PredictResult,
  ServedModel,
} from "./served_model.ts";
export { type ErrorBody, ServeError } from "./errors.ts";
export { readBody } from "./body.ts";
export { imageToTensor, pairsToJson, topK } from "./image_classifier.ts";
export type {
  DType as ServeDType,
  Tensor as ServeTensor,
  TensorData as ServeTensorData,
} from "./tensor.ts";
export { type KeyFile, type KeyKind, TokenAuth } from "./auth.ts";
export { type ModelSnapshot, readSnapshot, type SnapshotVersion } from "./snapshot.ts";
export {
  decidePromotion,
  DEFAULT_PROMOTION,
  metricValue,
  type PromotionDecision,
  type PromotionPolicy,
  readPromotionPolicy,
} from "./promotion.ts";
export {
  type DaemonOptions,
  isAlive,
  type PidInfo,
  readPidFile,
  startDaemon,
  stopDaemon,
  writePidFile,
} from "./daemon.ts";
