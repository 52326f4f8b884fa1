/**
 * The inference API (TorchServe's, default 127.0.0.1:8080): `GET|POST /ping`,
 * `POST /predictions/{model}[/{version}]`, `OPTIONS /`, plus KServe v2.
 *
 * A prediction body is raw image bytes, a multipart form with a file field
 * `data` (or `file`), or JSON (tensor handler; or `{"data": "<base64 image>"}`).
 *
 * @module
 */
import type { Context } from "hono";
import { type ApiContext, createApp, type Env, methodNotAllowed } from "./_http.ts";
import { readBody } from "./body.ts";
import { ServeError } from "./errors.ts";
import { addKserveRoutes } from "./kserve_api.ts";
import { inferenceOpenApi } from "./openapi.ts";
import type { PredictBody, ServedModel } from "./served_model.ts";
import type { Hono } from "hono";

/**
 * Builds the inference API.
 *
 * @param ctx registry, metrics, logs, auth, body limit
 * @returns the Hono app
 */
export function inferenceApp(ctx: ApiContext): Hono<Env> {
  const app = createApp("inference", ctx, "inference");
  const ping = (c: Context) => c.json({ status: "Healthy" });
  app.get("/ping", ping);
  app.post("/ping", ping);
  app.all("/ping", methodNotAllowed);
  app.options("/", (c) => c.json(inferenceOpenApi()));
  const predict = (c: Context) => predictRoute(c, ctx);
  app.post("/predictions/:model", predict);
  app.post("/predictions/:model/:version", predict);
  app.put("/predictions/:model", predict);
  app.put("/predictions/:model/:version", predict);
  app.all("/predictions/*", methodNotAllowed);
  addKserveRoutes(app, ctx);
  return app;
}

async function predictRoute(c: Context, ctx: ApiContext): Promise<Response> {
  const t0 = performance.now();
  const name = c.req.param("model")!;
  const version = c.req.param("version");
  const model = ctx.registry.get(name, version);
  let queueMs = 0;
  try {
    // Counted in flight from here, so that batching waits for it and unregistering lets it finish.
    const result = await model.predict(() => readPredictBody(c, ctx, model));
    queueMs = result.queueMs;
    return new Response(result.json, { headers: { "content-type": "application/json" } });
  } finally {
    // Every request to a known model counts, answered or refused, as TorchServe's counter.
    ctx.metrics.recordInference(name, version, (performance.now() - t0) * 1000, queueMs * 1000);
  }
}

async function readPredictBody(
  c: Context,
  ctx: ApiContext,
  model: ServedModel,
): Promise<PredictBody> {
  const bytes = await readBody(c.req.raw, ctx.maxRequestSize);
  if (bytes.length === 0) {
    throw ServeError.badRequest(
      `Empty request body: send image bytes, a multipart field "data", or JSON tensors`,
    );
  }
  return await decodeBody(c.req.header("content-type") ?? "", bytes, model);
}

async function decodeBody(
  contentType: string,
  bytes: Uint8Array,
  model: ServedModel,
): Promise<PredictBody> {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "multipart/form-data") return await fromMultipart(contentType, bytes);
  // A tensor model reads JSON unless the body says it is binary (clients often omit the type).
  const binary = type.startsWith("image/") || type === "application/octet-stream";
  const json = type === "application/json" || type.endsWith("+json") ||
    (model.handler.handler === "tensor" && !binary);
  if (json) return { kind: "json", value: parseJson(new TextDecoder().decode(bytes)) };
  return { kind: "bytes", bytes };
}

async function fromMultipart(contentType: string, bytes: Uint8Array): Promise<PredictBody> {
  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch (err) {
    throw ServeError.badRequest(`Invalid multipart body: ${(err as Error).message}`);
  }
  const value = form.get("data") ?? form.get("file") ?? form.get("body") ??
    [...form.values()].find((v) => typeof v !== "string");
  if (value === null || value === undefined) {
    throw ServeError.badRequest(`Multipart body has no field "data" (or "file")`);
  }
  if (typeof value !== "string") return { kind: "bytes", bytes: await value.bytes() };
  const text = value.trim();
  if (text.startsWith("{") || text.startsWith("[")) return { kind: "json", value: parseJson(text) };
  return { kind: "bytes", bytes: new TextEncoder().encode(value) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw ServeError.badRequest(`Invalid JSON body: ${(err as Error).message}`);
  }
}
