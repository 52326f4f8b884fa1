/**
 * Scale-out export: a model archive as a Triton Inference Server model
 * repository (`<dir>/<name>/config.pbtxt`, `<dir>/<name>/<version>/model.onnx`,
 * `labels.txt`) served by Triton's ONNX Runtime backend, and a KServe
 * `InferenceService` manifest that points at it. Field names and types follow
 * Triton's `model_config.proto` (`ModelConfig`, `ModelInput`, `ModelOutput`,
 * `ModelDynamicBatching`, `ModelInstanceGroup`).
 *
 * @module
 */
import { join } from "node:path";
import { type Dim, type DType, modelFromBytes } from "../onnx/mod.ts";
import type { ModelArchive } from "./mar.ts";

const TRITON_TYPES: Partial<Record<DType, string>> = {
  bool: "TYPE_BOOL",
  uint8: "TYPE_UINT8",
  uint16: "TYPE_UINT16",
  uint32: "TYPE_UINT32",
  uint64: "TYPE_UINT64",
  int8: "TYPE_INT8",
  int16: "TYPE_INT16",
  int32: "TYPE_INT32",
  int64: "TYPE_INT64",
  float16: "TYPE_FP16",
  float32: "TYPE_FP32",
  float64: "TYPE_FP64",
  string: "TYPE_STRING",
  bfloat16: "TYPE_BF16",
};

/** Options of {@linkcode tritonConfig}. */
export interface TritonOptions {
  /** Largest batch Triton forms (default 64; 0 when the model's batch dim is fixed). */
  maxBatchSize?: number;
  /** Batch sizes the dynamic batcher prefers (default: none, Triton chooses). */
  preferredBatchSizes?: number[];
  /** How long a request may wait for others, in µs (default 5000). */
  maxQueueDelayMicroseconds?: number;
  /** Model instances (default 1). */
  instances?: number;
  /** Where instances run (default KIND_CPU). */
  kind?: "KIND_CPU" | "KIND_GPU" | "KIND_AUTO";
}

/** A tensor of the Triton config. */
interface TritonTensor {
  name: string;
  dataType: string;
  dims: number[];
}

function tensorsOf(
  infos: { name: string; dtype?: DType; dims?: Dim[] }[],
  batched: boolean,
  what: string,
): TritonTensor[] {
  return infos.map((v) => {
    const dataType = v.dtype ? TRITON_TYPES[v.dtype] : undefined;
    if (!dataType) {
      throw new TypeError(
        `Cannot export ${what} "${v.name}" to Triton: dtype ${v.dtype ?? "unknown"}`,
      );
    }
    const dims = (batched ? (v.dims ?? []).slice(1) : v.dims ?? [])
      .map((d) => (typeof d === "number" ? d : -1));
    return { name: v.name, dataType, dims };
  });
}

/**
 * The `config.pbtxt` text for an archive's model.
 *
 * @param archive the decoded archive
 * @param options batching and instance settings
 * @returns protobuf text format of Triton's `ModelConfig`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, modelToBytes } from "../onnx/mod.ts";
 * import { createManifest } from "./manifest.ts";
 * import { tritonConfig } from "./triton.ts";
 * const g = new GraphBuilder();
 * g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: ["N", 4] })]), "y");
 * const text = tritonConfig({
 *   manifest: createManifest("relu"),
 *   model: modelToBytes(g.build()),
 *   labels: [],
 *   handler: { handler: "tensor", input: { name: "x", dims: ["N", 4] }, output: { name: "y" } },
 * });
 * assert.match(text, /platform: "onnxruntime_onnx"/);
 * assert.match(text, /dims: \[ 4 \]/);
 * ```
 */
export function tritonConfig(archive: ModelArchive, options: TritonOptions = {}): string {
  const model = modelFromBytes(archive.model, { name: archive.manifest.model.serializedFile });
  const inputs = model.graph.inputs.filter((i) => !model.graph.isInitializer(i.name));
  const batchDim = inputs[0]?.dims?.[0];
  const batched = typeof batchDim !== "number" || batchDim === -1;
  const maxBatchSize = batched ? options.maxBatchSize ?? 64 : 0;
  const name = archive.manifest.model.modelName;
  const lines: string[] = [
    `name: ${quote(name)}`,
    `platform: "onnxruntime_onnx"`,
    `max_batch_size: ${maxBatchSize}`,
  ];
  for (const t of tensorsOf(inputs, maxBatchSize > 0, "input")) {
    lines.push("input [", "  {", `    name: ${quote(t.name)}`, `    data_type: ${t.dataType}`);
    lines.push(`    dims: [ ${t.dims.join(", ")} ]`, "  }", "]");
  }
  const labelled = archive.labels.length > 0 ? archive.handler.output.name : undefined;
  for (const t of tensorsOf(model.graph.outputs, maxBatchSize > 0, "output")) {
    lines.push("output [", "  {", `    name: ${quote(t.name)}`, `    data_type: ${t.dataType}`);
    lines.push(`    dims: [ ${t.dims.join(", ")} ]`);
    if (t.name === labelled) lines.push(`    label_filename: "labels.txt"`);
    lines.push("  }", "]");
  }
  if (maxBatchSize > 0) {
    const delay = options.maxQueueDelayMicroseconds ?? 5000;
    lines.push("dynamic_batching {");
    if (options.preferredBatchSizes?.length) {
      lines.push(`  preferred_batch_size: [ ${options.preferredBatchSizes.join(", ")} ]`);
    }
    lines.push(`  max_queue_delay_microseconds: ${delay}`, "}");
  }
  lines.push(
    "instance_group [",
    "  {",
    `    count: ${options.instances ?? 1}`,
    `    kind: ${options.kind ?? "KIND_CPU"}`,
    "  }",
    "]",
  );
  return lines.join("\n") + "\n";
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Triton model versions are positive integers: "2.0" → 2, "3" → 3. */
export function tritonVersion(modelVersion: string): number {
  const major = Number.parseInt(modelVersion, 10);
  return Number.isInteger(major) && major > 0 ? major : 1;
}

/**
 * Writes a Triton model repository for an archive.
 *
 * @param archive the decoded archive
 * @param dir the repository root (created)
 * @param options batching and instance settings
 * @returns the model folder
 */
export async function exportTriton(
  archive: ModelArchive,
  dir: string,
  options: TritonOptions = {},
): Promise<string> {
  const name = archive.manifest.model.modelName;
  const modelDir = join(dir, name);
  const versionDir = join(modelDir, String(tritonVersion(archive.manifest.model.modelVersion)));
  const config = tritonConfig(archive, options);
  await Deno.mkdir(versionDir, { recursive: true });
  await Deno.writeFile(join(versionDir, "model.onnx"), archive.model);
  await Deno.writeTextFile(join(modelDir, "config.pbtxt"), config);
  if (archive.labels.length > 0) {
    await Deno.writeTextFile(join(modelDir, "labels.txt"), archive.labels.join("\n") + "\n");
  }
  return modelDir;
}

/**
 * A KServe `InferenceService` manifest serving the Triton repository's model
 * with the Open Inference Protocol (v2).
 *
 * @param name the service and model name (lower-case DNS label)
 * @param storageUri where the repository lives (`s3://…`, `gs://…`, `pvc://…`)
 * @returns YAML text
 */
export function kserveManifest(name: string, storageUri: string): string {
  const service = name.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
  return [
    "apiVersion: serving.kserve.io/v1beta1",
    "kind: InferenceService",
    "metadata:",
    `  name: ${service}`,
    "spec:",
    "  predictor:",
    "    model:",
    "      modelFormat:",
    "        name: triton",
    "      protocolVersion: v2",
    `      storageUri: ${JSON.stringify(storageUri)}`,
    "      resources:",
    "        requests:",
    '          cpu: "1"',
    "          memory: 1Gi",
    "",
  ].join("\n");
}
