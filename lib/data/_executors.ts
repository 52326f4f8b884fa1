// The three ways a loader builds batches: gathers from a pre-transformed tensor data set
// ("slices"), a worker pool ("workers"), or on the main thread ("inline").

import { type BatchContext, type BatchResult, makeBatch } from "./_batch.ts";
import { DataError, type Dataset, type SampleSource } from "./dataset.ts";
import type { Pipeline } from "./transforms.ts";
import { WorkerPool } from "./_worker_pool.ts";

/** How batches are built: gathered from pre-transformed memory, in workers, or inline. */
export type LoaderMode = "slices" | "workers" | "inline";

/** Builds the batch of some sample indices. */
export interface Executor {
  run(epoch: number, indices: Int32Array): Promise<BatchResult>;
  close(): void;
}

/** Pre-transforms every sample of a tensor-only data set once; batches are then row gathers. */
function sliceExecutor(ds: Dataset, pipeline: Pipeline): Executor {
  const out = ds.sources.map((s) =>
    pipeline.outputDims((s as Extract<SampleSource, { kind: "tensor" }>).dims)
  );
  const dims = out[0]!;
  for (const [i, d] of out.entries()) {
    if (d.join() !== dims.join()) {
      throw new DataError(
        `Cannot batch "${ds.sources[i]!.name}": its size after transforms is ${d.join("x")}, ` +
          `"${ds.sources[0]!.name}" has ${dims.join("x")}: add a resize or center_crop transform`,
      );
    }
  }
  const size = dims[0] * dims[1] * dims[2];
  const ctx: BatchContext = { ...ds, pipeline, seed: 0 };
  const rows = Int32Array.from({ length: ds.length }, (_, i) => i);
  // One batch of every row: the transformed data set, gathered from afterwards.
  const ready = makeBatch(ctx, 0, rows);
  return {
    async run(_epoch, indices) {
      const all = (await ready).x;
      const x = new Float32Array(indices.length * size);
      for (let k = 0; k < indices.length; k++) {
        const s = indices[k]! * size;
        x.set(all.subarray(s, s + size), k * size);
      }
      return {
        x,
        dims: [indices.length, dims[0], dims[1], dims[2]],
        kept: indices.slice(),
        bad: [],
      };
    },
    close() {},
  };
}

/** Tensor pixels moved to shared memory once, so workers read them without copies. */
function sharedSources(sources: readonly SampleSource[]): SampleSource[] {
  return sources.map((s) => {
    if (s.kind !== "tensor" || s.pixels.buffer instanceof SharedArrayBuffer) return s;
    const pixels = new Float32Array(new SharedArrayBuffer(s.pixels.byteLength));
    pixels.set(s.pixels);
    return { ...s, pixels };
  });
}

/**
 * Picks how to build batches: tensor-only data with a deterministic pipeline is
 * transformed once and gathered; otherwise workers (or the main thread when 0).
 */
export function makeExecutor(
  ds: Dataset,
  pipeline: Pipeline,
  workers: number,
  seed: number,
): { mode: LoaderMode; exec: Executor } {
  if (ds.sources.every((s) => s.kind === "tensor") && !pipeline.random) {
    return { mode: "slices", exec: sliceExecutor(ds, pipeline) };
  }
  if (workers > 0) {
    const init = {
      type: "init" as const,
      sources: sharedSources(ds.sources),
      source: ds.source,
      item: ds.item,
      specs: pipeline.specs,
      seed,
    };
    return { mode: "workers", exec: new WorkerPool(workers, init) };
  }
  const ctx: BatchContext = { ...ds, pipeline, seed };
  return {
    mode: "inline",
    exec: { run: (epoch, indices) => makeBatch(ctx, epoch, indices), close() {} },
  };
}
