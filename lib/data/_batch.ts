// Builds one batch from sample indices: fetch (view into tensor memory or decode a file),
// transform with the sample's own random stream, pack as NCHW. Runs in workers and inline.

import { DataError, describeSample as samplePath, type SampleSource } from "./dataset.ts";
import { decodeImage } from "./_decode.ts";
import type { Image } from "./_resample.ts";
import { Rng } from "./rng.ts";
import type { Dims3, Pipeline } from "./transforms.ts";

/** What a batch needs to know about the data set. */
export interface BatchContext {
  readonly sources: readonly SampleSource[];
  readonly source: Uint8Array;
  readonly item: Int32Array;
  readonly pipeline: Pipeline;
  readonly seed: number;
}

/** A sample that could not be decoded. */
export interface BadSample {
  /** Sample index in the data set. */
  readonly index: number;
  /** The file. */
  readonly path: string;
  /** First line of the decoder's message. */
  readonly reason: string;
}

/** A packed batch: `x` holds `kept.length` samples of dims [C, H, W]. */
export interface BatchResult {
  x: Float32Array;
  dims: [number, number, number, number];
  kept: Int32Array;
  bad: BadSample[];
}

/** Domain tag of per-sample augmentation streams. */
export const SAMPLE_STREAM = 1;
const FIXED = new Rng(0);

function tensorItem(src: Extract<SampleSource, { kind: "tensor" }>, item: number): Image {
  const [c, h, w] = src.dims;
  const n = c * h * w;
  return { data: src.pixels.subarray(item * n, item * n + n), channels: c, height: h, width: w };
}

async function fetchAll(ctx: BatchContext, indices: Int32Array, bad: BadSample[]) {
  const images = new Array<Image | undefined>(indices.length);
  const jobs: Promise<void>[] = [];
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k]!;
    const src = ctx.sources[ctx.source[index]!]!;
    if (src.kind === "tensor") {
      images[k] = tensorItem(src, ctx.item[index]!);
      continue;
    }
    const path = src.paths[ctx.item[index]!]!;
    jobs.push(
      decodeImage(path, src.mode).then(
        (img) => void (images[k] = img),
        (err) =>
          void bad.push({ index, path, reason: String(err?.message ?? err).split("\n")[0]! }),
      ),
    );
  }
  await Promise.all(jobs);
  bad.sort((a, b) => a.index - b.index);
  return images;
}

function sameDims(a: Dims3, b: Dims3): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

/**
 * Builds the batch of `indices` for `epoch`. Unreadable files are left out and listed.
 *
 * @throws {DataError} when two samples have different sizes after the transforms
 */
export async function makeBatch(
  ctx: BatchContext,
  epoch: number,
  indices: Int32Array,
): Promise<BatchResult> {
  const bad: BadSample[] = [];
  const images = await fetchAll(ctx, indices, bad);
  let x: Float32Array | undefined;
  let dims: Dims3 = [0, 0, 0];
  let first = -1;
  const kept: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const img = images[k];
    if (!img) continue;
    const index = indices[k]!;
    let out: Dims3;
    try {
      out = ctx.pipeline.outputDims([img.channels, img.height, img.width]);
    } catch (err) {
      throw new RangeError(
        `Cannot transform "${samplePath(ctx, index)}": ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (!x) {
      dims = out;
      first = index;
      x = new Float32Array(indices.length * out[0] * out[1] * out[2]);
    } else if (!sameDims(out, dims)) {
      throw new DataError(
        `Cannot batch "${samplePath(ctx, index)}": its size after transforms is ${
          out.join("x")
        }, ` +
          `"${samplePath(ctx, first)}" has ${
            dims.join("x")
          }: add a resize or center_crop transform`,
        { path: samplePath(ctx, index) },
      );
    }
    const rng = ctx.pipeline.random ? Rng.derive(ctx.seed, SAMPLE_STREAM, epoch, index) : FIXED;
    ctx.pipeline.applyInto(x, kept.length * out[0] * out[1] * out[2], img, rng);
    kept.push(index);
  }
  const sampleSize = dims[0] * dims[1] * dims[2];
  if (!x) x = new Float32Array(0);
  else if (kept.length < indices.length) x = x.slice(0, kept.length * sampleSize);
  return { x, dims: [kept.length, dims[0], dims[1], dims[2]], kept: Int32Array.from(kept), bad };
}
