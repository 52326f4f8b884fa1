import { cropInto, type Image, resampleInto, rotateInto } from "./_resample.ts";
import { flipInto, grayscaleInto, jitterInto, normalizeInto } from "./_pixel_ops.ts";
import { checkSpec, type Size, type TransformSpec } from "./_transform_specs.ts";
import type { Rng } from "./rng.ts";

export type { Image, Size, TransformSpec };

/** Image dims [channels, height, width]. */
export type Dims3 = readonly [number, number, number];

type Take = (n: number) => Float32Array;

interface Op {
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

function size(img: Image): number {
  return img.channels * img.height * img.width;
}

function makeOp(spec: TransformSpec): Op {
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

/**
 * A compiled list of transforms. Each call's result lives in the pipeline's own scratch
 * buffers until the next call; {@linkcode Pipeline.applyInto} copies it out.
 */
export class Pipeline {
  /** The checked specs, with canonical names and defaults (what workers receive). */
  readonly specs: readonly TransformSpec[];
  /** Whether any transform draws random numbers. */
  readonly random: boolean;
  #ops: Op[];
  #buffers: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  #turn = 0;
  #take: Take = (n) => {
    this.#turn ^= 1;
    if (this.#buffers[this.#turn]!.length < n) this.#buffers[this.#turn] = new Float32Array(n);
    return this.#buffers[this.#turn]!;
  };

  /**
   * Compiles checked specs; use {@linkcode compileTransforms} for raw YAML lists.
   *
   * @param specs checked specs (e.g. another pipeline's `specs`)
   */
  constructor(specs: readonly TransformSpec[]) {
    this.specs = specs;
    this.#ops = specs.map(makeOp);
    this.random = this.#ops.some((op) => op.random);
  }

  /**
   * Dims after every transform, for an input of `dims`.
   *
   * @throws {RangeError} when a transform cannot take an image of those dims
   */
  outputDims(dims: Dims3): Dims3 {
    let d = dims;
    for (const op of this.#ops) d = op.dims(d);
    return d;
  }

  /** Applies every transform; `rng` is only read by random ones. */
  apply(src: Image, rng: Rng): Image {
    let img = src;
    for (const op of this.#ops) img = op.apply(img, rng, this.#take);
    return img;
  }

  /** Applies every transform and copies the result to `out` at `offset`; returns its dims. */
  applyInto(out: Float32Array, offset: number, src: Image, rng: Rng): Dims3 {
    const img = this.apply(src, rng);
    const n = size(img);
    out.set(img.data.subarray(0, n), offset);
    return [img.channels, img.height, img.width];
  }
}

/**
 * Checks a list of transform specs as they appear in YAML and compiles them.
 * Names follow torchvision (`resize`, `center_crop`, `random_resized_crop`,
 * `horizontal_flip`, `vertical_flip`, `rotation`, `color_jitter`, `grayscale`,
 * `normalize`, `to_tensor`; `RandomHorizontalFlip` and the like are accepted too).
 *
 * @param specs the list, e.g. `[{name: "resize", size: 32}]`
 * @param where how to name the list in messages (default `transforms`)
 * @returns the pipeline
 * @throws {TypeError} naming the position, transform and field of a bad spec
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileTransforms } from "./mod.ts";
 * const p = compileTransforms([{ name: "resize", size: 14 }, { name: "normalize", mean: [0.5], std: [0.5] }]);
 * assert.deepEqual(p.outputDims([1, 28, 28]), [1, 14, 14]);
 * ```
 */
export function compileTransforms(specs: readonly unknown[], where = "transforms"): Pipeline {
  if (!Array.isArray(specs)) {
    throw new TypeError(
      `Invalid ${where}: expected a list of transforms, got ${JSON.stringify(specs)}`,
    );
  }
  return new Pipeline(specs.map((s, i) => checkSpec(s, `${where}[${i}]`)));
}

/**
 * The evaluation counterpart of a training list: random transforms dropped,
 * `random_resized_crop` replaced by `resize` + `center_crop` to the same size.
 *
 * @param specs a checked or raw training list
 * @returns the deterministic list for the test split
 */
export function evalTransforms(specs: readonly unknown[]): TransformSpec[] {
  const out: TransformSpec[] = [];
  for (const [i, raw] of specs.entries()) {
    const spec = checkSpec(raw, `transforms[${i}]`);
    if (spec.name === "random_resized_crop") {
      out.push({ name: "resize", size: spec.size, interpolation: "bilinear" }, {
        name: "center_crop",
        size: spec.size,
      });
    } else if (!makeOp(spec).random) {
      out.push(spec);
    }
  }
  return out;
}

/**
 * The train and test pipelines of a data config: `test` defaults to
 * {@linkcode evalTransforms} of `train`, as the original project's eval pipeline kept only
 * the deterministic steps.
 *
 * @param specs the `train` list and an optional `test` list, as in YAML
 * @returns both pipelines
 * @throws {TypeError} naming the list, position and field of a bad spec
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePipelines } from "./mod.ts";
 * const { train, test } = compilePipelines({
 *   train: [{ name: "rotation", degrees: 10 }, { name: "normalize", mean: [0.1307], std: [0.3081] }],
 * });
 * assert.deepEqual([train.random, test.random, test.specs.length], [true, false, 1]);
 * ```
 */
export function compilePipelines(
  specs: { train?: readonly unknown[]; test?: readonly unknown[] },
): { train: Pipeline; test: Pipeline } {
  const train = compileTransforms(specs.train ?? [], "transforms.train");
  const test = specs.test === undefined
    ? new Pipeline(evalTransforms(train.specs))
    : compileTransforms(specs.test, "transforms.test");
  return { train, test };
}
