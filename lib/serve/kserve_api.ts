/**
 * KServe v2 / Open Inference Protocol routes on the inference API:
 * server and model health, model metadata, and `infer` with JSON tensors
 * (raw model inputs and outputs, no handler pre/post-processing).
 * Errors are `{"error": "<message>"}` as the protocol specifies.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { type ApiContext, type Env, methodNotAllowed } from "./_http.ts";
import { readBody } from "./body.ts";
import { ServeError, toServeError } from "./errors.ts";
import type { ServedModel } from "./served_model.ts";
import {
  dtypeFromOip,
  OIP_DATATYPES,
  type Tensor,
  tensorFromJson,
  tensorToJson,
} from "./tensor.ts";
import { checkFeed } from "./tensor_handler.ts";
import type { ValueInfo } from "./_runtime.ts";

/** Server name and version reported by `GET /v2`. */
export const SERVER_INFO = { name: "lifecycle", version: "0.1.0", extensions: [] as string[] };

/**
 * Adds the `/v2/...` routes to an inference app.
 *
 * @param app the inference app
 * @param ctx registry and metrics
 */
export function addKserveRoutes(app: Hono<Env>, ctx: ApiContext): void {
  const wrap = (fn: (c: Context) => Response | Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (err) {
      const e = toServeError(err);
      return c.json({ error: e.message }, e.status as 400);
    }
  };
  const model = (c: Context) => ctx.registry.get(c.req.param("model")!, c.req.param("version"));
  app.get("/v2", (c) => c.json(SERVER_INFO));
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => {
    const ready = ctx.registry.all().every((m) => m.settings.minWorkers === 0 || m.ready);
    return c.json({ ready }, ready ? 200 : 503);
  });
  for (const base of ["/v2/models/:model", "/v2/models/:model/versions/:version"]) {
    app.get(base, wrap((c) => c.json(metadata(model(c), ctx))));
    app.get(
      `${base}/ready`,
      wrap((c) => {
        const m = model(c);
        return c.json({ name: m.name, ready: m.ready }, m.ready ? 200 : 503);
      }),
    );
    app.post(`${base}/infer`, wrap((c) => infer(c, model(c), ctx)));
  }
  app.all("/v2/*", methodNotAllowed);
}

function metadata(m: ServedModel, ctx: ApiContext) {
  const io = (v: ValueInfo) => ({
    name: v.name,
    datatype: OIP_DATATYPES[v.dtype as keyof typeof OIP_DATATYPES] ?? v.dtype.toUpperCase(),
    shape: v.dims.map((d) => typeof d === "number" && d >= 0 ? d : -1),
  });
  return {
    name: m.name,
    versions: ctx.registry.versions(m.name).map((v) => v.version),
    platform: "onnxruntime_onnx",
    inputs: m.inputs.map(io),
    outputs: m.outputs.map(io),
  };
}

interface OipInput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
}

async function infer(c: Context, m: ServedModel, ctx: ApiContext): Promise<Response> {
  const t0 = performance.now();
  let wanted: string[] = [];
  let id: unknown;
  let queueMs = 0;
  try {
    const result = await m.infer(async () => {
      const req = parseInferRequest(
        new TextDecoder().decode(await readBody(c.req.raw, ctx.maxRequestSize)),
      );
      id = req.id;
      wanted = requestedOutputs(req.outputs, m);
      return oipFeeds(req.inputs as OipInput[], m);
    });
    queueMs = result.queueMs;
    return c.json({
      model_name: m.name,
      model_version: m.version,
      ...(typeof id === "string" ? { id } : {}),
      outputs: wanted.map((name) => {
        const t = result.outputs[name]!;
        return { name, datatype: OIP_DATATYPES[t.dtype], shape: t.dims, data: tensorToJson(t) };
      }),
    });
  } finally {
    const latencyUs = (performance.now() - t0) * 1000;
    ctx.metrics.recordInference(m.name, c.req.param("version"), latencyUs, queueMs * 1000);
  }
}

function parseInferRequest(text: string): { id?: unknown; inputs: unknown[]; outputs?: unknown } {
  let req: { id?: unknown; inputs?: unknown; outputs?: unknown };
  try {
    req = JSON.parse(text);
  } catch (err) {
    throw ServeError.badRequest(`Invalid JSON body: ${(err as Error).message}`);
  }
  if (!req || !Array.isArray(req.inputs) || req.inputs.length === 0) {
    throw ServeError.badRequest(`Invalid inference request: "inputs" must be a non-empty list`);
  }
  return req as { id?: unknown; inputs: unknown[]; outputs?: unknown };
}

function oipFeeds(inputs: OipInput[], m: ServedModel): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const info = m.inputs.find((i) => i.name === input?.name);
    if (!info) {
      throw ServeError.badRequest(
        `Unknown input ${JSON.stringify(input?.name)}: the model's inputs are ${
          m.inputs.map((i) => `"${i.name}"`).join(", ")
        }`,
      );
    }
    feeds[info.name] = oipTensor(input, info);
  }
  const missing = m.inputs.find((i) => !feeds[i.name]);
  if (missing) throw ServeError.badRequest(`Missing input "${missing.name}"`);
  return feeds;
}

function oipTensor(input: OipInput, info: ValueInfo): Tensor {
  const dtype = dtypeFromOip(String(input.datatype));
  if (!dtype) {
    throw ServeError.badRequest(
      `Invalid datatype ${JSON.stringify(input.datatype)} of "${info.name}": expected one of ${
        Object.values(OIP_DATATYPES).join(", ")
      }`,
    );
  }
  if (dtype !== info.dtype) {
    throw ServeError.badRequest(
      `Invalid datatype ${input.datatype} of "${info.name}": the model takes ${
        OIP_DATATYPES[info.dtype as keyof typeof OIP_DATATYPES] ?? info.dtype
      }`,
    );
  }
  if (!Array.isArray(input.shape)) {
    throw ServeError.badRequest(`Invalid input "${info.name}": "shape" must be a list`);
  }
  return checkFeed(tensorFromJson(dtype, input.shape as number[], input.data, info.name), info);
}

function requestedOutputs(outputs: unknown, m: ServedModel): string[] {
  if (outputs === undefined) return m.outputs.map((o) => o.name);
  if (!Array.isArray(outputs)) {
    throw ServeError.badRequest(`Invalid inference request: "outputs" must be a list`);
  }
  return outputs.map((o: { name?: unknown }) => {
    if (!m.outputs.some((x) => x.name === o?.name)) {
      throw ServeError.badRequest(
        `Unknown output ${JSON.stringify(o?.name)}: the model's outputs are ${
          m.outputs.map((x) => `"${x.name}"`).join(", ")
        }`,
      );
    }
    return o.name as string;
  });
}
