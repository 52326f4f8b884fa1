/**
 * The metrics API (TorchServe's, default 127.0.0.1:8082): `GET /metrics` in
 * Prometheus text format, filtered by `name[]` parameters as TorchServe's.
 *
 * @module
 */
import type { Hono } from "hono";
import { type ApiContext, createApp, type Env, methodNotAllowed } from "./_http.ts";

/**
 * Builds the metrics API.
 *
 * @param ctx registry and metrics
 * @returns the Hono app
 */
export function metricsApp(ctx: ApiContext): Hono<Env> {
  const app = createApp("metrics", ctx);
  app.get("/metrics", (c) => {
    const names = c.req.queries("name[]") ?? [];
    return c.text(ctx.metrics.render(ctx.registry, names), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
  app.all("/metrics", methodNotAllowed);
  return app;
}
