/**
 * What the three HTTP APIs share: TorchServe's JSON error body, the access
 * log and status counters, token checks, and strict query-parameter parsing.
 *
 * @module
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { TokenAuth } from "./auth.ts";
import { ServeError, toServeError } from "./errors.ts";
import type { ServerLogs } from "./logs.ts";
import type { Metrics } from "./metrics.ts";
import type { Registry } from "./registry.ts";

/** What route handlers need. */
export interface ApiContext {
  registry: Registry;
  metrics: Metrics;
  logs: ServerLogs;
  auth?: TokenAuth;
  maxRequestSize: number;
}

/** Hono environment of the APIs: the peer address from Deno.serve. */
export type Env = { Bindings: { remote: string } };

/**
 * A Hono app with TorchServe's error handling, access log, status counters
 * and (when enabled) token authorization.
 *
 * @param api "inference", "management" or "metrics" (access-log field)
 * @param ctx registry, metrics, logs, auth
 * @param key which key requests need, when token authorization is on
 * @returns the app
 */
export function createApp(
  api: string,
  ctx: ApiContext,
  key?: "inference" | "management",
): Hono<Env> {
  const app = new Hono<Env>();
  app.use(async (c, next) => {
    const t0 = performance.now();
    await next();
    const status = c.res.status;
    ctx.metrics.recordStatus(status);
    ctx.logs.access.write({
      api,
      remote: c.env?.remote,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - t0) * 1000) / 1000,
    });
  });
  if (ctx.auth && key) app.use(authorize(ctx.auth, key));
  app.onError((err, c) => errorResponse(c, toServeError(err)));
  app.notFound((c) =>
    errorResponse(
      c,
      new ServeError(
        404,
        "ResourceNotFoundException",
        `Requested resource is not found, please refer to API document: ${c.req.method} ${
          new URL(c.req.url).pathname
        }`,
      ),
    )
  );
  return app;
}

function authorize(auth: TokenAuth, kind: "inference" | "management"): MiddlewareHandler<Env> {
  return async function authorizeToken(c, next) {
    // Key renewal is guarded by the API key inside its own route.
    if (c.req.path === "/token" || auth.check(c.req.header("authorization"), kind)) {
      return await next();
    }
    return errorResponse(
      c,
      new ServeError(
        401,
        "InvalidKeyException",
        `Token Authorization failed: send "Authorization: Bearer <${kind} key>" ` +
          `with the unexpired key from the key file`,
      ),
      { "www-authenticate": "Bearer" },
    );
  };
}

/** TorchServe's error body `{code, type, message}` as a response. */
export function errorResponse(
  c: Context,
  err: ServeError,
  headers: Record<string, string> = {},
): Response {
  return c.json(err.body(), err.status as 400, headers);
}

/** 405 with TorchServe's wording, for a known path with the wrong method. */
export function methodNotAllowed(c: Context): Response {
  return errorResponse(
    c,
    new ServeError(
      405,
      "MethodNotAllowedException",
      `Requested method is not allowed, please refer to API document: ${c.req.method} ${c.req.path}`,
    ),
  );
}

/**
 * An optional non-negative integer query parameter.
 *
 * @throws {ServeError} 400 naming the parameter when it is not one
 */
export function intParam(c: Context, name: string, min = 0): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min) {
    throw ServeError.badRequest(`Invalid ${name} "${raw}": expected an integer >= ${min}`);
  }
  return n;
}

/**
 * An optional positive number query parameter (seconds may have decimals).
 *
 * @throws {ServeError} 400 naming the parameter when it is not one
 */
export function numberParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw ServeError.badRequest(`Invalid ${name} "${raw}": expected a number > 0`);
  }
  return n;
}

/**
 * An optional boolean query parameter ("true"/"false").
 *
 * @throws {ServeError} 400 naming the parameter when it is neither
 */
export function boolParam(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (raw !== "true" && raw !== "false") {
    throw ServeError.badRequest(`Invalid ${name} "${raw}": expected true or false`);
  }
  return raw === "true";
}
