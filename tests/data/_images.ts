// Real image files for tests, encoded with sharp.

import sharp from "sharp";
import { dirname } from "node:path";

/** Pixel value of (x, y, channel) in the test pattern of `seed`. */
export function pattern(seed: number, x: number, y: number, c: number): number {
  return (seed * 37 + x * 11 + y * 23 + c * 71) % 256;
}

/** Raw HWC pixels of the pattern. */
export function patternPixels(
  seed: number,
  width: number,
  height: number,
  channels: number,
): Uint8Array {
  const px = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        px[(y * width + x) * channels + c] = pattern(seed, x, y, c);
      }
    }
  }
  return px;
}

/** Encoded bytes of a pattern image. */
export async function encodeImage(
  format: "png" | "jpeg",
  options: { seed?: number; width?: number; height?: number; channels?: 1 | 3 | 4 } = {},
): Promise<Uint8Array> {
  const { seed = 0, width = 8, height = 6, channels = 3 } = options;
  const raw = { width, height, channels };
  const s = sharp(patternPixels(seed, width, height, channels), { raw });
  const out = format === "png" ? s.png() : s.jpeg({ quality: 95 });
  return new Uint8Array(await out.toBuffer());
}

/** Writes a pattern image file, creating its folder. */
export async function writeImage(
  path: string,
  options: { seed?: number; width?: number; height?: number; channels?: 1 | 3 | 4 } = {},
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const format = /\.jpe?g$/i.test(path) ? "jpeg" : "png";
  await Deno.writeFile(path, await encodeImage(format, options));
}

/** A temporary folder removed after `fn`. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lifecycle_data_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
