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
 *   luminance, L → RGB by repetition); transparency is flattened onto white
 *   when `invert` is set (dark strokes on a light page) and onto black
 *   otherwise (light strokes on a dark page, as MNIST);
 * - EXIF orientation is applied.
 *
 * @module
 */
import sharp from "sharp";
import { type HandlerSpec, inputImageSize, type PreprocessSpec } from "../archive/mod.ts";
import { ServeError } from "./errors.ts";
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
 */
export async function imageToTensor(bytes: Uint8Array, spec: HandlerSpec): Promise<Tensor> {
  if (bytes.length === 0) {
    throw ServeError.badRequest(`Empty image: send image bytes or a multipart field "data"`);
  }
  const pre: PreprocessSpec = spec.preprocess ?? { colorMode: "L" };
  const [height, width] = inputImageSize(spec);
  const channels = pre.colorMode === "RGB" ? 3 : 1;
  let pixels: Uint8Array;
  try {
    pixels = await decode(bytes, pre, width, height);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw ServeError.badRequest(`Cannot decode image: ${why}`, { cause: err });
  }
  const data = toChw(pixels, width * height, channels, pre);
  const dims = spec.input.dims.length === 4 ? [1, channels, height, width] : [1, data.length];
  return { dtype: "float32", dims, data };
}

async function decode(
  bytes: Uint8Array,
  pre: PreprocessSpec,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const opts = { failOn: "truncated" as const, limitInputPixels: MAX_IMAGE_PIXELS };
  let img = sharp(bytes, opts).rotate();
  const meta = await img.metadata();
  let w = meta.autoOrient?.width ?? meta.width ?? 0;
  let h = meta.autoOrient?.height ?? meta.height ?? 0;
  if (meta.hasAlpha) {
    const v = pre.invert ? 255 : 0;
    img = img.flatten({ background: { r: v, g: v, b: v } });
  }
  if (pre.resize) {
    [h, w] = pre.resize;
    img = img.resize(w, h, { fit: "fill" });
  }
  if (pre.centerCrop) {
    const [ch, cw] = [Math.min(pre.centerCrop[0], h), Math.min(pre.centerCrop[1], w)];
    img = img.extract({ left: (w - cw) >> 1, top: (h - ch) >> 1, width: cw, height: ch });
    [h, w] = [ch, cw];
  }
  const space = pre.colorMode === "RGB" ? "srgb" : "b-w";
  let { data, info } = await img.toColourspace(space).removeAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height) {
    // A second pass: sharp applies one resize per pipeline.
    const raw = { width: info.width, height: info.height, channels: info.channels };
    ({ data, info } = await sharp(data, { raw }).resize(width, height, { fit: "fill" })
      .toColourspace(space).raw().toBuffer({ resolveWithObject: true }));
  }
  const want = pre.colorMode === "RGB" ? 3 : 1;
  if (info.channels !== want) {
    throw new Error(`expected ${want} channel(s) after conversion, got ${info.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** HWC bytes → CHW floats: invert, scale, then (x - mean) / std per channel. */
function toChw(pixels: Uint8Array, plane: number, channels: number, pre: PreprocessSpec) {
  const out = new Float32Array(plane * channels);
  const scale = pre.scale ?? 1 / 255;
  for (let c = 0; c < channels; c++) {
    const mean = pre.mean?.[c] ?? 0;
    const std = pre.std?.[c] ?? 1;
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = pixels[i * channels + c]!;
      out[base + i] = ((pre.invert ? 255 - v : v) * scale - mean) / std;
    }
  }
  return out;
}

/**
 * Top-k label → probability pairs from one row of the model's output.
 *
 * @param row logits (or probabilities when `softmax` is off) of one image
 * @param labels class names by index
 * @param spec the handler spec (postprocess: softmax, topK)
 * @returns pairs, highest probability first
 */
export function topK(
  row: ArrayLike<number>,
  labels: readonly string[],
  spec: HandlerSpec,
): [string, number][] {
  const post = spec.postprocess ?? { softmax: true, topK: 5 };
  const probs = post.softmax ? softmax(row) : Float64Array.from(row);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
  return order.slice(0, Math.min(post.topK, probs.length))
    .map((i) => [labels[i] ?? String(i), probs[i]!]);
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
 */
export function pairsToJson(pairs: readonly [string, number][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
}
