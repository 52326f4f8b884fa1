/**
 * The management API (TorchServe's, default 127.0.0.1:8081): list, register,
 * describe, scale, set the default version, unregister, `OPTIONS /`, and key
 * renewal (`GET /token?type=`) when token authorization is on.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import {
  type ApiContext,
  boolParam,
  createApp,
  type Env,
  errorResponse,
  intParam,
  methodNotAllowed,
  numberParam,
} from "./_http.ts";
import { ServeError } from "./errors.ts";
import { managementOpenApi } from "./openapi.ts";

/**
 * Builds the management API.
 *
 * @param ctx registry, metrics, logs, auth
 * @returns the Hono app
 */
export function managementApp(ctx: ApiContext): Hono<Env> {
  const app = createApp("management", ctx, "management");
  const reg = ctx.registry;
  app.options("/", (c) => c.json(managementOpenApi()));
  app.get(
    "/models",
    (c) => c.json(reg.list(intParam(c, "limit", 1), c.req.query("next_page_token"))),
  );
  app.post("/models", async (c) => {
    for (const unsupported of ["handler", "runtime"]) {
      const v = c.req.query(unsupported);
      if (v && !(unsupported === "runtime" && /^python$/i.test(v))) {
        throw ServeError.badRequest(
          `Parameter "${unsupported}" is not supported: the handler comes from the archive's handler.json`,
        );
      }
    }
    const r = await reg.register({
      url: c.req.query("url") ?? "",
      modelName: c.req.query("model_name") || undefined,
      batchSize: intParam(c, "batch_size", 1),
      maxBatchDelay: intParam(c, "max_batch_delay"),
      initialWorkers: intParam(c, "initial_workers") ?? 0,
      synchronous: boolParam(c, "synchronous") ?? false,
      responseTimeout: numberParam(c, "response_timeout"),
      startupTimeout: numberParam(c, "startup_timeout"),
    });
    return c.json({ status: r.message }, r.status);
  });
  app.all("/models", methodNotAllowed);
  app.get("/models/:model", async (c) => c.json(await describe(c, ctx, undefined)));
  app.get(
    "/models/:model/:version",
    async (c) => c.json(await describe(c, ctx, c.req.param("version"))),
  );
  const scale = async (c: Context) => {
    const r = await reg.scale(c.req.param("model")!, c.req.param("version"), {
      minWorker: intParam(c, "min_worker"),
      maxWorker: intParam(c, "max_worker"),
      synchronous: boolParam(c, "synchronous") ?? false,
    });
    return c.json({ status: r.message }, r.status);
  };
  app.put("/models/:model", scale);
  app.put("/models/:model/:version", scale);
  app.put("/models/:model/:version/set-default", (c) => {
    const r = reg.setDefault(c.req.param("model"), c.req.param("version"));
    return c.json({ status: r.message }, r.status);
  });
  const unregister = async (c: Context) => {
    const r = await reg.unregister(c.req.param("model")!, c.req.param("version"));
    return c.json({ status: r.message }, r.status);
  };
  app.delete("/models/:model", unregister);
  app.delete("/models/:model/:version", unregister);
  app.all("/models/*", methodNotAllowed);
  app.get("/token", async (c) => {
    if (!ctx.auth) {
      throw new ServeError(404, "ResourceNotFoundException", "Token authorization is disabled");
    }
    if (!ctx.auth.check(c.req.header("authorization"), "API")) {
      return errorResponse(
        c,
        new ServeError(
          401,
          "InvalidKeyException",
          `Token renewal needs "Authorization: Bearer <API key>"`,
        ),
      );
    }
    const type = c.req.query("type");
    if (type !== "management" && type !== "inference") {
      throw ServeError.badRequest(`Invalid type "${type}": expected management or inference`);
    }
    await ctx.auth.renew(type);
    return c.json({ [type]: ctx.auth.keys[type] });
  });
  return app;
}

function describe(c: Context, ctx: ApiContext, version: string | undefined) {
  return ctx.registry.describe(
    c.req.param("model")!,
    version,
    boolParam(c, "customized") ?? false,
  );
}
