/**
 * `deno task archive inspect <file.mar>`,
 * `deno task archive create <model.onnx> --labels … --handler …` and
 * `deno task archive export --triton <file.mar> <dir> [--kserve [--storage-uri URI]]`.
 *
 * @module
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runMain } from "./_main.ts";
import {
  ArchiveFormatError,
  checkHandlerSpec,
  createManifest,
  exportTriton,
  kserveManifest,
  planArchive,
  sha256Hex,
  unzipArchive,
  verifyArchive,
  writeArchive,
} from "../lib/archive/mod.ts";
import { modelFromBytes, Session } from "../lib/onnx/mod.ts";

const HELP = `Usage:
  deno task archive inspect <file.mar>
  deno task archive create <model.onnx> --labels FILE --handler FILE [options]
  deno task archive export --triton <file.mar> <dir> [--kserve [--storage-uri URI]] [options]

inspect  verifies an archive (required files, handler spec, sha256 of every file)
         and prints its manifest, files, handler, labels and metrics; exits 1 and
         names the missing file or the differing hash when it is corrupt.
create   packs a model trained elsewhere into the model store.
export   writes a Triton Inference Server model repository for the archive's model:
         <dir>/<model>/config.pbtxt (inputs/outputs, max batch size, dynamic
         batching, instance group), <dir>/<model>/<version>/model.onnx and
         labels.txt; with --kserve also <dir>-inferenceservice.yaml, a KServe
         InferenceService (Triton runtime, v2 protocol) whose storageUri is where
         you upload <dir>.

Options of create:
  --labels FILE     class names: a JSON list, a JSON index_to_name object, or one
                    name per line
  --handler FILE    handler.json: {handler, input {name, dims}, output {name},
                    preprocess {colorMode, resize, centerCrop, scale, mean, std,
                    invert}, postprocess {softmax, topK}}
  --name NAME       served model name (default: the model file's name)
  --version V       version (default: the next one of that name in the store)
  --params FILE     params.json to include
  --metrics FILE    metrics.json to include
  --out DIR         model store (default model_store)

Options of export:
  --triton              the Triton repository layout (the one format written)
  --kserve              also write the InferenceService manifest
  --storage-uri URI     where the repository will live (s3://…, gs://…, pvc://…;
                        default pvc://models/<dir name>)
  --max-batch-size N    largest batch Triton forms (default 64)
  --max-queue-delay US  dynamic batching delay in microseconds (default 5000)
  --instances N         model instances (default 1)
  --gpu                 run the instances on GPUs (KIND_GPU; default KIND_CPU)

Examples:
  deno task archive export --triton model_store/cnn_default_run_…_int8_static.mar build/triton --kserve --storage-uri s3://models/triton
  deno task archive inspect model_store/cnn_default_run_2026-01-01_10-00-00_int8_static.mar
  deno task archive create resnet18.onnx --labels imagenet.txt --handler handler.json --name resnet18
`;

async function readFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    throw new Error(`Cannot read ${what} "${path}": ${why}`, { cause: err });
  }
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readFile(path, what));
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Cannot parse ${what} "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Class names from a JSON list, an index_to_name object, or lines of text. */
export async function readLabels(path: string): Promise<string[]> {
  const text = new TextDecoder().decode(await readFile(path, "labels file"));
  if (extname(path).toLowerCase() !== ".json") {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
    if (lines.length === 0) throw new RangeError(`Labels file "${path}" holds no names`);
    return lines;
  }
  const raw = await readJsonFile(path, "labels file");
  if (Array.isArray(raw) && raw.length > 0) return raw.map(String);
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>);
    const out = new Array<string>(entries.length);
    for (const [k, v] of entries) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= entries.length) {
        throw new RangeError(
          `Labels file "${path}": key ${JSON.stringify(k)} is not 0…${entries.length - 1}`,
        );
      }
      out[i] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
    }
    return out;
  }
  throw new TypeError(`Labels file "${path}": expected a list of names or an object "0" -> name`);
}

async function inspect(file: string): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (err) {
    throw new ArchiveFormatError(
      file,
      `cannot read archive: ${err instanceof Deno.errors.NotFound ? "no such file" : err}`,
      {
        cause: err,
      },
    );
  }
  const report = verifyArchive(bytes, file);
  if (!report.ok) {
    const problems = report.problems.map((
      p,
    ) => (p.startsWith(`${file}: `) ? p.slice(file.length + 2) : p));
    throw new ArchiveFormatError(file, `corrupt archive: ${problems.join("; ")}`);
  }
  const a = report.archive!;
  const files = unzipArchive(bytes, file);
  console.log(`${file}: ok (${bytes.length} bytes)`);
  console.log(
    `model ${a.manifest.model.modelName} version ${a.manifest.model.modelVersion}, handler ${a.manifest.model.handler}, created ${a.manifest.createdOn}`,
  );
  console.log("files:");
  for (const [p, b] of Object.entries(files).sort()) {
    console.log(`  ${p}  ${b.length} bytes  sha256 ${sha256Hex(b)}`);
  }
  console.log(`handler: ${JSON.stringify(a.handler)}`);
  console.log(
    `labels (${a.labels.length}): ${a.labels.slice(0, 10).join(", ")}${
      a.labels.length > 10 ? ", …" : ""
    }`,
  );
  if (a.metrics) console.log(`metrics: ${JSON.stringify(a.metrics)}`);
  return 0;
}

async function create(args: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      labels: { type: "string" },
      handler: { type: "string" },
      name: { type: "string" },
      version: { type: "string" },
      params: { type: "string" },
      metrics: { type: "string" },
      out: { type: "string" },
    },
  });
  if (positionals.length !== 1) {
    throw new TypeError("Expected one model file: see deno task archive --help");
  }
  if (!v.labels || !v.handler) {
    throw new TypeError("create needs --labels and --handler: see deno task archive --help");
  }
  const modelFile = positionals[0]!;
  const model = await readFile(modelFile, "model");
  const parsed = modelFromBytes(model, { name: modelFile });
  const labels = await readLabels(v.labels);
  const handler = checkHandlerSpec(await readJsonFile(v.handler, "handler file"), v.handler);
  const input = parsed.graph.feedInputs().find((i) => i.name === handler.input.name);
  if (!input) {
    throw new RangeError(
      `Handler "${v.handler}" names input "${handler.input.name}", the model has ${
        parsed.graph.feedInputs().map((i) => `"${i.name}"`).join(", ")
      }`,
    );
  }
  if (!parsed.graph.outputs.some((o) => o.name === handler.output.name)) {
    throw new RangeError(
      `Handler "${v.handler}" names output "${handler.output.name}", which the model does not have`,
    );
  }
  // The runtime must be able to load what the server will serve.
  await (await Session.create(model, { executionProviders: ["cpu"] })).release();
  const name = v.name ??
    basename(modelFile).replace(/\.onnx$/i, "").replace(/[^A-Za-z0-9_.-]/g, "_");
  const plan = await planArchive(v.out ?? "model_store", {
    modelName: name,
    stem: name,
    version: v.version,
  });
  await writeArchive(plan.path, {
    manifest: createManifest(plan.modelName, {
      modelVersion: plan.modelVersion,
      handler: handler.handler,
    }),
    model,
    labels,
    handler,
    params: v.params
      ? (await readJsonFile(v.params, "params file")) as Record<string, unknown>
      : undefined,
    metrics: v.metrics
      ? (await readJsonFile(v.metrics, "metrics file")) as Record<string, unknown>
      : undefined,
  });
  console.log(`Archive: ${plan.path} (model "${plan.modelName}" version ${plan.modelVersion})`);
  return 0;
}

function positiveInt(raw: string | undefined, flag: string, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Invalid ${flag} ${JSON.stringify(raw)}: expected an integer >= ${min}`);
  }
  return n;
}

async function exportRepository(args: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      triton: { type: "boolean" },
      kserve: { type: "boolean" },
      "storage-uri": { type: "string" },
      "max-batch-size": { type: "string" },
      "max-queue-delay": { type: "string" },
      instances: { type: "string" },
      gpu: { type: "boolean" },
    },
  });
  if (!v.triton) {
    throw new TypeError(
      "export needs --triton (the repository format): see deno task archive --help",
    );
  }
  if (positionals.length !== 2) {
    throw new TypeError("export takes <file.mar> <dir>: see deno task archive --help");
  }
  if (v["storage-uri"] !== undefined && !v.kserve) {
    throw new TypeError("--storage-uri goes with --kserve: see deno task archive --help");
  }
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const [file, out] = positionals.map((p) => resolve(cwd, p)) as [string, string];
  const bytes = await readFile(file, "archive");
  const report = verifyArchive(bytes, file);
  if (!report.ok) throw new ArchiveFormatError(file, `corrupt archive: ${report.problems[0]}`);
  const archive = report.archive!;
  const modelDir = await exportTriton(archive, out, {
    maxBatchSize: positiveInt(v["max-batch-size"], "--max-batch-size", 0),
    maxQueueDelayMicroseconds: positiveInt(v["max-queue-delay"], "--max-queue-delay", 0),
    instances: positiveInt(v.instances, "--instances"),
    kind: v.gpu ? "KIND_GPU" : "KIND_CPU",
  });
  const version = basename(
    (await Array.fromAsync(Deno.readDir(modelDir))).find((e) => e.isDirectory)?.name ?? "1",
  );
  console.log(`Triton repository: ${out}`);
  console.log(`  ${join(modelDir, "config.pbtxt")}`);
  console.log(`  ${join(modelDir, version, "model.onnx")}`);
  if (v.kserve) {
    const uri = v["storage-uri"] ?? `pvc://models/${basename(out)}`;
    const manifestPath = join(dirname(out), `${basename(out)}-inferenceservice.yaml`);
    await Deno.writeTextFile(manifestPath, kserveManifest(archive.manifest.model.modelName, uri));
    console.log(`KServe InferenceService: ${manifestPath} (storageUri ${uri})`);
    if (v["storage-uri"] === undefined) {
      console.log(`  upload ${out} there, or give --storage-uri where you put it`);
    }
  }
  return 0;
}

/** Runs the archive CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (
    command === undefined || command === "--help" || command === "-h" || rest.includes("--help")
  ) {
    console.log(HELP);
    return command === undefined ? 1 : 0;
  }
  if (command === "inspect") {
    if (rest.length !== 1) {
      throw new TypeError("inspect takes one .mar file: see deno task archive --help");
    }
    return await inspect(rest[0]!);
  }
  if (command === "create") return await create(rest);
  if (command === "export") return await exportRepository(rest);
  throw new TypeError(
    `Unknown command "${command}": expected inspect, create or export (see deno task archive --help)`,
  );
}

if (import.meta.main) {
  await runMain(main);
}
