// The fixture app, built once per test file, and request helpers.
import { createWebApp, type WebApp, type WebAppOptions } from "../../lib/web/mod.ts";
import { manifest } from "./fixtures/routes.gen.ts";

/** The fixture app folder. */
export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** Errors the app reported as 500s. */
export const reported: unknown[] = [];

/**
 * The fixture app; its bundle goes to a temporary folder so tests running in
 * parallel never share one.
 */
export async function fixtureApp(options: WebAppOptions = {}): Promise<WebApp> {
  let buildDir = options.buildDir;
  if (!buildDir && options.bundle !== "none") {
    buildDir = await Deno.makeTempDir({ prefix: "web_test_" });
    const dir = buildDir;
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  }
  return await createWebApp(manifest, {
    buildDir,
    onError: (err) => reported.push(err),
    ...options,
  });
}

/** Sends a request to the app; `path` is relative to http://localhost. */
export function get(app: WebApp, path: string, init: RequestInit = {}): Promise<Response> {
  return app.fetch(new Request(new URL(path, "http://localhost"), init));
}
