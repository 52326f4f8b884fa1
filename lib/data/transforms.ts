import type { Image } from "./_resample.ts";
import { type Dims3, makeOp, type Op, size, type Take } from "./_ops.ts";
import { checkSpec, type Size, type TransformSpec } from "./_transform_specs.ts";
import type { Rng } from "./rng.ts";

export type { Dims3, Image, Size, TransformSpec };

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
