/**
 * OpenAPI 3.0.1 descriptions answered by `OPTIONS /` on the inference and
 * management APIs, as TorchServe's API description.
 *
 * @module
 */

type Param = [name: string, where: "path" | "query", type: string, description: string];

const ERROR = {
  description: "Error: TorchServe's error body",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          code: { type: "integer" },
          type: { type: "string" },
          message: { type: "string" },
        },
      },
    },
  },
};

function op(summary: string, params: Param[], codes: number[], body?: string) {
  const responses: Record<string, unknown> = {};
  for (const code of codes) {
    responses[String(code)] = code < 300
      ? { description: "OK", content: { "application/json": { schema: { type: "object" } } } }
      : ERROR;
  }
  return {
    summary,
    operationId: summary.replace(/[^A-Za-z]+(.)/g, (_, ch: string) => ch.toUpperCase())
      .replace(/^./, (ch) => ch.toLowerCase()),
    parameters: params.map(([name, where, type, description]) => ({
      name,
      in: where,
      required: where === "path",
      description,
      schema: { type },
    })),
    ...(body
      ? {
        requestBody: {
          description: body,
          content: {
            "application/octet-stream": { schema: { type: "string", format: "binary" } },
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: { data: { type: "string", format: "binary" } },
              },
            },
            "application/json": { schema: { type: "object" } },
          },
        },
      }
      : {}),
    responses,
  };
}

const MODEL: Param = ["model_name", "path", "string", "Name of the model"];
const VERSION: Param = ["model_version", "path", "string", "Version of the model"];

function doc(title: string, paths: Record<string, unknown>) {
  return { openapi: "3.0.1", info: { title, version: "0.1.0" }, paths };
}

/** The inference API's description. */
export function inferenceOpenApi(): Record<string, unknown> {
  const predict = (params: Param[]) =>
    op(
      "Predictions entry point",
      params,
      [200, 400, 404, 413, 503, 504],
      "Image bytes, a multipart field data, or JSON tensors",
    );
  const v2 = (summary: string, codes: number[], body?: string) => op(summary, [], codes, body);
  return doc("Inference API", {
    "/": { options: op("API description", [], [200]) },
    "/ping": { get: op("Health check", [], [200]), post: op("Health check post", [], [200]) },
    "/predictions/{model_name}": { post: predict([MODEL]) },
    "/predictions/{model_name}/{model_version}": { post: predict([MODEL, VERSION]) },
    "/v2": { get: v2("Server metadata", [200]) },
    "/v2/health/live": { get: v2("Server live", [200]) },
    "/v2/health/ready": { get: v2("Server ready", [200, 503]) },
    "/v2/models/{model_name}": { get: op("Model metadata", [MODEL], [200, 404]) },
    "/v2/models/{model_name}/versions/{model_version}": {
      get: op("Model version metadata", [MODEL, VERSION], [200, 404]),
    },
    "/v2/models/{model_name}/ready": { get: op("Model ready", [MODEL], [200, 404, 503]) },
    "/v2/models/{model_name}/versions/{model_version}/ready": {
      get: op("Model version ready", [MODEL, VERSION], [200, 404, 503]),
    },
    "/v2/models/{model_name}/infer": {
      post: op("Model infer", [MODEL], [200, 400, 404, 503], "Open Inference Protocol request"),
    },
    "/v2/models/{model_name}/versions/{model_version}/infer": {
      post: op(
        "Model version infer",
        [MODEL, VERSION],
        [200, 400, 404, 503],
        "Open Inference Protocol request",
      ),
    },
  });
}

/** The management API's description. */
export function managementOpenApi(): Record<string, unknown> {
  const q = (name: string, type: string, description: string): Param => [
    name,
    "query",
    type,
    description,
  ];
  const sync = q("synchronous", "boolean", "Wait until workers are adjusted");
  const scale = [
    q("min_worker", "integer", "Minimum workers (default 1)"),
    q("max_worker", "integer", "Maximum workers (default min_worker)"),
    sync,
  ];
  return doc("Management API", {
    "/": { options: op("API description", [], [200]) },
    "/models": {
      get: op("List models", [
        q("limit", "integer", "Page size (default 100)"),
        q("next_page_token", "string", "Where the page starts"),
      ], [200, 400]),
      post: op("Register model", [
        q("url", "string", "Archive file name in the model store, or an allowed http(s) URL"),
        q("model_name", "string", "Served name (default: the manifest's)"),
        q("batch_size", "integer", "Inference batch size"),
        q("max_batch_delay", "integer", "Batch aggregation delay, ms"),
        q("initial_workers", "integer", "Workers to start (default 0)"),
        sync,
        q("response_timeout", "number", "Seconds a worker may take per batch"),
        q("startup_timeout", "number", "Seconds a worker may take to load"),
      ], [200, 202, 400, 403, 404, 409]),
    },
    "/models/{model_name}": {
      get: op("Describe model", [MODEL, q("customized", "boolean", "Add archive metrics")], [
        200,
        404,
      ]),
      put: op("Scale workers", [MODEL, ...scale], [200, 202, 400, 404]),
      delete: op("Unregister model", [MODEL], [200, 400, 404]),
    },
    "/models/{model_name}/all": { get: op("Describe all versions", [MODEL], [200, 404]) },
    "/models/{model_name}/{model_version}": {
      get: op("Describe model version", [MODEL, VERSION], [200, 404]),
      put: op("Scale version workers", [MODEL, VERSION, ...scale], [200, 202, 400, 404]),
      delete: op("Unregister model version", [MODEL, VERSION], [200, 400, 404]),
    },
    "/models/{model_name}/{model_version}/set-default": {
      put: op("Set default version", [MODEL, VERSION], [200, 404]),
    },
    "/token": {
      get: op("Renew a key", [q("type", "string", "management or inference")], [200, 400, 401]),
    },
  });
}
