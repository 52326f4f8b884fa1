/**
 * Relabelled examples for retraining: an export of the web app's labeling page
 * (or any `root/<label>/*.png` folder) decoded once into memory at the size and
 * colour mode of the data set they join, labelled in its class list, so that
 * {@linkcode mixDatasets} can add them to an original training split.
 *
 * Images are brought to the model's input as the model server does: EXIF
 * orientation applied, transparency flattened onto black, stretched to the
 * size, then grey by PIL's luma (mode "L") or RGB.
 *
 * @module
 */
import { DataError, type Dataset, makeDataset } from "./dataset.ts";
import { hwcToChw, loadSharp } from "./_decode.ts";
import { loadImageFolder } from "./image_folder.ts";
import { mixDatasets, remapClasses } from "./mix.ts";

/** Options of {@linkcode loadExamples}. */
export interface ExamplesOptions {
  /** The class list of the data they join (the model's classes). */
  classes: readonly string[];
  /** [C, H, W] every example is brought to (C 1: grey, 3: RGB). */
  dims: readonly [number, number, number];
  /** Maps a class name of the examples to one of `classes`. */
  aliases?: Readonly<Record<string, string>>;
}

/**
 * Loads relabelled examples as an in-memory data set labelled in `classes`.
 *
 * @param path an export folder (with manifest.json) or an image folder
 * @param options target classes, sample dims, class aliases
 * @returns the examples (one tensor source of `dims` items)
 * @throws {DataError} for a missing folder, an empty class folder or an unreadable image
 * @throws {RangeError} for a class the class list lacks, or dims that are not [1|3, H, W]
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import sharp from "sharp";
 * import { loadExamples } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/7`);
 * const white = { width: 56, height: 56, channels: 3 as const, background: "#fff" };
 * await sharp({ create: white }).png().toFile(`${dir}/7/a.png`);
 * const ds = await loadExamples(dir, { classes: ["5", "6", "7"], dims: [1, 28, 28] });
 * assert.deepEqual([ds.length, ds.labels[0], ds.classes.length], [1, 2, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadExamples(path: string, options: ExamplesOptions): Promise<Dataset> {
  const [c, h, w] = options.dims;
  if ((c !== 1 && c !== 3) || !(h! > 0) || !(w! > 0)) {
    throw new RangeError(
      `Cannot load examples "${path}": sample dims ${JSON.stringify(options.dims)} ` +
        `are not [1 or 3, height, width]`,
    );
  }
  const mode = c === 1 ? "L" : "RGB";
  const found = remapClasses(await loadImageFolder(path, { mode }), options.classes, {
    aliases: options.aliases,
  });
  const per = c * h * w;
  const pixels = new Float32Array(found.length * per);
  const sharp = await loadSharp();
  for (let i = 0; i < found.length; i++) {
    const src = found.sources[found.source[i]!]!;
    const file = src.kind === "files" ? src.paths[found.item[i]!]! : `${src.name}#${i}`;
    try {
      const { data, info } = await sharp(file, { failOn: "error" }).rotate()
        .flatten({ background: "#000000" }).resize(w, h, { fit: "fill" })
        .raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
      pixels.set(hwcToChw(data, info.height, info.width, info.channels, mode).data, i * per);
    } catch (err) {
      throw new DataError(
        `Cannot read example "${file}": ${(err as Error).message}`,
        { path: file, cause: err },
      );
    }
  }
  return makeDataset({
    name: path,
    classes: found.classes,
    sources: [{ kind: "tensor", name: path, pixels, dims: [c, h, w] }],
    source: new Uint8Array(found.length),
    item: Int32Array.from(found.labels.keys()),
    labels: found.labels,
  });
}

/** What {@linkcode withExamples} mixed in. */
export interface ExamplesMix {
  /** The training split with the examples mixed in. */
  train: Dataset;
  /** The examples alone. */
  examples: Dataset;
  /** Samples of `train` drawn from the examples (repeats counted). */
  mixedIn: number;
}

/**
 * Adds relabelled examples to a training split: loads them at the split's sample dims and
 * class list and mixes them in with {@linkcode mixDatasets} (`ratio` is the share of the
 * result drawn from the examples, repeated as needed; undefined: each example once).
 *
 * @param train the original training split
 * @param path the examples' folder
 * @param options sample dims, mix ratio, class aliases
 * @returns the mixed split, the examples, and how many samples came from them
 * @throws {DataError} when the folder holds no example
 * @throws {RangeError} for an unknown class or a ratio outside [0, 1)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import sharp from "sharp";
 * import { mnistSplit, withExamples } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/3`);
 * await sharp({ create: { width: 28, height: 28, channels: 3, background: "#000" } }).png()
 *   .toFile(`${dir}/3/a.png`);
 * const { train } = await mnistSplit();
 * const mix = await withExamples(train, dir, { dims: [1, 28, 28], ratio: 0.1 });
 * assert.deepEqual([train.length, mix.mixedIn, mix.train.labels.at(-1)], [8000, 889, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withExamples(
  train: Dataset,
  path: string,
  options: {
    dims: readonly [number, number, number];
    ratio?: number;
    aliases?: Readonly<Record<string, string>>;
  },
): Promise<ExamplesMix> {
  const examples = await loadExamples(path, { ...options, classes: train.classes });
  if (examples.length === 0) {
    throw new DataError(`Cannot train on examples "${path}": it holds no labelled example`, {
      path,
    });
  }
  const mixed = mixDatasets(train, examples, {
    ratio: options.ratio,
    name: `${train.name}+examples`,
  });
  return { train: mixed, examples, mixedIn: mixed.length - train.length };
}
