import { type Dataset, subsetDataset } from "./dataset.ts";
import { Pcg64 } from "./_pcg64.ts";

/** Options of {@linkcode stratifiedSplit}. */
export interface SplitOptions {
  /** Seed of the split (default 1234). */
  seed?: number;
  /** Fraction of each class that goes to the test split, in (0, 1) (default 0.2). */
  testSize?: number;
}

/** Round half to even, as Python's `round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Splits a data set into train and test per class: for each class in class order one
 * generator (NumPy's `default_rng(seed)`) permutes the class's samples, the first
 * `round(testSize * count)` go to test. Both splits keep the data set's order.
 *
 * @param ds the data set to split
 * @param options seed and test fraction
 * @returns the `train` and `test` subsets, disjoint and covering `ds`
 * @throws {RangeError} when `testSize` is not in (0, 1) or the seed is not a non-negative integer
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeDataset, stratifiedSplit } from "./mod.ts";
 * const labels = new Int32Array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
 * const ds = makeDataset({
 *   name: "toy", classes: ["a", "b"], labels, source: new Uint8Array(10),
 *   item: Int32Array.from(labels.keys()),
 *   sources: [{ kind: "tensor", name: "toy", pixels: new Float32Array(10), dims: [1, 1, 1] }],
 * });
 * const { train, test } = stratifiedSplit(ds, { seed: 1, testSize: 0.4 });
 * assert.deepEqual([train.length, test.length], [6, 4]);
 * ```
 */
export function stratifiedSplit(ds: Dataset, options: SplitOptions = {}): {
  train: Dataset;
  test: Dataset;
} {
  const { seed = 1234, testSize = 0.2 } = options;
  if (!(testSize > 0 && testSize < 1)) {
    throw new RangeError(
      `Invalid test_size ${JSON.stringify(testSize)}: expected a number in (0, 1)`,
    );
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Invalid seed ${JSON.stringify(seed)}: expected a non-negative integer`);
  }
  const byClass: number[][] = ds.classes.map(() => []);
  for (let i = 0; i < ds.length; i++) byClass[ds.labels[i]!]!.push(i);
  const rng = new Pcg64(seed);
  const isTest = new Uint8Array(ds.length);
  for (const members of byClass) {
    const perm = rng.permutation(members.length);
    const nTest = roundHalfEven(testSize * members.length);
    for (let k = 0; k < nTest; k++) isTest[members[perm[k]!]!] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < ds.length; i++) (isTest[i] ? test : train).push(i);
  return {
    train: subsetDataset(ds, train, `${ds.name}:train`),
    test: subsetDataset(ds, test, `${ds.name}:test`),
  };
}
