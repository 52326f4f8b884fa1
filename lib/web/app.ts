import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Context as HonoContext, Hono } from "hono";
import { makeContext } from "./_context.ts";
import { collectIslands } from "./_islands.ts";
import { buildRouteTable } from "./_routes.ts";
import { Runtime } from "./_runtime.ts";
import {
  buildIslandBundle,
  bundleFilesFor,
  type IslandBundle,
  readIslandBundle,
} from "./bundle.ts";
import { HttpError } from "./http_error.ts";
import { type ClientAssets, islandRenderer } from "./render.ts";
import { contentSecurityPolicy, type CspSources, securityHeaders } from "./security.ts";
import { etagOf, fileResponse, type ServedFile, staticHandler } from "./static_files.ts";
import type { Manifest, Middleware } from "./types.ts";

/** URL prefix of the island bundle's files. */
export const BUNDLE_PREFIX = "/_web/js/";

/** Options of {@linkcode createWebApp}. */
export interface WebAppOptions {
  /** Folder served as-is at `/` (default: `static/` beside the manifest, when it exists). */
  staticDir?: string;
  /**
   * Island bundle: `"build"` bundles at start-up (default), `"prebuilt"` reads what
   * `deno task build` wrote, `"none"` ships no JavaScript (pages still render).
   */
  bundle?: "build" | "prebuilt" | "none";
  /** Where the bundle lives (default: `build/web` beside the manifest). */
  buildDir?: string;
  /** deno.json used for bundling (default: the nearest above the manifest). */
  config?: string;
  /** Extra CSP sources per directive. */
  csp?: CspSources;
  /**
   * App-wide middleware, run before the `_middleware` files of `routes/` on every
   * route and not-found page (what Fresh 2's `app.use` adds): services, sessions.
   */
  // deno-lint-ignore no-explicit-any
  middleware?: Middleware<any>[];
  /** Told about errors that became 500 responses (default: `console.error`). */
  onError?: (err: unknown, req: Request) => void;
}

/** A web app built from a manifest; `fetch` is its whole interface to a server. */
export interface WebApp {
  /** Answers one request (pass Deno.serve's `info` for `ctx.remoteAddr`). */
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  /** The Hono app underneath, for routes that do not come from files. */
  readonly hono: Hono;
  /** The island bundle, when the app has islands and ships JavaScript. */
  readonly bundle: IslandBundle | undefined;
}

function withHeaders(res: Response, extra: Record<string, string>): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(extra)) if (!headers.has(k)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function remoteAddrOf(c: HonoContext): string | undefined {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname;
}

async function loadBundle(
  manifest: Manifest,
  options: WebAppOptions,
  buildDir: string,
): Promise<IslandBundle | undefined> {
  const mode = options.bundle ?? "build";
  if (mode === "none" || Object.keys(manifest.islands).length === 0) return undefined;
  if (mode === "prebuilt") return await readIslandBundle(buildDir);
  return await buildIslandBundle(manifest, { outDir: buildDir, config: options.config });
}

async function bundleServer(bundle: IslandBundle | undefined) {
  const files = new Map<string, ServedFile>();
  for (const [name, bytes] of bundle?.files ?? []) {
    files.set(name, {
      bytes,
      etag: await etagOf(bytes),
      contentType: "text/javascript; charset=utf-8",
      cacheControl: "public, max-age=31536000, immutable",
    });
  }
  const assets: ClientAssets | undefined = bundle && {
    bootUrl: BUNDLE_PREFIX + bundle.boot,
    islandUrl: (name) => bundle.islands[name] && BUNDLE_PREFIX + bundle.islands[name],
    preloads: (names) => bundleFilesFor(bundle, names).slice(1).map((f) => BUNDLE_PREFIX + f),
  };
  return { files, assets };
}

/**
 * Builds the web app of a manifest: one Hono route per page or endpoint (static
 * segments before `[param]` before `[...rest]`), nested `_middleware` and
 * `_layout` files, `_app`, `_404` and `_500` pages, `static/` files with ETags,
 * the island bundle under `/_web/js/`, security headers on every response, and
 * `HttpError` (or any error) turned into a JSON body or an error page at one place.
 *
 * @param manifest the generated manifest (`routes.gen.ts`)
 * @param options folders, bundling mode, CSP additions, error sink
 * @returns the app
 * @throws {TypeError} on a malformed route or island file
 * @throws {Error} when the island bundle cannot be built or read
 */
export async function createWebApp(
  manifest: Manifest,
  options: WebAppOptions = {},
): Promise<WebApp> {
  const base = dirname(fileURLToPath(manifest.baseUrl));
  const table = buildRouteTable(manifest);
  const renderer = islandRenderer(collectIslands(manifest));
  const bundle = await loadBundle(manifest, options, options.buildDir ?? join(base, "build/web"));
  const { files, assets } = await bundleServer(bundle);
  const onError = options.onError ?? ((err: unknown) => console.error(err));
  const runtime = new Runtime(table, renderer, assets, onError);
  const appMiddleware = (options.middleware ?? []) as Middleware<unknown>[];
  const headers = securityHeaders(await contentSecurityPolicy(options.csp));

  const hono = new Hono();
  hono.get(`${BUNDLE_PREFIX}:file`, (c) => {
    const file = files.get(c.req.param("file"));
    if (!file) throw new HttpError(404);
    return fileResponse(c.req.raw, file);
  });
  const staticDir = options.staticDir ?? join(base, "static");
  if (existsSync(staticDir)) {
    const serve = staticHandler(staticDir);
    hono.use("*", async (c, next) => (await serve(c.req.raw)) ?? await next());
  }
  for (const route of table.routes) {
    const chain = [...appMiddleware, ...route.middleware];
    hono.all(route.pattern, async (c) => {
      const ctx = makeContext(
        {
          req: c.req.raw,
          params: c.req.param() as Record<string, string>,
          route: route.pattern,
          remoteAddr: remoteAddrOf(c),
          state: {},
          render: (ctx, data, init) => Promise.resolve(runtime.render(route, ctx, data, init)),
        },
        chain,
        (ctx) => runtime.handle(route, ctx),
      );
      try {
        return await ctx.next();
      } catch (err) {
        return runtime.error(err, c.req.raw, ctx);
      }
    });
  }
  const notFoundChain = [...appMiddleware, ...table.rootMiddleware];
  hono.notFound(async (c) => {
    const ctx = makeContext(
      {
        req: c.req.raw,
        params: {},
        route: "",
        remoteAddr: remoteAddrOf(c),
        state: {},
        render: () => Promise.reject(new HttpError(404)),
      },
      notFoundChain,
      (ctx) => Promise.resolve(runtime.error(new HttpError(404), c.req.raw, ctx)),
    );
    try {
      return await ctx.next();
    } catch (err) {
      return runtime.error(err, c.req.raw, ctx);
    }
  });
  hono.onError((err, c) => runtime.error(err, c.req.raw, undefined));
  return {
    hono,
    bundle,
    async fetch(req, info) {
      return withHeaders(await hono.fetch(req, info), headers);
    },
  };
}
