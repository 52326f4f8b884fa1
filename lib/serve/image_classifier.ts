/**
 * The `image_classifier` handler: image bytes → input tensor → label →
 * probability for the top k, highest first (TorchServe's image classifier
 * answer).
 *
 * Images are decoded with sharp. Rules, so that any image a person sends
 * reaches the model in the form it was trained on:
 * - any size: resized to `preprocess.resize` (then `centerCrop`) if given,
 *   and finally stretched to the model's input size if it still differs;
 * - any channels: converted to the handler's colour mode (RGB → L by
 *   ITU-R 601-2 luma as PIL's `convert("L")`, L → RGB by repetition);
 *   transparency is flattened onto white when `invert` is set (dark strokes
 *   on a light page) and onto black otherwise (light strokes on a dark page,
 *   as MNIST);
 * - EXIF orientation is applied.
 *
 * Common PNGs are decoded in-process (see `_png.ts`); everything else, and
 * any resizing, goes through sharp.
 *
 * @module
 */
import sharp from "sharp";
import { type HandlerSpec, inputImageSize, type PreprocessSpec } from "../archive/mod.ts";
import { ServeError } from "./errors.ts";
import { decodePng, type RawImage } from "./_png.ts";
import type { Tensor } from "./tensor.ts";

/** Largest decoded image accepted, in pixels (width × height). */
export const MAX_IMAGE_PIXELS = 40_000_000;

/**
 * Decodes and preprocesses one image into the model's input tensor (batch 1).
 *
 * @param bytes PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG bytes
 * @param spec the archive's checked handler spec (image_classifier)
 * @returns a float32 tensor [1, C, H, W] or [1, C·H·W], per the spec's input dims
 * @throws {ServeError} 400 when the bytes are empty, not an image, truncated or too large
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import sharp from "sharp";
 * import { imageToTensor } from "./image_classifier.ts";
 * // A 56×56 white square: resized to the model's 28×28, one channel, scaled to 0..1.
 * const png = await sharp({ create: { width: 56, height: 56, channels: 3, background: "#fff" } })
 *   .png().toBuffer();
 * const t = await imageToTensor(new Uint8Array(png), {
 *   handler: "image_classifier",
 *   input: { name: "input", dims: ["N", 1, 28, 28] },
 *   output: { name: "logits" },
 *   preprocess: { colorMode: "L" },
 * });
 * assert.deepEqual(t.dims, [1, 1, 28, 28]);
 * assert.equal(t.data[0], 1);
 * ```
 */
export async function imageToTensor(bytes: Uint8Array, spec: HandlerSpec): Promise<Tensor> {
  if (bytes.length === 0) {
    throw ServeError.badRequest(`Empty image: send image bytes or a multipart field "data"`);
  }
  const pre: PreprocessSpec = spec.preprocess ?? { colorMode: "L" };
  const [height, width] = inputImageSize(spec);
  const channels = pre.colorMode === "RGB" ? 3 : 1;
  let img: RawImage;
  try {
    img = decodePng(bytes, MAX_IMAGE_PIXELS) ?? await decodeWithSharp(bytes);
    img = await fitGeometry(img, pre, width, height);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw ServeError.badRequest(`Cannot decode image: ${why}`, { cause: err });
  }
  const data = toChw(img, channels, pre);
  const dims = spec.input.dims.length === 4 ? [1, channels, height, width] : [1, data.length];
  return { dtype: "float32", dims, data };
}

/** Any image sharp reads, as 8-bit RGBA with EXIF orientation applied. */
async function decodeWithSharp(bytes: Uint8Array): Promise<RawImage> {
  const opts = { failOn: "truncated" as const, limitInputPixels: MAX_IMAGE_PIXELS };
  const { data, info } = await sharp(bytes, opts).rotate().toColourspace("srgb").ensureAlpha()
    .raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { data: bytesOf(data), width: info.width, height: info.height, channels: info.channels };
}

/** Resize to `preprocess.resize`, center-crop, then stretch to the model's size if it still differs. */
async function fitGeometry(
  img: RawImage,
  pre: PreprocessSpec,
  width: number,
  height: number,
): Promise<RawImage> {
  if (!pre.resize && !pre.centerCrop && img.width === width && img.height === height) return img;
  let cur = toRgba(img);
  const run = async (edit: (s: ReturnType<typeof sharp>) => ReturnType<typeof sharp>) => {
    const raw = { width: cur.width, height: cur.height, channels: 4 as const };
    const { data, info } = await edit(sharp(cur.data, { raw })).raw()
      .toBuffer({ resolveWithObject: true });
    cur = { data: bytesOf(data), width: info.width, height: info.height, channels: info.channels };
  };
  if (pre.resize) {
    const [h, w] = pre.resize;
    await run((s) => s.resize(w, h, { fit: "fill" }));
  }
  if (pre.centerCrop) {
    const [ch, cw] = [
      Math.min(pre.centerCrop[0], cur.height),
      Math.min(pre.centerCrop[1], cur.width),
    ];
    const [left, top] = [(cur.width - cw) >> 1, (cur.height - ch) >> 1];
    await run((s) => s.extract({ left, top, width: cw, height: ch }));
  }
  if (cur.width !== width || cur.height !== height) {
    await run((s) => s.resize(width, height, { fit: "fill" }));
  }
  return cur;
}

function bytesOf(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Where R, G, B and alpha sit in a pixel of `channels` bytes (alpha -1: none). */
function offsets(channels: number): [number, number, number, number] {
  const rgb = channels >= 3;
  const alpha = channels === 2 || channels === 4 ? channels - 1 : -1;
  return [0, rgb ? 1 : 0, rgb ? 2 : 0, alpha];
}

function toRgba(img: RawImage): RawImage {
  if (img.channels === 4) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 4);
  const [, g, b, a] = offsets(img.channels);
  const d = img.data;
  for (let i = 0, o = 0; i < n; i++, o += img.channels) {
    out[i * 4] = d[o]!;
    out[i * 4 + 1] = d[o + g]!;
    out[i * 4 + 2] = d[o + b]!;
    out[i * 4 + 3] = a < 0 ? 255 : d[o + a]!;
  }
  return { data: out, width: img.width, height: img.height, channels: 4 };
}

/**
 * Pixels → CHW floats: flatten alpha (onto white when inverting, else black), grayscale by
 * ITU-R 601-2 luma as PIL's `convert("L")`, invert, scale, then (x - mean) / std per channel.
 */
function toChw(img: RawImage, channels: number, pre: PreprocessSpec): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(plane * channels);
  const lut = valueTable(channels, pre);
  if (img.channels === channels && (channels === 1 || channels === 3)) {
    // opaque pixels already in the model's colour mode: one table lookup each
    const d = img.data;
    for (let c = 0; c < channels; c++) {
      const base = c * 256;
      for (let i = 0, o = c; i < plane; i++, o += channels) out[c * plane + i] = lut[base + d[o]!]!;
    }
    return out;
  }
  const bg = pre.invert ? 255 : 0;
  const [, go, bo, ao] = offsets(img.channels);
  const d = img.data;
  for (let i = 0, o = 0; i < plane; i++, o += img.channels) {
    let r = d[o]!;
    let g = d[o + go]!;
    let b = d[o + bo]!;
    const a = ao < 0 ? 255 : d[o + ao]!;
    if (a !== 255) {
      r = Math.round((r * a + bg * (255 - a)) / 255);
      g = Math.round((g * a + bg * (255 - a)) / 255);
      b = Math.round((b * a + bg * (255 - a)) / 255);
    }
    if (channels === 1) {
      out[i] = lut[(r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16]!;
    } else {
      out[i] = lut[r]!;
      out[plane + i] = lut[256 + g]!;
      out[2 * plane + i] = lut[512 + b]!;
    }
  }
  return out;
}

const TABLES = new WeakMap<PreprocessSpec, Float32Array>();

/** The float of each byte value per channel: invert, scale, normalize (256 entries a channel). */
function valueTable(channels: number, pre: PreprocessSpec): Float32Array {
  const cached = TABLES.get(pre);
  if (cached?.length === 256 * channels) return cached;
  const lut = new Float32Array(256 * channels);
  const scale = pre.scale ?? 1 / 255;
  for (let c = 0; c < channels; c++) {
    const mean = pre.mean?.[c] ?? 0;
    const std = pre.std?.[c] ?? 1;
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = ((pre.invert ? 255 - v : v) * scale - mean) / std;
    }
  }
  TABLES.set(pre, lut);
  return lut;
}

/**
 * Top-k label → probability pairs from one row of the model's output.
 *
 * @param row logits (or probabilities when `softmax` is off) of one image
 * @param labels class names by index
 * @param spec the handler spec (postprocess: softmax, topK)
 * @returns pairs, highest probability first
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairsToJson, topK } from "./image_classifier.ts";
 * const spec = {
 *   handler: "image_classifier" as const,
 *   input: { name: "x", dims: ["N", 4] },
 *   output: { name: "y" },
 *   postprocess: { softmax: true, topK: 2 },
 * };
 * const pairs = topK([0, 3, 1, 0], ["a", "b", "c", "d"], spec);
 * assert.deepEqual(pairs.map(([label]) => label), ["b", "c"]);
 * assert.match(pairsToJson(pairs), /^\{"b":0\.8\d+,"c":0\.1\d+\}$/);
 * ```
 */
export function topK(
  row: ArrayLike<number>,
  labels: readonly string[],
  spec: HandlerSpec,
): [string, number][] {
  const post = spec.postprocess ?? { softmax: true, topK: 5 };
  const probs = post.softmax ? softmax(row) : Float64Array.from(row);
  // selection of the k largest, first index first among equals (as a stable sort)
  const k = Math.min(post.topK, probs.length);
  const picked: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (picked.length === k && !(p > probs[picked[k - 1]!]!)) continue;
    let at = picked.length === k ? k - 1 : picked.length;
    while (at > 0 && p > probs[picked[at - 1]!]!) at--;
    if (picked.length === k) picked.pop();
    picked.splice(at, 0, i);
  }
  return picked.map((i) => [labels[i] ?? String(i), probs[i]!]);
}

function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

/**
 * JSON of label → probability in the given order. Note: a plain object would
 * reorder integer-like labels ("0".."9") ascending, losing "highest first".
 *
 * @param pairs label/probability pairs
 * @returns the JSON text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairsToJson } from "./image_classifier.ts";
 * assert.equal(pairsToJson([["7", 0.9], ["1", 0.1]]), '{"7":0.9,"1":0.1}');
 * ```
 */
export function pairsToJson(pairs: readonly [string, number][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
}
