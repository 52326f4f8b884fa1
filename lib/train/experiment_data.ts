/**
 * The data of an experiment from its `data:` block: the data set split into
 * train and test, and the two transform pipelines (resize for image folders,
 * the configured transforms, then normalize), checked against the model's
 * input before anything is written.
 *
 * `data.name: examples` (conf/data/examples.yaml) is the data set named by
 * `data.base` (mnist or image_folder, with its keys in the same block) plus the
 * relabelled examples of `data.path`, mixed into the training split only
 * (`data.ratio`); the test split stays the original one, so accuracies compare
 * with the parent run's.
 *
 * @module
 */
import {
  compilePipelines,
  DataError,
  type Dataset,
  type Dims3,
  loadImageFolder,
  loadMnist,
  type Pipeline,
  probeSampleDims,
  stratifiedSplit,
  withExamples,
} from "../data/mod.ts";
import type { DataSettings } from "./settings.ts";
import { Reader } from "./_read.ts";

/** Train and test splits with their pipelines. */
export interface ExperimentData {
  train: Dataset;
  test: Dataset;
  classes: readonly string[];
  trainPipeline: Pipeline;
  testPipeline: Pipeline;
  /** [C, H, W] of a sample after the transforms, when known before decoding. */
  sampleDims: Dims3 | null;
  /** `data.max_bad_fraction`: unreadable images tolerated. */
  maxBadFraction: number;
  /** With `data.name: examples`: the examples' folder, count and samples mixed in. */
  examples?: { path: string; count: number; mixedIn: number; ratio: number | null };
}

async function mnistData(s: DataSettings): Promise<{ ds: Dataset; dims: Dims3 }> {
  const r = new Reader(s.raw, "data");
  const all = await loadMnist();
  const n = r.int("num_samples", { min: 10, fallback: all.length });
  if (n > all.length) r.fail("num_samples", `an integer in [10, ${all.length}]`);
  // A smaller budget: a stratified subset of the digits, drawn with the split seed.
  const ds = n === all.length
    ? all
    : stratifiedSplit(all, { seed: s.splitSeed, testSize: n / all.length }).test;
  return { ds, dims: [1, 28, 28] };
}

async function imageFolderData(s: DataSettings): Promise<{ ds: Dataset; prefix: unknown[] }> {
  const r = new Reader(s.raw, "data");
  const root = r.string("root");
  const shape = r.numbers("image_shape", 3, [3, 224, 224]);
  if (shape[0] !== 1 && shape[0] !== 3) r.fail("image_shape", "[channels 1 or 3, height, width]");
  const ds = await loadImageFolder(root, {
    extensions: r.list("extensions", [".png", ".jpg", ".jpeg"]) as string[],
    mode: shape[0] === 1 ? "L" : "RGB",
  });
  const resize = r.bool("resize", true);
  return { ds, prefix: resize ? [{ name: "resize", size: [shape[1], shape[2]] }] : [] };
}

function withNormalize(list: unknown[], s: DataSettings): unknown[] {
  return s.normalize ? [...list, { name: "normalize", ...s.normalize }] : list;
}

/**
 * Loads and splits the data set of `data:` and compiles its pipelines.
 *
 * @param s the data settings
 * @returns the splits, classes and pipelines
 * @throws {DataError} for a missing folder, a class folder without images
 * @throws {TypeError} for a bad key or transform spec, naming it
 */
export async function loadExperimentData(s: DataSettings): Promise<ExperimentData> {
  const r = new Reader(s.raw, "data");
  let ds: Dataset;
  let prefix: unknown[] = [];
  let sourceDims: Dims3 | null = null;
  const base = s.name === "examples"
    ? r.oneOf("base", ["mnist", "image_folder"] as const, "mnist")
    : s.name;
  if (base === "mnist") {
    const m = await mnistData(s);
    ds = m.ds;
    sourceDims = m.dims;
  } else {
    const f = await imageFolderData(s);
    ds = f.ds;
    prefix = f.prefix;
  }
  const { train: trainPipeline, test: testPipeline } = compilePipelines({
    train: withNormalize([...prefix, ...s.trainTransforms], s),
    test: s.testTransforms === null
      ? undefined
      : withNormalize([...prefix, ...s.testTransforms], s),
  });
  let sampleDims: Dims3 | null = null;
  if (sourceDims) sampleDims = pipelineDims(trainPipeline, sourceDims, ds.name);
  else if (prefix.length > 0) {
    // Images are resized to image_shape first: the output size is known for any input.
    const shape = r.numbers("image_shape", 3);
    sampleDims = pipelineDims(trainPipeline, [shape[0]!, shape[1]!, shape[2]!], ds.name);
  } else {
    // Sizes as they come: read every header now, before the run writes anything.
    sampleDims = await probeSampleDims(ds, trainPipeline);
  }
  if (sampleDims && (sourceDims || prefix.length > 0)) {
    const shape = r.numbers("image_shape", 3, [1, 28, 28]);
    const from: Dims3 = sourceDims ?? [shape[0]!, shape[1]!, shape[2]!];
    const testDims = pipelineDims(testPipeline, from, ds.name);
    if (testDims.join("x") !== sampleDims.join("x")) {
      throw new DataError(
        `Cannot evaluate "${ds.name}": the test transforms give ${testDims.join("x")} samples, ` +
          `the training transforms ${
            sampleDims.join("x")
          } (make data.transforms.test end at the same size)`,
      );
    }
  }
  const split = splitData(ds, s);
  let examples: ExperimentData["examples"];
  if (s.name === "examples") {
    const shape = r.numbers("image_shape", 3, [1, 28, 28]);
    const path = r.string("path");
    const ratio = r.optionalNumber("ratio", 0);
    if (ratio !== null && ratio >= 1) r.fail("ratio", "a number in [0, 1) or null");
    const mix = await withExamples(split.train, path, {
      dims: sourceDims ?? [shape[0]!, shape[1]!, shape[2]!],
      ratio: ratio ?? undefined,
    });
    split.train = mix.train;
    examples = { path, count: mix.examples.length, mixedIn: mix.mixedIn, ratio };
  }
  return {
    ...split,
    examples,
    classes: ds.classes,
    trainPipeline,
    testPipeline,
    sampleDims,
    maxBadFraction: r.number("max_bad_fraction", { min: 0, max: 1, fallback: 0 }),
  };
}

function pipelineDims(p: Pipeline, dims: Dims3, name: string): Dims3 {
  try {
    return p.outputDims(dims);
  } catch (err) {
    throw new DataError(`Cannot transform "${name}": ${(err as Error).message}`, { cause: err });
  }
}

function splitData(ds: Dataset, s: DataSettings): { train: Dataset; test: Dataset } {
  if (s.testSize === 0 || s.testSize === 1) {
    throw new RangeError(
      `Invalid data.test_size ${s.testSize}: expected a number in (0, 1), a test split is needed`,
    );
  }
  const { train, test } = stratifiedSplit(ds, { seed: s.splitSeed, testSize: s.testSize });
  if (train.length === 0 || test.length === 0) {
    throw new DataError(
      `Cannot split "${ds.name}" with test_size ${s.testSize}: ${train.length} train and ` +
        `${test.length} test samples`,
    );
  }
  return { train, test };
}
