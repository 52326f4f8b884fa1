// Image decoding with sharp (libvips), loaded on first use so that tensor-only data sets
// and workers without files never load the native module.

import type { Image } from "./_resample.ts";

type Sharp = typeof import("sharp").default;
let sharpModule: Promise<Sharp> | undefined;

/** The sharp function, imported once. */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/**
 * Decodes an image file to a CHW float image with values 0..1. "RGB" gives 3 channels
 * (grey images repeated, alpha dropped, as PIL's `convert("RGB")`); "L" gives PIL's
 * integer luma `(19595 R + 38470 G + 7471 B + 2^15) >> 16`.
 */
export async function decodeImage(path: string, mode: "RGB" | "L"): Promise<Image> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(path, { failOn: "error" })
    .removeAlpha()
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  return hwcToChw(data, info.height, info.width, info.channels, mode);
}

/** Converts interleaved 8-bit pixels to planar floats in the requested mode. */
export function hwcToChw(
  data: Uint8Array,
  height: number,
  width: number,
  channels: number,
  mode: "RGB" | "L",
): Image {
  const plane = height * width;
  const outChannels = mode === "L" ? 1 : 3;
  const out = new Float32Array(outChannels * plane);
  for (let i = 0; i < plane; i++) {
    const p = i * channels;
    const r = data[p]!;
    const g = channels >= 3 ? data[p + 1]! : r;
    const b = channels >= 3 ? data[p + 2]! : r;
    if (mode === "L") {
      out[i] = (channels >= 3 ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16 : r) / 255;
    } else {
      out[i] = r / 255;
      out[plane + i] = g / 255;
      out[2 * plane + i] = b / 255;
    }
  }
  return { data: out, channels: outChannels, height, width };
}
