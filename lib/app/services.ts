/**
 * What the app's routes use, opened once per app: settings, the model server,
 * the example stores, the advisor, the admin login and session signing.
 *
 * @module
 */
import { join } from "node:path";
import { Advisor } from "../assist/mod.ts";
import type { ServerConfig } from "../serve/mod.ts";
import { type OpenedStores, openStores } from "../store/mod.ts";
import { AdminAuth } from "./admin_auth.ts";
import { loadEnvFile } from "./env_file.ts";
import { ModelServer } from "./model_server.ts";
import { RateLimiter } from "./rate_limit.ts";
import { loadSessionSecret, SessionCodec } from "./session.ts";
import { type AppSettings, loadAppSettings, type WebSettings } from "./settings.ts";

/** The app's services. */
export interface AppServices {
  settings: AppSettings;
  /** The environment: .env under the process environment. */
  env: Record<string, string | undefined>;
  server: ModelServer;
  stores: OpenedStores;
  /** Why the configured store is not in use (Supabase could not be opened), if so. */
  storeWarning?: string;
  advisor: Advisor;
  admin: AdminAuth;
  sessions: SessionCodec;
  /** Failed logins per client address and per user name. */
  loginLimiter: RateLimiter;
  /** Stops an in-process model server and closes the stores. */
  close(): Promise<void>;
}

/** Options of {@linkcode openServices}. */
export interface OpenServicesOptions {
  /** app_config.yaml (default `<baseDir>/app_config.yaml` when it exists). */
  config?: string;
  /** The app's folder: relative paths and `.env` (default: the working directory). */
  baseDir?: string;
  /** The environment (default: `<baseDir>/.env` under the process environment). */
  env?: Record<string, string | undefined>;
  /** Overrides of the `web:` block. */
  web?: Partial<WebSettings>;
  /** Overrides of the `server:` block (tests give port 0 addresses). */
  server?: Partial<ServerConfig>;
  /** The serve command's script, so the serving page can start a background server. */
  serveEntry?: string;
}

async function openStoresSafely(settings: AppSettings, env: Record<string, string | undefined>) {
  try {
    return { stores: await openStores(settings.store, { env, baseDir: settings.baseDir }) };
  } catch (err) {
    if (settings.store.kind === "local" || (!settings.store.kind && !env.SUPABASE_URL)) throw err;
    // The hosted store is unreachable or misconfigured: keep examples locally, and say so.
    const stores = await openStores({ ...settings.store, kind: "local" }, {
      env,
      baseDir: settings.baseDir,
    });
    const warning = `Examples are kept locally: ${(err as Error).message}`;
    return { stores, warning };
  }
}

/**
 * Opens the app's services.
 *
 * @param options settings file, folder, environment, overrides
 * @returns the services; call `close()` at the end
 * @throws {SyntaxError|TypeError|RangeError} on bad settings (app_config.yaml, .env, ADMIN_PSWD)
 * @throws {Error} when the local store or the session key cannot be opened
 */
export async function openServices(options: OpenServicesOptions = {}): Promise<AppServices> {
  const settings = await loadAppSettings({
    config: options.config,
    baseDir: options.baseDir,
    web: options.web,
    server: options.server,
  });
  const env = options.env ?? await loadEnvFile(join(settings.baseDir, ".env"));
  const admin = new AdminAuth(env.ADMIN_USER, env.ADMIN_PSWD);
  const sessions = await SessionCodec.create(
    await loadSessionSecret(settings.web.session_secret_file, env.SESSION_SECRET),
  );
  const advisor = await Advisor.create(settings.openai, {
    apiKey: env.OPENAI_API_KEY ?? "",
    baseDir: settings.baseDir,
  });
  const { stores, warning } = await openStoresSafely(settings, env);
  const server = new ModelServer(settings.server, {
    serveEntry: options.serveEntry,
    configFile: settings.file,
  });
  return {
    settings,
    env,
    server,
    stores,
    storeWarning: warning,
    advisor,
    admin,
    sessions,
    loginLimiter: new RateLimiter({ limit: settings.web.login_attempts }),
    async close() {
      await server.close();
      await stores.close();
    },
  };
}
