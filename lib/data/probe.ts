import { loadSharp } from "./_decode.ts";
import { DataError, type Dataset, describeSample } from "./dataset.ts";
import type { Dims3, Pipeline } from "./transforms.ts";

/**
 * Checks, from the image headers only, that every sample of a data set has the same size
 * after a pipeline, so that a run fails before it writes anything rather than at the
 * first mixed batch. Tensor samples use their source dims; unreadable files are left to
 * the loader (which counts them against `max_bad_fraction`).
 *
 * @param ds the data set
 * @param pipeline the transforms applied to each sample
 * @returns the common [C, H, W] after the transforms, or null when no sample could be read
 * @throws {DataError} naming two samples whose sizes differ after the transforms
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileTransforms, loadMnist, probeSampleDims } from "./mod.ts";
 * const dims = await probeSampleDims(await loadMnist(), compileTransforms([{ name: "resize", size: 14 }]));
 * assert.deepEqual(dims, [1, 14, 14]);
 * ```
 */
export async function probeSampleDims(ds: Dataset, pipeline: Pipeline): Promise<Dims3 | null> {
  const sharp = await loadSharp();
  let first: { dims: Dims3; index: number } | null = null;
  const seen = new Map<number, Dims3>();
  for (let i = 0; i < ds.length; i++) {
    const src = ds.sources[ds.source[i]!]!;
    let input: Dims3;
    if (src.kind === "tensor") {
      input = src.dims as Dims3;
    } else {
      const meta = await sharp(src.paths[ds.item[i]!]!).metadata().catch(() => null);
      if (!meta?.width || !meta?.height) continue;
      input = [src.mode === "L" ? 1 : 3, meta.height, meta.width];
    }
    const key = input[0] * 1e8 + input[1] * 1e4 + input[2];
    let out = seen.get(key);
    if (!out) seen.set(key, out = pipeline.outputDims(input));
    if (!first) first = { dims: out, index: i };
    else if (out.join("x") !== first.dims.join("x")) {
      throw new DataError(
        `Cannot batch "${describeSample(ds, i)}": its size after transforms is ${out.join("x")}, ` +
          `"${describeSample(ds, first.index)}" has ${
            first.dims.join("x")
          }: add a resize or center_crop transform`,
        { path: describeSample(ds, i) },
      );
    }
  }
  return first?.dims ?? null;
}
