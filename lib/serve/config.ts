/**
 * Server settings under TorchServe's config key names: defaults, then the
 * `server:` section of app_config.yaml, then a TorchServe config.properties
 * (`--ts-config`), then command-line flags.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { type PromotionPolicy, readPromotionPolicy } from "./promotion.ts";

/** Settings of the model server (camelCase of TorchServe's keys). */
export interface ServerConfig {
  /** Where the inference API listens (`inference_address`). */
  inferenceAddress: string;
  /** Where the management API listens; off loopback only with token authorization. */
  managementAddress: string;
  /** Where the metrics API listens. */
  metricsAddress: string;
  /** Folder of .mar archives that registration may load from. */
  modelStore: string;
  /** Registered at start-up: "name=file.mar", "file.mar", or "all" (every archive in the store). */
  models: string[];
  /** Folder of the JSON-lines logs; undefined: no log files. */
  logLocation?: string;
  /** Accepted for TorchServe configs; metrics are served, not written. */
  metricsLocation?: string;
  /** Default batch size of registrations that give none. */
  batchSize: number;
  /** Milliseconds. */
  maxBatchDelay: number;
  /** Accepted for TorchServe configs; this server runs on CPU. */
  numberOfGpu: number;
  /** Regular expressions of URLs registration may download from. */
  allowedUrls: string[];
  /** Let downloads reach private, loopback and link-local addresses. */
  allowPrivateUrls: boolean;
  /** Requests that may wait per model version (503 beyond). */
  jobQueueSize: number;
  /** Workers of models registered at start-up. */
  defaultWorkersPerModel: number;
  /** Seconds. */
  defaultResponseTimeout: number;
  /** Seconds. */
  defaultStartupTimeout: number;
  /** Largest request body, bytes (413 beyond). */
  maxRequestSize: number;
  /** Token authorization is off unless this is false. */
  disableTokenAuthorization: boolean;
  /** Key file of token authorization; default `<log_location or .>/key_file.json`. */
  keyFile?: string;
  /** Minutes a generated key lives. */
  tokenExpirationMin: number;
  /** Model snapshot file; undefined: no snapshots. */
  snapshotFile?: string;
  /** Pid file of a daemonized server. */
  pidFile?: string;
  /** PEM key for https addresses. */
  privateKeyFile?: string;
  /** PEM certificate for https addresses. */
  certificateFile?: string;
  /** Idle seconds after which workers above the minimum stop. */
  maxIdleTime: number;
  /** ONNX Runtime intra-op threads per worker; 0: cores / workers. */
  threadsPerWorker: number;
  /** When a new version may become the default (`promotion:`; used by promotion, not the server). */
  promotion?: PromotionPolicy;
}

/** Defaults: loopback addresses, no downloads, no logs, token authorization off. */
export const DEFAULT_CONFIG: ServerConfig = {
  inferenceAddress: "http://127.0.0.1:8080",
  managementAddress: "http://127.0.0.1:8081",
  metricsAddress: "http://127.0.0.1:8082",
  modelStore: "model_store",
  models: [],
  batchSize: 1,
  maxBatchDelay: 100,
  numberOfGpu: 0,
  allowedUrls: [],
  allowPrivateUrls: false,
  jobQueueSize: 100,
  defaultWorkersPerModel: 1,
  defaultResponseTimeout: 120,
  defaultStartupTimeout: 120,
  maxRequestSize: 6_553_500,
  disableTokenAuthorization: true,
  tokenExpirationMin: 60,
  maxIdleTime: 60,
  threadsPerWorker: 0,
};

type Kind = "string" | "number" | "boolean" | "list" | "promotion";

/** TorchServe config key → setting and kind. */
const KEYS: Record<string, [keyof ServerConfig, Kind]> = {
  inference_address: ["inferenceAddress", "string"],
  management_address: ["managementAddress", "string"],
  metrics_address: ["metricsAddress", "string"],
  model_store: ["modelStore", "string"],
  models: ["models", "list"],
  load_models: ["models", "list"],
  log_location: ["logLocation", "string"],
  metrics_location: ["metricsLocation", "string"],
  batch_size: ["batchSize", "number"],
  max_batch_delay: ["maxBatchDelay", "number"],
  number_of_gpu: ["numberOfGpu", "number"],
  allowed_urls: ["allowedUrls", "list"],
  allow_private_urls: ["allowPrivateUrls", "boolean"],
  job_queue_size: ["jobQueueSize", "number"],
  default_workers_per_model: ["defaultWorkersPerModel", "number"],
  default_response_timeout: ["defaultResponseTimeout", "number"],
  default_startup_timeout: ["defaultStartupTimeout", "number"],
  max_request_size: ["maxRequestSize", "number"],
  disable_token_authorization: ["disableTokenAuthorization", "boolean"],
  key_file: ["keyFile", "string"],
  token_expiration_min: ["tokenExpirationMin", "number"],
  snapshot_file: ["snapshotFile", "string"],
  pid_file: ["pidFile", "string"],
  private_key_file: ["privateKeyFile", "string"],
  certificate_file: ["certificateFile", "string"],
  max_idle_time: ["maxIdleTime", "number"],
  threads_per_worker: ["threadsPerWorker", "number"],
  promotion: ["promotion", "promotion"],
};

/**
 * Converts TorchServe-named keys into settings.
 *
 * @param raw key → value (YAML values, or strings from a properties file)
 * @param where the file, for messages
 * @param strict throw on unknown keys (app_config.yaml) or skip them (config.properties)
 * @returns the settings found
 * @throws {TypeError} naming the key and the expected kind
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFromKeys } from "./config.ts";
 * const c = configFromKeys({ batch_size: 8, allowed_urls: "https://a/.*,https://b/.*" }, "x");
 * assert.equal(c.batchSize, 8);
 * assert.deepEqual(c.allowedUrls, ["https://a/.*", "https://b/.*"]);
 * ```
 */
export function configFromKeys(
  raw: Record<string, unknown>,
  where: string,
  strict = true,
): Partial<ServerConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const entry = KEYS[key];
    if (!entry) {
      if (!strict) continue;
      throw new TypeError(
        `Unknown key "${key}" in ${where}: expected one of ${Object.keys(KEYS).join(", ")}`,
      );
    }
    if (value === null || value === undefined) continue;
    out[entry[0]] = entry[1] === "promotion"
      ? readPromotionPolicy(value, where)
      : convert(value, entry[1], `"${key}" in ${where}`);
  }
  return out as Partial<ServerConfig>;
}

function convert(value: unknown, kind: Kind, what: string): unknown {
  if (kind === "list") {
    if (Array.isArray(value)) return value.map(String);
    if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
  } else if (kind === "number") {
    const n = typeof value === "string" ? Number(value) : value;
    if (typeof n === "number" && Number.isFinite(n) && n >= 0) return n;
  } else if (kind === "boolean") {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
  } else if (typeof value === "string" || typeof value === "number") {
    return String(value);
  }
  throw new TypeError(`Invalid ${what}: expected a ${kind}, got ${JSON.stringify(value)}`);
}

/**
 * Reads the `server:` section of an app_config.yaml.
 *
 * @param path the YAML file
 * @returns the settings it gives (none when it has no `server:` section)
 * @throws {SyntaxError} for invalid YAML, {TypeError} for unknown keys or wrong kinds
 */
export async function readAppConfig(path: string): Promise<Partial<ServerConfig>> {
  const text = await Deno.readTextFile(path);
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: "1.1", merge: true });
  } catch (err) {
    throw new SyntaxError(`Invalid YAML in ${path}: ${(err as Error).message}`, { cause: err });
  }
  const server = (doc as Record<string, unknown> | null)?.server;
  if (server === undefined || server === null) return {};
  if (typeof server !== "object" || Array.isArray(server)) {
    throw new TypeError(`Invalid "server" in ${path}: expected a mapping`);
  }
  return configFromKeys(server as Record<string, unknown>, `${path} (server:)`);
}

/**
 * Reads a TorchServe config.properties (`key=value` lines, `#` comments);
 * keys this server does not know are skipped, as TorchServe's JVM options.
 *
 * @param path the properties file
 * @returns the settings it gives
 * @throws {TypeError} for a known key with a value of the wrong kind
 */
export async function readTsConfig(path: string): Promise<Partial<ServerConfig>> {
  const raw: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(path)).split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith("#") || t.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(t);
    if (m) raw[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
  }
  return configFromKeys(raw, path, false);
}

/** Options of {@linkcode loadServerConfig}. */
export interface LoadConfigOptions {
  /** app_config.yaml; default: ./app_config.yaml when it exists. */
  config?: string;
  /** A TorchServe config.properties; default: $TS_CONFIG_FILE when set. */
  tsConfig?: string;
  /** Settings that win over both files (command-line flags). */
  overrides?: Partial<ServerConfig>;
  /** Keep a model snapshot (default true; TorchServe's --ncs turns it off). */
  snapshots?: boolean;
}

/**
 * Settings as `deno task serve` uses them: defaults, app_config.yaml's `server:`, the
 * TorchServe config, overrides; logs under `log_location` (default `logs`), the snapshot in
 * `<log_location>/config/snapshot.json`, the pid file in `<log_location>/model_server.pid`.
 *
 * @param options files and overrides
 * @returns the complete settings
 * @throws {SyntaxError} or {TypeError} naming the file and key that is wrong
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadServerConfig } from "./config.ts";
 * const file = await Deno.makeTempFile({ suffix: ".yaml" });
 * await Deno.writeTextFile(file, "server:\n  batch_size: 4\n  log_location: /tmp/ts\n");
 * const c = await loadServerConfig({ config: file, overrides: { jobQueueSize: 9 } });
 * assert.deepEqual([c.batchSize, c.jobQueueSize, c.pidFile], [4, 9, "/tmp/ts/model_server.pid"]);
 * await Deno.remove(file);
 * ```
 */
export async function loadServerConfig(options: LoadConfigOptions = {}): Promise<ServerConfig> {
  const appConfig = options.config ??
    (await Deno.stat("app_config.yaml").then(() => "app_config.yaml", () => undefined));
  const tsConfig = options.tsConfig ?? Deno.env.get("TS_CONFIG_FILE");
  const merged: ServerConfig = {
    ...DEFAULT_CONFIG,
    logLocation: "logs",
    ...(appConfig ? await readAppConfig(appConfig) : {}),
    ...(tsConfig ? await readTsConfig(tsConfig) : {}),
    ...options.overrides,
  };
  const logs = merged.logLocation ?? "logs";
  return {
    ...merged,
    snapshotFile: options.snapshots === false
      ? undefined
      : merged.snapshotFile ?? `${logs}/config/snapshot.json`,
    pidFile: merged.pidFile ?? `${logs}/model_server.pid`,
  };
}
