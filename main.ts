/**
 * The web app: `createApp(options)` opens the app's services (settings,
 * model server, stores, advisor, login) and answers requests through the
 * routes of `routes/` (listed in the generated `routes.gen.ts`). `deno task
 * app` serves it; tests call its `fetch` with `new Request(...)`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "./main.ts";
 * const dir = await Deno.makeTempDir();
 * const app = await createApp({ baseDir: dir, env: {}, bundle: "none" });
 * const res = await app.fetch(new Request("http://localhost/admin/serve"));
 * assert.equal(res.status, 303);
 * assert.match(res.headers.get("location")!, /^\/login\?next=/);
 * await app.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type AppServices, openServices, type OpenServicesOptions } from "./lib/app/mod.ts";
import { createWebApp, type IslandBundle, type WebAppOptions } from "./lib/web/mod.ts";
import { manifest } from "./routes.gen.ts";
import { define } from "./utils.ts";

/** Options of {@linkcode createApp}: the services' options plus the web runtime's. */
export interface AppOptions extends OpenServicesOptions {
  /** Services opened beforehand (the other service options are then ignored). */
  services?: AppServices;
  /** Island bundle: built at start-up (default), read from `deno task build`'s output, or none. */
  bundle?: WebAppOptions["bundle"];
  /** Where the bundle is written or read (default build/web). */
  buildDir?: string;
  /** Told about errors that became 500 responses (default `console.error`). */
  onError?: WebAppOptions["onError"];
}

/** The running app. */
export interface App {
  /** Answers one request (pass Deno.serve's `info` for the client address). */
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  /** The services the routes use. */
  services: AppServices;
  /** The island bundle, when JavaScript is shipped. */
  bundle: IslandBundle | undefined;
  /** Stops an in-process model server and closes the stores. */
  close(): Promise<void>;
}

/** The serve command, which the serving page starts in the background. */
export const SERVE_ENTRY = fileURLToPath(new URL("./cli/serve.ts", import.meta.url));

/**
 * Builds the web app.
 *
 * @param options settings file, folder, environment, overrides, bundling
 * @returns the app; call `close()` at the end
 * @throws {SyntaxError|TypeError|RangeError} on bad settings (app_config.yaml, .env)
 * @throws {Error} when the stores, the session key or the island bundle cannot be opened
 */
export async function createApp(options: AppOptions = {}): Promise<App> {
  const services = options.services ??
    await openServices({ serveEntry: SERVE_ENTRY, ...options });
  try {
    const web = await createWebApp(manifest, {
      bundle: options.bundle,
      buildDir: options.buildDir,
      onError: options.onError,
      middleware: [define.middleware(function provideServices(ctx) {
        ctx.state.services = services;
        return ctx.next();
      })],
    });
    return { fetch: web.fetch, services, bundle: web.bundle, close: () => services.close() };
  } catch (err) {
    await services.close();
    throw err;
  }
}
