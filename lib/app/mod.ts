/**
 * The web app's server side, under its routes: settings from app_config.yaml
 * and `.env`, the admin login (constant-time checks, PBKDF2 hashes), signed
 * session cookies and CSRF tokens, a login rate limit, the model server (a
 * client of its TorchServe APIs, and its start and stop), predictions with
 * stored examples, LLM advice as server-sent events, labeling exports,
 * promotion of a new model version under the policy of app_config.yaml
 * (`promoteVersion`), the retraining command of an export (`retrainCommand`),
 * the stages of `deno task demo` (`trainOrReuse`, `archiveOrReuse`,
 * `serveArchive`), and the training runs under `results/`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, openServices } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const services = await openServices({
 *   baseDir: dir,
 *   env: { ADMIN_USER: "ada", ADMIN_PSWD: await hashPassword("pw", { iterations: 1000 }) },
 * });
 * assert.equal(await services.admin.check("ada", "pw"), true);
 * assert.equal((await services.server.status()).up, false);
 * await services.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { AdminAuth } from "./admin_auth.ts";
export { adviceResponse } from "./advice.ts";
export { type ArchiveEntry, listArchives, stageArchive } from "./archives.ts";
export {
  archiveOrReuse,
  DEMO_OPTIMIZATION,
  type DemoArchive,
  type DemoRun,
  serveArchive,
  type ServedArchive,
  trainOrReuse,
  type TrainOrReuseOptions,
} from "./demo.ts";
export { loadEnvFile, parseEnvFile } from "./env_file.ts";
export { ModelServerError, type ModelServerErrorKind } from "./errors.ts";
export { exportExamples, type ExportResult, modelClasses, sortLabels } from "./labeling.ts";
export {
  ModelServer,
  type ModelServerOptions,
  type ServerMode,
  type ServerStatus,
} from "./model_server.ts";
export { type MetricsSnapshot, type ModelFigures, modelFigures } from "./metrics_figures.ts";
export {
  type ModelInfo,
  ModelServerClient,
  type RegisterParams,
  type ServerUrls,
  type VersionInfo,
} from "./model_server_client.ts";
export {
  checkPasswordSetting,
  DEFAULT_ITERATIONS,
  hashPassword,
  isPasswordHash,
  PASSWORD_SCHEME,
  safeEqualText,
  timingSafeEqual,
  verifyPassword,
} from "./password.ts";
export { type Prediction, predictUpload, SERVE_HINT, toHttpError } from "./predict.ts";
export {
  type Candidate,
  candidatesOf,
  formatCandidate,
  promoteVersion,
  type PromotionResult,
  type VersionFigures,
  versionFigures,
} from "./promotion.ts";
export { RateLimiter, type RateLimitOptions } from "./rate_limit.ts";
export { parentRun, retrainCommand } from "./retrain.ts";
export { listRuns, runPath, type RunSummary } from "./runs.ts";
export { type CheckpointInfo, type Curve, readRun, type RunDetails } from "./run_details.ts";
export { type AppServices, openServices, type OpenServicesOptions } from "./services.ts";
export {
  type CookieOptions,
  loadSessionSecret,
  newToken,
  parseCookies,
  serializeCookie,
  SessionCodec,
  type WebSession,
} from "./session.ts";
export {
  type AppSettings,
  loadAppSettings,
  type LoadSettingsOptions,
  type WebSettings,
} from "./settings.ts";
export { imageKind, type ImageUpload, readImageUpload, type UploadType } from "./upload.ts";
