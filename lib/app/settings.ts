/**
 * The app's settings: app_config.yaml's `web:`, `store:`, `openai:` and
 * `server:` blocks, paths resolved against the app's folder.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { AssistConfig } from "../assist/mod.ts";
import { loadServerConfig, type ServerConfig } from "../serve/mod.ts";
import type { StoreConfig } from "../store/mod.ts";
import { exists } from "./_run_files.ts";

/** The `web:` block. */
export interface WebSettings {
  /** Where the app listens (default http://127.0.0.1:8000). */
  address: string;
  /** Store every prediction for labeling (default true). */
  store_predictions: boolean;
  /** Largest upload, bytes (default 5 MiB). */
  max_upload_bytes: number;
  /** Classes shown in the top-k bars (default 5). */
  top_k: number;
  /** Folder of labeled-example exports (default data/exports). */
  export_dir: string;
  /** Folder of training runs (default results). */
  runs_dir: string;
  /** Generated session key, used when SESSION_SECRET is unset (default data/session.key). */
  session_secret_file: string;
  /** Hours an admin session lasts (default 12). */
  session_hours: number;
  /** Failed logins per client and user name per 15 minutes (default 5). */
  login_attempts: number;
}

/** Everything the app reads from app_config.yaml. */
export interface AppSettings {
  /** The file read, if any. */
  file: string | undefined;
  /** Folder relative paths are resolved against. */
  baseDir: string;
  web: WebSettings;
  store: StoreConfig;
  openai: AssistConfig;
  /** The model server's settings (model store, addresses, pid file), paths resolved. */
  server: ServerConfig;
}

const WEB_DEFAULTS: WebSettings = {
  address: "http://127.0.0.1:8000",
  store_predictions: true,
  max_upload_bytes: 5 * 1024 * 1024,
  top_k: 5,
  export_dir: "data/exports",
  runs_dir: "results",
  session_secret_file: "data/session.key",
  session_hours: 12,
  login_attempts: 5,
};
const STORE_KEYS = ["kind", "data_dir", "table", "bucket"];
const OPENAI_KEYS = [
  "use",
  "model",
  "base_url",
  "temperature",
  "system_message",
  "prompt_file",
];

function block(doc: Record<string, unknown>, name: string, file: string, keys: string[]) {
  const value = doc[name] ?? {};
  if (typeof value !== "object" || Array.isArray(value) || value === null) {
    throw new TypeError(`Invalid "${name}" in ${file}: expected a mapping`);
  }
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) {
      throw new TypeError(
        `Unknown key "${k}" in ${file} (${name}:): expected one of ${keys.join(", ")}`,
      );
    }
  }
  return value as Record<string, unknown>;
}

function checkWeb(raw: Record<string, unknown>, file: string): WebSettings {
  const web = { ...WEB_DEFAULTS, ...raw } as WebSettings;
  const where = (k: string) => `web.${k} in ${file}`;
  for (const [k, v] of Object.entries(web)) {
    const want = typeof WEB_DEFAULTS[k as keyof WebSettings];
    const got = typeof v;
    if (got !== want) {
      throw new TypeError(`Invalid ${where(k)}: expected a ${want}, got ${JSON.stringify(v)}`);
    }
  }
  for (const k of ["max_upload_bytes", "top_k", "session_hours", "login_attempts"] as const) {
    if (!(web[k] > 0) || !Number.isFinite(web[k])) {
      throw new RangeError(`Invalid ${where(k)}: expected a positive number, got ${web[k]}`);
    }
  }
  try {
    const url = new URL(web.address);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError();
  } catch {
    throw new TypeError(
      `Invalid ${where("address")}: expected e.g. http://127.0.0.1:8000, got "${web.address}"`,
    );
  }
  return web;
}

/** Options of {@linkcode loadAppSettings}. */
export interface LoadSettingsOptions {
  /** app_config.yaml (default: `<baseDir>/app_config.yaml` when it exists). */
  config?: string;
  /** Folder relative paths are resolved against (default: the config's folder, else cwd). */
  baseDir?: string;
  /** Settings that win over the file's `web:` block. */
  web?: Partial<WebSettings>;
  /** Model server settings that win over the file's `server:` block. */
  server?: Partial<ServerConfig>;
}

/**
 * Reads app_config.yaml as the app uses it.
 *
 * @param options the file, base folder and overrides
 * @returns the settings, with paths absolute
 * @throws {SyntaxError} on invalid YAML
 * @throws {TypeError|RangeError} naming the block and key that is wrong
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadAppSettings } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app_config.yaml`, "web:\n  store_predictions: false\n");
 * const s = await loadAppSettings({ baseDir: dir });
 * assert.equal(s.web.store_predictions, false);
 * assert.equal(s.web.runs_dir, `${dir}/results`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadAppSettings(options: LoadSettingsOptions = {}): Promise<AppSettings> {
  const base = resolve(options.baseDir ?? (options.config ? dirname(options.config) : "."));
  const candidate = options.config ? resolve(options.config) : join(base, "app_config.yaml");
  const file = options.config || await exists(candidate) ? candidate : undefined;
  let doc: Record<string, unknown> = {};
  if (file) {
    const text = await Deno.readTextFile(file).catch((err) => {
      throw new Error(`Cannot read "${file}": ${err.message}`, { cause: err });
    });
    try {
      doc = (parseYaml(text, { version: "1.1", merge: true }) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new SyntaxError(`Invalid YAML in ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const where = file ?? "the default settings";
  const web = checkWeb(
    { ...block(doc, "web", where, Object.keys(WEB_DEFAULTS)), ...options.web },
    where,
  );
  const abs = (p: string) => isAbsolute(p) ? p : join(base, p);
  for (const k of ["export_dir", "runs_dir", "session_secret_file"] as const) web[k] = abs(web[k]);
  const store = { ...block(doc, "store", where, STORE_KEYS) } as StoreConfig;
  store.data_dir = abs(store.data_dir ?? "data/store");
  const openai = block(doc, "openai", where, OPENAI_KEYS) as AssistConfig;
  // "" rather than undefined: without a file, no app_config.yaml of the working directory.
  const server = await loadServerConfig({ config: file ?? "", overrides: options.server });
  server.modelStore = abs(server.modelStore);
  if (server.logLocation) server.logLocation = abs(server.logLocation);
  if (server.snapshotFile) server.snapshotFile = abs(server.snapshotFile);
  if (server.pidFile) server.pidFile = abs(server.pidFile);
  return { file, baseDir: base, web, store, openai, server };
}
