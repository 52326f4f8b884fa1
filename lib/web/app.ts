import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Context as HonoContext, Hono } from "hono";
import { type ComponentType, h, type VNode } from "preact";
import { makeContext, wantsJson } from "./_context.ts";
import { collectIslands } from "./_islands.ts";
import { buildRouteTable, type RouteEntry, type RouteTable } from "./_routes.ts";
import { STATUS_TEXT } from "./_status.ts";
import {
  buildIslandBundle,
  bundleFilesFor,
  type IslandBundle,
  readIslandBundle,
} from "./bundle.ts";
import { isPageResponse } from "./define.ts";
import { HttpError } from "./http_error.ts";
import {
  type ClientAssets,
  type IslandRenderer,
  islandRenderer,
  renderDocument,
} from "./render.ts";
import { contentSecurityPolicy, type CspSources, securityHeaders } from "./security.ts";
import { etagOf, fileResponse, type ServedFile, staticHandler } from "./static_files.ts";
import type { Context, LayoutProps, Manifest, Method, PageProps } from "./types.ts";

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

// deno-lint-ignore no-explicit-any
type AnyVNode = VNode<any>;

function DefaultApp({ Component }: LayoutProps<unknown, unknown>): AnyVNode {
  return h(
    "html",
    { lang: "en" },
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    ),
    h("body", null, h(Component, {})),
  );
}

function constant(node: AnyVNode): ComponentType<Record<string, never>> {
  return function Inner() {
    return node;
  };
}

function compose(
  page: ComponentType<PageProps<unknown, unknown>>,
  layouts: ComponentType<LayoutProps<unknown, unknown>>[],
  app: ComponentType<LayoutProps<unknown, unknown>> | undefined,
  props: PageProps<unknown, unknown>,
): AnyVNode {
  let node: AnyVNode = h(page, props);
  for (const layout of [...layouts].reverse()) {
    node = h(layout, { ...props, Component: constant(node) });
  }
  return app ? h(app, { ...props, Component: constant(node) }) : node;
}

function htmlResponse(html: string, status: number, headers?: HeadersInit): Response {
  const out = new Headers(headers);
  out.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { status, headers: out });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function withHeaders(res: Response, extra: Record<string, string>): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(extra)) if (!headers.has(k)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

class Runtime {
  constructor(
    readonly table: RouteTable,
    readonly renderer: IslandRenderer,
    readonly assets: ClientAssets | undefined,
    readonly onError: (err: unknown, req: Request) => void,
  ) {}

  page(
    ctx: Context,
    page: ComponentType<PageProps<unknown, unknown>>,
    layouts: RouteEntry["layouts"],
    app: boolean,
    extra: Partial<PageProps<unknown, unknown>>,
  ): string {
    const props: PageProps<unknown, unknown> = {
      data: undefined,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      route: ctx.route,
      ...extra,
    };
    const appComponent = app ? this.table.app ?? DefaultApp : undefined;
    return renderDocument(compose(page, layouts, appComponent, props), this.renderer, this.assets);
  }

  render(route: RouteEntry, ctx: Context, data: unknown, init: ResponseInit): Response {
    if (!route.component) {
      throw new TypeError(`Cannot render "${route.file}": it has no default page component`);
    }
    const html = this.page(ctx, route.component, route.layouts, !route.config.skipAppWrapper, {
      data,
    });
    return htmlResponse(html, init.status ?? 200, init.headers);
  }

  async handle(route: RouteEntry, ctx: Context): Promise<Response> {
    const method = ctx.req.method as Method;
    const handlers = route.handlers;
    if (!handlers && (method === "GET" || method === "HEAD")) {
      return this.render(route, ctx, undefined, {});
    }
    const fn = handlers?.[method] ?? (method === "HEAD" ? handlers?.GET : undefined);
    if (!fn) {
      const allow = handlers ? Object.keys(handlers) : ["GET"];
      if (allow.includes("GET") && !allow.includes("HEAD")) allow.push("HEAD");
      throw new HttpError(405, `Method ${method} is not allowed on "${ctx.url.pathname}"`, {
        headers: { allow: allow.join(", ") },
      });
    }
    const result = await fn(ctx);
    if (result instanceof Response) return result;
    if (isPageResponse(result)) return this.render(route, ctx, result.data, result);
    throw new TypeError(
      `Cannot answer ${method} "${route.file}": its handler returned ${typeof result}, ` +
        "not a Response or page(data)",
    );
  }

  error(err: unknown, req: Request, ctx: Context | undefined): Response {
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof HttpError ? err.message : STATUS_TEXT[500]!;
    if (status >= 500) this.onError(err, req);
    const headers = new Headers(err instanceof HttpError ? err.headers : undefined);
    if (wantsJson(req)) {
      headers.set("content-type", "application/json; charset=utf-8");
      return new Response(JSON.stringify({ error: message, status }), { status, headers });
    }
    const page = status === 404 ? this.table.notFound : this.table.error;
    if (page && ctx) {
      try {
        // Unexpected errors reach the page wrapped, so their message stays private.
        const error = err instanceof HttpError
          ? err
          : new HttpError(500, undefined, { cause: err });
        const html = this.page(ctx, page, this.rootLayouts(), true, { error, status });
        return htmlResponse(html, status, headers);
      } catch (renderErr) {
        this.onError(renderErr, req);
      }
    }
    const text = escapeHtml(`${status} ${message}`);
    return htmlResponse(`<!DOCTYPE html><title>${text}</title><h1>${text}</h1>`, status, headers);
  }

  rootLayouts(): RouteEntry["layouts"] {
    return this.table.rootLayout ? [this.table.rootLayout] : [];
  }
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
        route.middleware,
        (ctx) => runtime.handle(route, ctx),
      );
      try {
        return await ctx.next();
      } catch (err) {
        return runtime.error(err, c.req.raw, ctx);
      }
    });
  }
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
      table.rootMiddleware,
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
