/**
 * Shared fixtures of the server tests: archives of the reference MNIST
 * models built in temp dirs, test digits as PNGs, a direct ONNX Runtime run
 * to compare against, and a server on free loopback ports.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { join } from "node:path";
import { createManifest, type HandlerSpec, writeArchive } from "../../lib/archive/mod.ts";
import { type RunningServer, type ServeOptions, startServer } from "../../lib/serve/mod.ts";
import { sharedPath } from "../_shared.ts";

export const CNN = sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx");
export const MLP = sharedPath("data/models/mnist/mlp.adam2ep.eval.onnx");
export const LABELS = Array.from({ length: 10 }, (_, i) => String(i));

/** The image_classifier handler of a digit model ([N,1,28,28] or [N,784]). */
export function digitHandler(flat = false, topK = 5): HandlerSpec {
  return {
    handler: "image_classifier",
    input: { name: "input", dims: flat ? ["batch", 784] : ["batch", 1, 28, 28] },
    output: { name: "logits" },
    preprocess: { colorMode: "L", scale: 1 / 255 },
    postprocess: { softmax: true, topK },
  };
}

/** The tensor handler of the mlp. */
export const TENSOR_HANDLER: HandlerSpec = {
  handler: "tensor",
  input: { name: "input", dims: ["batch", 784] },
  output: { name: "logits" },
};

/** Writes an archive of a reference model into `dir` and returns its file name. */
export async function makeArchive(
  dir: string,
  file: string,
  options: {
    model?: string;
    name?: string;
    version?: string;
    handler?: HandlerSpec;
    metrics?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const { model = CNN, name = "digits", version = "1.0", handler = digitHandler() } = options;
  await writeArchive(join(dir, file), {
    manifest: createManifest(name, { modelVersion: version }),
    model: await Deno.readFile(model),
    labels: LABELS,
    handler,
    metrics: options.metrics ?? { accuracy: 0.9475 },
  });
  return file;
}

let digits: { x: Float32Array; y: BigInt64Array } | undefined;

/** Test digit `i` as 784 bytes (0..255) and its label. */
export async function digit(i: number): Promise<{ pixels: Uint8Array; label: number }> {
  digits ??= {
    x: new Float32Array(
      (await Deno.readFile(sharedPath("data/models/mnist/test.x.f32.bin"))).buffer,
    ),
    y: new BigInt64Array(
      (await Deno.readFile(sharedPath("data/models/mnist/test.y.i64.bin"))).buffer,
    ),
  };
  const pixels = Uint8Array.from(
    digits.x.subarray(i * 784, (i + 1) * 784),
    (v) => Math.round(v * 255),
  );
  return { pixels, label: Number(digits.y[i]) };
}

/** A grayscale PNG of raw pixels. */
export async function png(pixels: Uint8Array, width = 28, height = 28, channels = 1) {
  const img = sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 | 4 } });
  return new Uint8Array(await (channels === 1 ? img.toColourspace("b-w") : img).png().toBuffer());
}

const sessions = new Map<string, ort.InferenceSession>();

/** Logits of a direct ONNX Runtime run on pixels/255. */
export async function directLogits(
  model: string,
  pixels: Uint8Array[],
  flat = false,
): Promise<Float32Array[]> {
  let s = sessions.get(model);
  if (!s) sessions.set(model, s = await ort.InferenceSession.create(model));
  const data = new Float32Array(pixels.length * 784);
  pixels.forEach((p, i) => data.set(Float32Array.from(p, (v) => v / 255), i * 784));
  const dims = flat ? [pixels.length, 784] : [pixels.length, 1, 28, 28];
  const out = await s.run({ input: new ort.Tensor("float32", data, dims) });
  const logits = out.logits!.data as Float32Array;
  return pixels.map((_, i) => logits.slice(i * 10, i * 10 + 10));
}

/** Softmax in float64. */
export function softmax(row: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** A server on free loopback ports over a fresh temp model store. */
export async function withServer(
  fn: (s: RunningServer, store: string) => Promise<void>,
  options: ServeOptions = {},
): Promise<void> {
  const store = options.modelStore ?? await Deno.makeTempDir({ prefix: "serve_store_" });
  const server = await startServer({
    inferenceAddress: "http://127.0.0.1:0",
    managementAddress: "http://127.0.0.1:0",
    metricsAddress: "http://127.0.0.1:0",
    ...options,
    modelStore: store,
  });
  try {
    await fn(server, store);
  } finally {
    await server.close();
    if (!options.modelStore) await Deno.remove(store, { recursive: true });
  }
}

/** Registers an archive synchronously and checks the answer. */
export async function register(
  s: RunningServer,
  url: string,
  query = "initial_workers=1",
): Promise<void> {
  const res = await fetch(
    `${s.managementUrl}/models?url=${encodeURIComponent(url)}&synchronous=true&${query}`,
    { method: "POST" },
  );
  const body = await res.text();
  if (res.status !== 200) throw new Error(`register ${url}: ${res.status} ${body}`);
}

/** A request's status and parsed JSON body. */
export async function call(
  url: string,
  init: RequestInit = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
