import type { BadSample, BatchResult } from "./_batch.ts";
import { type Executor, type LoaderMode, makeExecutor } from "./_executors.ts";
import { DataError, type Dataset } from "./dataset.ts";
import { Rng } from "./rng.ts";
import { compileTransforms, Pipeline } from "./transforms.ts";

export type { LoaderMode };

/** Options of {@linkcode DataLoader.create}. */
export interface LoaderOptions {
  /** Samples per batch. */
  batchSize: number;
  /** Reshuffle every epoch from (seed, epoch) (default false). */
  shuffle?: boolean;
  /** Leave out a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Seed of shuffling and augmentation (default 0). */
  seed?: number;
  /** Transform specs (YAML list) or a compiled pipeline (default none). */
  transforms?: readonly unknown[] | Pipeline;
  /** Worker count; 0 builds batches on the main thread (default 1). Unused when batches are slices. */
  workers?: number;
  /** Batches built ahead of the one the consumer holds (default 2 × workers + 1). */
  prefetch?: number;
  /** Request the next epoch's first batches while the consumer finishes this one (default true). */
  prefetchNextEpoch?: boolean;
  /** Fraction of unreadable images tolerated before failing (default 0). */
  maxBadFraction?: number;
  /** Receives one line per newly found unreadable image. */
  onWarning?: (message: string) => void;
}

/** One batch: `x` is [B, C, H, W] float32, `y` the B class indices. */
export interface Batch {
  /** Pixels, [B, C, H, W] row-major. */
  readonly x: Float32Array;
  /** [B, C, H, W]. */
  readonly dims: readonly [number, number, number, number];
  /** Class index per row (int64, as ONNX labels). */
  readonly y: BigInt64Array;
  /** Sample indices of the rows, into the data set. */
  readonly indices: Int32Array;
  /** The epoch it belongs to. */
  readonly epoch: number;
  /** Position of the batch in its epoch. */
  readonly index: number;
}

/** A requested batch; `done` once built (or failed). */
interface Slot {
  promise: Promise<BatchResult>;
  done: boolean;
}

/** Domain tag of the per-epoch shuffle stream. */
const SHUFFLE_STREAM = 2;

function check(ok: boolean, key: string, expected: string, got: unknown): void {
  if (!ok) {
    throw new RangeError(
      `Invalid loader option "${key}": expected ${expected}, got ${JSON.stringify(got)}`,
    );
  }
}

/**
 * Batches a data set: seeded shuffling per epoch, `drop_last` or a smaller last batch,
 * transforms applied off the main thread with batches prefetched ahead of the consumer.
 * Close it (`await loader.close()` or `await using`) to stop its workers.
 */
export class DataLoader implements AsyncDisposable {
  /** The data set batched. */
  readonly dataset: Dataset;
  /** How batches are built. */
  readonly mode: LoaderMode;
  readonly #options: Required<Omit<LoaderOptions, "transforms" | "onWarning">>;
  readonly #onWarning?: (message: string) => void;
  readonly #exec: Executor;
  readonly #bad = new Map<number, BadSample>();
  #current: Map<number, Slot> | undefined;
  #ahead: { epoch: number; slots: Map<number, Slot> } | undefined;

  private constructor(ds: Dataset, mode: LoaderMode, exec: Executor, options: LoaderOptions) {
    this.dataset = ds;
    this.mode = mode;
    this.#exec = exec;
    this.#onWarning = options.onWarning;
    const workers = options.workers ?? 1;
    this.#options = {
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? false,
      dropLast: options.dropLast ?? false,
      seed: options.seed ?? 0,
      workers,
      prefetch: options.prefetch ?? 2 * Math.max(workers, 1) + 1,
      maxBadFraction: options.maxBadFraction ?? 0,
      prefetchNextEpoch: options.prefetchNextEpoch ?? true,
    };
  }

  /**
   * Makes a loader over `ds`.
   *
   * @param ds the data set
   * @param options batching, shuffling, transforms, workers
   * @returns the loader; close it when done
   * @throws {RangeError} on an invalid option
   * @throws {TypeError} on an invalid transform spec
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DataLoader, loadMnist } from "./mod.ts";
   * await using loader = await DataLoader.create(await loadMnist(), { batchSize: 4096 });
   * const sizes = [];
   * for await (const b of loader.epoch(0)) sizes.push(b.dims[0]);
   * assert.deepEqual(sizes, [4096, 4096, 1808]);
   * ```
   */
  static async create(ds: Dataset, options: LoaderOptions): Promise<DataLoader> {
    const { batchSize, workers = 1, prefetch, maxBadFraction = 0, seed = 0 } = options;
    check(
      Number.isInteger(batchSize) && batchSize > 0,
      "batch_size",
      "a positive integer",
      batchSize,
    );
    check(Number.isInteger(workers) && workers >= 0, "workers", "a non-negative integer", workers);
    check(
      prefetch === undefined || (Number.isInteger(prefetch) && prefetch > 0),
      "prefetch",
      "a positive integer",
      prefetch,
    );
    check(
      maxBadFraction >= 0 && maxBadFraction <= 1,
      "max_bad_fraction",
      "a number in [0, 1]",
      maxBadFraction,
    );
    check(Number.isSafeInteger(seed), "seed", "an integer", seed);
    const t = options.transforms ?? [];
    const pipeline = t instanceof Pipeline ? t : compileTransforms(t);
    const { mode, exec } = makeExecutor(ds, pipeline, workers, seed);
    return await Promise.resolve(new DataLoader(ds, mode, exec, options));
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    const { batchSize, dropLast } = this.#options;
    const n = this.dataset.length;
    return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  }

  /** Batches built and not yet taken: of the running epoch and those fetched for the next. */
  get buffered(): number {
    let n = 0;
    for (const slots of [this.#current, this.#ahead?.slots]) {
      for (const s of slots?.values() ?? []) n += s.done ? 1 : 0;
    }
    return n;
  }

  /** Unreadable images found so far, by sample index order. */
  get badSamples(): BadSample[] {
    return [...this.#bad.values()].sort((a, b) => a.index - b.index);
  }

  /** The sample indices of each batch of `epoch`, before unreadable images are left out. */
  plan(epoch: number): Int32Array[] {
    const { shuffle, seed, batchSize } = this.#options;
    const n = this.dataset.length;
    const order = shuffle
      ? Rng.derive(seed, SHUFFLE_STREAM, epoch).permutation(n)
      : Int32Array.from({ length: n }, (_, i) => i);
    const batches: Int32Array[] = [];
    for (let b = 0; b < this.batchesPerEpoch; b++) {
      batches.push(order.slice(b * batchSize, (b + 1) * batchSize));
    }
    return batches;
  }

  /**
   * The batches of `epoch` in order, `prefetch` of them requested ahead of the one the
   * consumer holds; when the last batch is handed out, the first batches of `epoch + 1`
   * are requested too (unless `prefetchNextEpoch` is false). Start at `fromBatch` to
   * resume inside an epoch; batches left entirely unreadable are skipped.
   *
   * @throws {DataError} when more than `maxBadFraction` of the images are unreadable,
   *   or two samples differ in size after the transforms
   */
  async *epoch(epoch: number, options: { fromBatch?: number } = {}): AsyncGenerator<Batch> {
    const plan = this.plan(epoch);
    const { prefetch, prefetchNextEpoch } = this.#options;
    const from = options.fromBatch ?? 0;
    check(
      Number.isInteger(from) && from >= 0 && from <= plan.length,
      "from_batch",
      `an integer in [0, ${plan.length}]`,
      from,
    );
    const slots = this.#ahead?.epoch === epoch && from === 0
      ? this.#ahead.slots
      : new Map<number, Slot>();
    this.#ahead = undefined;
    this.#current = slots;
    let next = from;
    try {
      for (let b = from; b < plan.length; b++) {
        for (; next < plan.length && next <= b + prefetch; next++) {
          if (!slots.has(next)) slots.set(next, this.#request(epoch, plan[next]!));
        }
        const r = await slots.get(b)!.promise;
        slots.delete(b);
        this.#noteBad(r.bad);
        if (b === plan.length - 1 && prefetchNextEpoch && this.mode !== "slices") {
          this.#fetchAhead(epoch + 1);
        }
        if (r.kept.length === 0) continue;
        const y = new BigInt64Array(r.kept.length);
        for (let k = 0; k < y.length; k++) y[k] = BigInt(this.dataset.labels[r.kept[k]!]!);
        yield { x: r.x, dims: r.dims, y, indices: r.kept, epoch, index: b };
      }
    } finally {
      if (this.#current === slots) this.#current = undefined;
    }
  }

  #request(epoch: number, indices: Int32Array): Slot {
    const slot: Slot = { promise: this.#exec.run(epoch, indices), done: false };
    // Also marks a failure as handled: it surfaces when the batch is awaited, or never.
    slot.promise.then(() => (slot.done = true), () => (slot.done = true));
    return slot;
  }

  #fetchAhead(epoch: number): void {
    const plan = this.plan(epoch);
    const slots = new Map<number, Slot>();
    for (let b = 0; b < Math.min(plan.length, this.#options.prefetch + 1); b++) {
      slots.set(b, this.#request(epoch, plan[b]!));
    }
    this.#ahead = { epoch, slots };
  }

  #noteBad(bad: BadSample[]): void {
    for (const s of bad) {
      if (this.#bad.has(s.index)) continue;
      this.#bad.set(s.index, s);
      this.#onWarning?.(`Skipping unreadable image "${s.path}": ${s.reason}`);
    }
    const n = this.dataset.length;
    const limit = this.#options.maxBadFraction;
    if (bad.length > 0 && this.#bad.size > limit * n) {
      const last = bad[bad.length - 1]!;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      throw new DataError(
        `Too many unreadable images in "${this.dataset.name}": ${this.#bad.size} of ${n} ` +
          `(${pct(this.#bad.size / n)} > max_bad_fraction ${pct(limit)}), ` +
          `last "${last.path}": ${last.reason}`,
        { path: last.path },
      );
    }
  }

  /** Stops the workers; batches still being built are dropped. */
  close(): Promise<void> {
    this.#exec.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode DataLoader.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
