import type { ComponentType } from "preact";

/** The HTTP methods a route handler object may be keyed by. */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** What a handler returns to have the route's page rendered with `data`. */
export interface PageResponse<Data> {
  /** Brand that tells a page result from other values. */
  readonly __page: true;
  /** Handed to the page component as `props.data`. */
  readonly data: Data;
  /** Response status (default 200). */
  readonly status?: number;
  /** Extra response headers. */
  readonly headers?: HeadersInit;
}

/**
 * What handlers and middleware receive for one request. `State` is what
 * middleware adds (a session, a CSRF token…), typed per app.
 */
export interface Context<State = Record<string, unknown>> {
  /** The request. */
  readonly req: Request;
  /** Its URL, parsed. */
  readonly url: URL;
  /** Path parameters of the matched route (`[name]`, `[...rest]`), decoded. */
  readonly params: Record<string, string>;
  /** Per-request values set by middleware. */
  state: State;
  /** The route pattern that matched (`/models/:name`), or `""` for not-found. */
  readonly route: string;
  /** The client's address, when the server gave it. */
  readonly remoteAddr: string | undefined;
  /** Runs the rest of the chain (the next middleware, then the route); middleware only. */
  next(): Promise<Response>;
  /** Renders this route's page with `data` (what `page(data)` returned from a handler does). */
  render<Data>(data?: Data, init?: { status?: number; headers?: HeadersInit }): Promise<Response>;
  /** A redirect response (303 by default: see other, the right answer to a POST). */
  redirect(location: string, status?: 301 | 302 | 303 | 307 | 308): Response;
}

/** What a handler may return. */
export type HandlerResult<Data> = Response | PageResponse<Data>;

/** One method's handler. */
export type HandlerFn<Data = unknown, State = Record<string, unknown>> = (
  ctx: Context<State>,
) => HandlerResult<Data> | Promise<HandlerResult<Data>>;

/** A route's `handler` export: an object keyed by HTTP method. */
export type HandlerByMethod<Data = unknown, State = Record<string, unknown>> = Partial<
  Record<Method, HandlerFn<Data, State>>
>;

/** A `_middleware.ts` function: returns its own response or `ctx.next()`'s. */
export type Middleware<State = Record<string, unknown>> = (
  ctx: Context<State>,
) => Response | Promise<Response>;

/** Props of page, layout and app components. */
export interface PageProps<Data = unknown, State = Record<string, unknown>> {
  /** What the handler passed to `page(data)`. */
  data: Data;
  /** The request URL. */
  url: URL;
  /** Path parameters. */
  params: Record<string, string>;
  /** Per-request values set by middleware. */
  state: State;
  /** The matched route pattern. */
  route: string;
  /** In `_404` / `_500` pages: the error, an `HttpError` (others are wrapped: their message stays private). */
  error?: unknown;
  /** In `_404` / `_500` pages: the response status. */
  status?: number;
}

/** Props of `_app.tsx` and `_layout.tsx` components: page props plus the inner component. */
export interface LayoutProps<Data = unknown, State = Record<string, unknown>>
  extends PageProps<Data, State> {
  /** Renders what this layout wraps (the next layout or the page). */
  Component: ComponentType<Record<string, never>>;
}

/** Per-route settings a route file may export as `config`. */
export interface RouteConfig {
  /** Render the page without the `_layout.tsx` files of parent folders. */
  skipInheritedLayouts?: boolean;
  /** Render the page without `_app.tsx`. */
  skipAppWrapper?: boolean;
}

/** What a file under `routes/` may export; which exports count depends on its name. */
export interface RouteModule {
  /** Method handlers (routes) or middleware (`_middleware.ts`). */
  // deno-lint-ignore no-explicit-any
  handler?: HandlerByMethod<any, any> | Middleware<any> | Middleware<any>[];
  /** The page, layout or app component. */
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<any> | Middleware<any> | Middleware<any>[];
  /** Per-route settings. */
  config?: RouteConfig;
}

/** What a file under `islands/` exports: one component. */
export interface IslandModule {
  /** The island component; its props must be JSON values. */
  // deno-lint-ignore no-explicit-any
  default: ComponentType<any>;
}

/**
 * The generated manifest (`routes.gen.ts`): every route and island module,
 * imported statically, keyed by path relative to `baseUrl`.
 */
export interface Manifest {
  /** `"./routes/index.tsx"` → module. */
  routes: Record<string, RouteModule>;
  /** `"./islands/Counter.tsx"` → module. */
  islands: Record<string, IslandModule>;
  /** URL of the manifest file; the keys are relative to it. */
  baseUrl: string;
}
