// One compiled operation per transform spec: output dims and apply, reading random
// numbers from the sample's stream and writing into buffers the pipeline hands out.

import { cropInto, type Image, resampleInto, rotateInto } from "./_resample.ts";
import { flipInto, grayscaleInto, jitterInto, normalizeInto } from "./_pixel_ops.ts";
import type { Size, TransformSpec } from "./_transform_specs.ts";
import type { Rng } from "./rng.ts";

/** Image dims [channels, height, width]. */
export type Dims3 = readonly [number, number, number];

/** Hands out a scratch buffer of at least n floats, never the current source. */
export type Take = (n: number) => Float32Array;

/** A compiled transform. */
export interface Op {
  readonly random: boolean;
  dims(d: Dims3): Dims3;
  apply(src: Image, rng: Rng, take: Take): Image;
}

function pair(size: Size): [number, number] {
  return typeof size === "number" ? [size, size] : [size[0], size[1]];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's output size: an int matches the shorter edge, keeping the aspect ratio. */
function resizedDims(size: Size, [c, h, w]: Dims3): Dims3 {
  if (typeof size !== "number") return [c, size[0], size[1]];
  return h <= w ? [c, size, Math.trunc((size * w) / h)] : [c, Math.trunc((size * h) / w), size];
}

/** Offset of a centred window of length `n` in `len` (negative: zero padding). */
function centred(len: number, n: number): number {
  return n > len ? -Math.floor((n - len) / 2) : roundHalfEven((len - n) / 2);
}

/** torchvision's RandomResizedCrop.get_params. */
function randomWindow(
  h: number,
  w: number,
  scale: readonly number[],
  ratio: readonly number[],
  rng: Rng,
) {
  const area = h * w;
  const logLo = Math.log(ratio[0]!);
  const logHi = Math.log(ratio[1]!);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0]!, scale[1]!);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const cw = roundHalfEven(Math.sqrt(target * aspect));
    const ch = roundHalfEven(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      return { top: rng.below(h - ch + 1), left: rng.below(w - cw + 1), height: ch, width: cw };
    }
  }
  let cw = w;
  let ch = h;
  if (w / h < ratio[0]!) ch = roundHalfEven(w / ratio[0]!);
  else if (w / h > ratio[1]!) cw = roundHalfEven(h * ratio[1]!);
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
}

/** Floats in an image. */
export function size(img: Image): number {
  return img.channels * img.height * img.width;
}

/** Compiles one checked spec. */
export function makeOp(spec: TransformSpec): Op {
  switch (spec.name) {
    case "resize":
      return {
        random: false,
        dims: (d) => resizedDims(spec.size, d),
        apply(src, _rng, take) {
          const [c, oh, ow] = resizedDims(spec.size, [src.channels, src.height, src.width]);
          if (oh === src.height && ow === src.width) return src;
          const region = { top: 0, left: 0, height: src.height, width: src.width };
          return resampleInto(
            take(c * oh * ow),
            src,
            region,
            oh,
            ow,
            spec.interpolation ?? "bilinear",
          );
        },
      };
    case "center_crop": {
      const [th, tw] = pair(spec.size);
      return {
        random: false,
        dims: ([c]) => [c, th, tw],
        apply: (src, _rng, take) =>
          cropInto(
            take(src.channels * th * tw),
            src,
            centred(src.height, th),
            centred(src.width, tw),
            th,
            tw,
          ),
      };
    }
    case "random_resized_crop": {
      const [th, tw] = pair(spec.size);
      return {
        random: true,
        dims: ([c]) => [c, th, tw],
        apply(src, rng, take) {
          const region = randomWindow(src.height, src.width, spec.scale!, spec.ratio!, rng);
          return resampleInto(take(src.channels * th * tw), src, region, th, tw, "bilinear");
        },
      };
    }
    case "horizontal_flip":
    case "vertical_flip": {
      const p = spec.p ?? 0.5;
      const horizontal = spec.name === "horizontal_flip";
      return {
        random: true,
        dims: (d) => d,
        apply: (
          src,
          rng,
          take,
        ) => (rng.float() < p ? flipInto(take(size(src)), src, horizontal) : src),
      };
    }
    case "rotation": {
      const [lo, hi] = typeof spec.degrees === "number"
        ? [-spec.degrees, spec.degrees]
        : spec.degrees;
      return {
        random: true,
        dims: (d) => d,
        apply: (src, rng, take) =>
          rotateInto(
            take(size(src)),
            src,
            rng.uniform(lo, hi),
            spec.interpolation ?? "nearest",
            spec.fill ?? 0,
          ),
      };
    }
    case "color_jitter": {
      const range = (r: number | readonly [number, number] | undefined) =>
        typeof r === "number" ? [Math.max(0, 1 - r), 1 + r] : r;
      const b = range(spec.brightness);
      const k = range(spec.contrast);
      return {
        random: true,
        dims: (d) => d,
        apply(src, rng, take) {
          const contrastFirst = rng.float() < 0.5;
          const bf = b ? rng.uniform(b[0]!, b[1]!) : 1;
          const kf = k ? rng.uniform(k[0]!, k[1]!) : 1;
          return jitterInto(take(size(src)), src, bf, kf, contrastFirst);
        },
      };
    }
    case "grayscale": {
      const n = spec.num_output_channels ?? 1;
      return {
        random: false,
        dims: ([, h, w]) => [n, h, w],
        apply: (src, _rng, take) => grayscaleInto(take(n * src.height * src.width), src, n),
      };
    }
    case "normalize": {
      const { mean, std } = spec;
      return {
        random: false,
        dims(d) {
          for (const [key, v] of [["mean", mean], ["std", std]] as const) {
            if (v.length !== 1 && v.length !== d[0]) {
              throw new RangeError(
                `Cannot apply transform "normalize": ${v.length} ${key} values for ${
                  d[0]
                } channel(s): ` +
                  `give one value or one per channel (or add a grayscale transform)`,
              );
            }
          }
          return d;
        },
        apply: (src, _rng, take) => normalizeInto(take(size(src)), src, mean, std),
      };
    }
    default:
      return { random: false, dims: (d) => d, apply: (src) => src };
  }
}
