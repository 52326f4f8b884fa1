/**
 * The small Fresh-style runtime of the web app: `routes/` files become Hono
 * routes through a generated manifest, pages render on the server with Preact,
 * `islands/` components hydrate in the browser from a bundle built locally.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { h } from "preact";
 * import { createWebApp, HttpError, type Manifest, page } from "./mod.ts";
 * const manifest: Manifest = {
 *   baseUrl: import.meta.url,
 *   islands: {},
 *   routes: {
 *     "./routes/[name].tsx": {
 *       handler: {
 *         GET(ctx) {
 *           if (ctx.params.name === "nobody") throw new HttpError(404, "No such user");
 *           return page({ name: ctx.params.name });
 *         },
 *       },
 *       default: ({ data }: { data: { name: string } }) => h("p", null, `Hi ${data.name}`),
 *     },
 *   },
 * };
 * const app = await createWebApp(manifest, { staticDir: "/nonexistent" });
 * const res = await app.fetch(new Request("http://localhost/ada"));
 * assert.match(await res.text(), /<p>Hi ada<\/p>/);
 * const missing = await app.fetch(new Request("http://localhost/api/x"));
 * assert.equal(missing.status, 404);
 * ```
 *
 * @module
 */

export { BUNDLE_PREFIX, createWebApp, type WebApp, type WebAppOptions } from "./app.ts";
export {
  buildApp,
  type BuildAppOptions,
  type BuildBundleOptions,
  buildIslandBundle,
  bundleFilesFor,
  findDenoConfig,
  type IslandBundle,
  readIslandBundle,
} from "./bundle.ts";
export { createDefine, type DataOf, type Define, isPageResponse, page } from "./define.ts";
export { HttpError, type HttpErrorOptions } from "./http_error.ts";
export { generateManifest, MANIFEST_FILE, writeManifest } from "./manifest.ts";
export {
  type ClientAssets,
  Head,
  ISLAND_DATA_ID,
  ISLAND_STYLE,
  type IslandRenderer,
  islandRenderer,
  renderDocument,
} from "./render.ts";
export { contentSecurityPolicy, type CspSources, securityHeaders } from "./security.ts";
export {
  CONTENT_TYPES,
  etagMatches,
  etagOf,
  fileResponse,
  type ServedFile,
  staticHandler,
  type StaticOptions,
} from "./static_files.ts";
export type {
  Context,
  HandlerByMethod,
  HandlerFn,
  HandlerResult,
  IslandModule,
  LayoutProps,
  Manifest,
  Method,
  Middleware,
  PageProps,
  PageResponse,
  RouteConfig,
  RouteModule,
} from "./types.ts";
