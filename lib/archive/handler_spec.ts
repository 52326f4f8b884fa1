/**
 * `handler.json`: the pre- and post-processing the model server applies around
 * `model.onnx` (TorchServe keeps this in handler code; we keep it as data so
 * that no code travels inside an archive).
 *
 * @module
 */
import { ArchiveFormatError } from "./errors.ts";

/** Handlers the server knows. */
export const HANDLERS = ["image_classifier", "tensor"] as const;
/** A handler name. */
export type HandlerName = typeof HANDLERS[number];

/** How an uploaded image becomes the model's input tensor. */
export interface PreprocessSpec {
  /** "L" for one channel (grayscale), "RGB" for three. */
  colorMode: "L" | "RGB";
  /** Resize to [height, width] (after which centerCrop applies, if given). */
  resize?: [number, number];
  /** Center crop to [height, width]. */
  centerCrop?: [number, number];
  /** Multiplier applied to 0..255 pixel values before normalizing (default 1/255). */
  scale?: number;
  /** Per-channel mean and std subtracted/divided after scaling. */
  mean?: number[];
  std?: number[];
  /** Invert intensities (white digit on black, as MNIST, from dark-on-light drawings). */
  invert?: boolean;
}

/** How logits become the response. */
export interface PostprocessSpec {
  /** Apply softmax to the output (false when the model already ends in one). */
  softmax: boolean;
  /** How many classes to return, highest first. */
  topK: number;
}

/** The contents of `handler.json`. */
export interface HandlerSpec {
  handler: HandlerName;
  /** Graph input: name and dims, the batch dimension first (symbolic or -1). */
  input: { name: string; dims: (number | string)[] };
  /** Graph output holding logits or probabilities. */
  output: { name: string };
  preprocess?: PreprocessSpec;
  postprocess?: PostprocessSpec;
}

/**
 * Checks a parsed `handler.json` and fills defaults.
 *
 * @param raw the parsed JSON
 * @param where the archive path, for messages
 * @returns the checked spec
 * @throws {ArchiveFormatError} naming the field that is wrong and what is valid
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkHandlerSpec } from "./handler_spec.ts";
 * const spec = checkHandlerSpec({
 *   handler: "image_classifier",
 *   input: { name: "input", dims: ["N", 1, 28, 28] },
 *   output: { name: "logits" },
 *   preprocess: { colorMode: "L" },
 * }, "digits.mar");
 * assert.equal(spec.postprocess?.topK, 5);
 * ```
 */
export function checkHandlerSpec(raw: unknown, where: string): HandlerSpec {
  const fail = (msg: string) => new ArchiveFormatError(where, `handler.json: ${msg}`);
  if (typeof raw !== "object" || raw === null) throw fail("is not an object");
  const r = raw as Record<string, unknown>;
  if (!HANDLERS.includes(r.handler as HandlerName)) {
    throw fail(
      `unknown handler ${JSON.stringify(r.handler)}: expected one of ${HANDLERS.join(", ")}`,
    );
  }
  const input = r.input as HandlerSpec["input"] | undefined;
  if (!input || typeof input.name !== "string" || !Array.isArray(input.dims)) {
    throw fail(`"input" needs a name and dims`);
  }
  const output = r.output as HandlerSpec["output"] | undefined;
  if (!output || typeof output.name !== "string") throw fail(`"output" needs a name`);
  const spec: HandlerSpec = { handler: r.handler as HandlerName, input, output };
  if (spec.handler === "image_classifier") {
    spec.preprocess = checkPreprocess(r.preprocess, input.dims, fail);
  }
  const post = (r.postprocess ?? {}) as Partial<PostprocessSpec>;
  const topK = post.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) {
    throw fail(`"postprocess.topK" must be a positive integer, got ${JSON.stringify(topK)}`);
  }
  spec.postprocess = { softmax: post.softmax ?? true, topK };
  return spec;
}

function checkPreprocess(
  raw: unknown,
  dims: (number | string)[],
  fail: (msg: string) => Error,
): PreprocessSpec {
  const p = (raw ?? {}) as Partial<PreprocessSpec>;
  const colorMode = p.colorMode ?? "L";
  if (colorMode !== "L" && colorMode !== "RGB") {
    throw fail(`"preprocess.colorMode" must be "L" or "RGB", got ${JSON.stringify(colorMode)}`);
  }
  if (dims.length !== 2 && dims.length !== 4) {
    throw fail(`image input must be [N,C,H,W] or [N,H*W*C], got [${dims.join(",")}]`);
  }
  const channels = colorMode === "L" ? 1 : 3;
  if (dims.length === 4 && dims[1] !== channels) {
    throw fail(`colorMode ${colorMode} gives ${channels} channel(s) but input has ${dims[1]}`);
  }
  for (const key of ["resize", "centerCrop"] as const) {
    const v = p[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 2 && v.every(isPositiveInt))) {
      throw fail(`"preprocess.${key}" must be [height, width], got ${JSON.stringify(v)}`);
    }
  }
  for (const key of ["mean", "std"] as const) {
    const v = p[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === channels)) {
      throw fail(`"preprocess.${key}" needs ${channels} value(s), got ${JSON.stringify(v)}`);
    }
  }
  if (p.std?.some((s) => s === 0)) throw fail(`"preprocess.std" must not contain 0`);
  return { ...p, colorMode };
}

function isPositiveInt(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}

/**
 * The image size [height, width] a spec feeds the model.
 *
 * @param spec a checked image_classifier spec
 * @returns [height, width]
 */
export function inputImageSize(spec: HandlerSpec): [number, number] {
  const dims = spec.input.dims;
  if (dims.length === 4) return [Number(dims[2]), Number(dims[3])];
  const channels = spec.preprocess?.colorMode === "RGB" ? 3 : 1;
  const side = Math.round(Math.sqrt(Number(dims[1]) / channels));
  return [side, side];
}
