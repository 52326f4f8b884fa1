import type { ComponentType, VNode } from "preact";
import type { HandlerByMethod, LayoutProps, Middleware, PageProps, PageResponse } from "./types.ts";

/**
 * A page result: have the route's page rendered with `data`.
 *
 * @param data handed to the page as `props.data`
 * @param init response status and headers
 * @returns the result to return from a handler
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { page } from "./mod.ts";
 * const result = page({ n: 1 }, { status: 201 });
 * assert.deepEqual([result.data, result.status], [{ n: 1 }, 201]);
 * ```
 */
export function page<Data = undefined>(
  data?: Data,
  init: { status?: number; headers?: HeadersInit } = {},
): PageResponse<Data> {
  return { __page: true, data: data as Data, status: init.status, headers: init.headers };
}

/** Whether a handler's result is a {@linkcode page} result. */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  return typeof value === "object" && value !== null && (value as { __page?: unknown }).__page ===
      true;
}

/** The data type a route's handler object hands to its page. */
// deno-lint-ignore no-explicit-any
export type DataOf<Handler> = Handler extends Record<string, (...args: any[]) => infer R>
  ? Awaited<R> extends infer Out ? Out extends PageResponse<infer Data> ? Data : never : never
  : never;

/** Typed helpers for one app's routes, returned by {@linkcode createDefine}. */
export interface Define<State> {
  /** Types a route's method handlers with the app's state. */
  handlers<Handlers extends HandlerByMethod<unknown, State>>(handlers: Handlers): Handlers;
  /** Types a page component with the data its handler returns (`define.page<typeof handler>`). */
  page<Handler = never>(
    component: (props: PageProps<DataOf<Handler>, State>) => VNode | null,
  ): ComponentType<PageProps<DataOf<Handler>, State>>;
  /** Types a `_layout.tsx` / `_app.tsx` component. */
  layout(component: (props: LayoutProps<unknown, State>) => VNode | null): ComponentType<
    LayoutProps<unknown, State>
  >;
  /** Types a `_middleware.ts` function. */
  middleware(fn: Middleware<State>): Middleware<State>;
}

/**
 * Returns the `define` helpers typed with an app's middleware state; an app
 * calls it once in its `utils.ts`. The helpers return their argument unchanged.
 *
 * @returns the helpers
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h } from "preact";
 * import { createDefine, page } from "./mod.ts";
 * const define = createDefine<{ user?: string }>();
 * const handler = define.handlers({ GET: (ctx) => page({ who: ctx.state.user ?? "guest" }) });
 * const Page = define.page<typeof handler>(({ data }) => h("p", null, data.who));
 * assert.equal(typeof handler.GET, "function");
 * assert.equal(typeof Page, "function");
 * ```
 */
export function createDefine<State = Record<string, unknown>>(): Define<State> {
  return {
    handlers: (handlers) => handlers,
    // deno-lint-ignore no-explicit-any
    page: (component) => component as any,
    layout: (component) => component,
    middleware: (fn) => fn,
  };
}
