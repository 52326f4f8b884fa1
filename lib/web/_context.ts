// The per-request context handed to middleware and handlers.
import type { Context, Middleware } from "./types.ts";

/** What the runtime needs to make a context. */
export interface ContextInit {
  req: Request;
  params: Record<string, string>;
  route: string;
  remoteAddr: string | undefined;
  state: Record<string, unknown>;
  render: (
    ctx: Context,
    data: unknown,
    init: { status?: number; headers?: HeadersInit },
  ) => Promise<Response>;
}

/** Makes a context whose `next()` walks `chain` and then calls `last`. */
export function makeContext(
  init: ContextInit,
  chain: Middleware<unknown>[],
  last: (ctx: Context) => Promise<Response>,
): Context {
  let position = 0;
  const ctx: Context = {
    req: init.req,
    url: new URL(init.req.url),
    params: init.params,
    state: init.state,
    route: init.route,
    remoteAddr: init.remoteAddr,
    next(): Promise<Response> {
      const fn = chain[position++];
      return fn ? Promise.resolve(fn(ctx)) : last(ctx);
    },
    render(data, options = {}) {
      return init.render(ctx, data, options);
    },
    redirect(location, status = 303) {
      return new Response(null, { status, headers: { location } });
    },
  };
  return ctx;
}

/** Whether the client wants JSON rather than a page: `/api/` paths or an Accept asking for JSON. */
export function wantsJson(req: Request): boolean {
  if (new URL(req.url).pathname.startsWith("/api/")) return true;
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}
