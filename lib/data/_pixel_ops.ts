// Per-pixel image operations on CHW float images: each reads `src` and writes `dst`.

import type { Image } from "./_resample.ts";

/** Mirrors left-right (`horizontal`) or top-bottom. */
export function flipInto(dst: Float32Array, src: Image, horizontal: boolean): Image {
  const { channels: c, height: h, width: w, data } = src;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const o = (ch * h + y) * w;
      if (horizontal) {
        for (let x = 0; x < w; x++) dst[o + x] = data[o + w - 1 - x]!;
      } else {
        const s = (ch * h + h - 1 - y) * w;
        for (let x = 0; x < w; x++) dst[o + x] = data[s + x]!;
      }
    }
  }
  return { data: dst, channels: c, height: h, width: w };
}

/** ITU-R 601-2 luma weights, as PIL's `convert("L")`. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** Luma of a 3-channel image into `outChannels` (1, or 3 equal) channels; 1 channel is copied. */
export function grayscaleInto(dst: Float32Array, src: Image, outChannels: number): Image {
  const { channels: c, height: h, width: w, data } = src;
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    const v = c >= 3
      ? LUMA[0] * data[i]! + LUMA[1] * data[plane + i]! + LUMA[2] * data[2 * plane + i]!
      : data[i]!;
    for (let ch = 0; ch < outChannels; ch++) dst[ch * plane + i] = v;
  }
  return { data: dst, channels: outChannels, height: h, width: w };
}

/** Mean luma of the image (the grey level contrast is taken around). */
function meanLuma(src: Image): number {
  const { channels: c, height: h, width: w, data } = src;
  const plane = h * w;
  let sum = 0;
  for (let i = 0; i < plane; i++) {
    sum += c >= 3
      ? LUMA[0] * data[i]! + LUMA[1] * data[plane + i]! + LUMA[2] * data[2 * plane + i]!
      : data[i]!;
  }
  return sum / plane;
}

/**
 * Brightness (scale by `b`) and contrast (blend with the mean grey by `k`), clamped
 * to [0, 1] after each, in the given order (as torchvision's ColorJitter).
 */
export function jitterInto(
  dst: Float32Array,
  src: Image,
  b: number,
  k: number,
  contrastFirst: boolean,
): Image {
  const { channels: c, height: h, width: w } = src;
  const n = c * h * w;
  const out = { data: dst, channels: c, height: h, width: w };
  if (contrastFirst) {
    contrastInto(dst, src, k, n);
    for (let i = 0; i < n; i++) dst[i] = Math.min(1, Math.max(0, dst[i]! * b));
  } else {
    for (let i = 0; i < n; i++) dst[i] = Math.min(1, Math.max(0, src.data[i]! * b));
    contrastInto(dst, out, k, n);
  }
  return out;
}

function contrastInto(dst: Float32Array, src: Image, k: number, n: number): void {
  const add = (1 - k) * meanLuma(src);
  const data = src.data;
  for (let i = 0; i < n; i++) dst[i] = Math.min(1, Math.max(0, data[i]! * k + add));
}

/** (x - mean[c]) / std[c]; one value broadcasts over all channels. */
export function normalizeInto(
  dst: Float32Array,
  src: Image,
  mean: readonly number[],
  std: readonly number[],
): Image {
  const { channels: c, height: h, width: w, data } = src;
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    const m = mean.length === 1 ? mean[0]! : mean[ch]!;
    const inv = 1 / (std.length === 1 ? std[0]! : std[ch]!);
    const o = ch * plane;
    for (let i = o; i < o + plane; i++) dst[i] = (data[i]! - m) * inv;
  }
  return { data: dst, channels: c, height: h, width: w };
}
