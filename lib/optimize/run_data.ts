/**
 * The data of a training run, read from its config as the training loop reads
 * it: the data set (MNIST or an image folder) split with the run's seed and
 * test size, the test pipeline (resize for image folders, the configured
 * test transforms, then normalize), and batches in the model's input layout.
 * Calibration and fine-tuning draw from the train split, accuracy from the
 * test split. A run of `data.name: examples` (retrained on relabelled examples)
 * reads its `data.base` data set with the examples mixed into the train split;
 * its test split is the base's, so its accuracy compares with its parent's.
 *
 * @module
 */
import {
  compilePipelines,
  DataError,
  DataLoader,
  type Dataset,
  loadImageFolder,
  loadMnist,
  type Pipeline,
  stratifiedSplit,
  withExamples,
} from "../data/mod.ts";
import { type Tensor, tensor } from "../onnx/mod.ts";
import type { RunInfo } from "./run_dir.ts";

/** What the model server must do to an image to feed the model as training did. */
export interface ImagePreprocess {
  colorMode: "L" | "RGB";
  resize?: [number, number];
  centerCrop?: [number, number];
  mean?: number[];
  std?: number[];
}

/** A run's splits, pipelines and class names. */
export interface RunData {
  classes: string[];
  train: Dataset;
  test: Dataset;
  trainPipeline: Pipeline;
  testPipeline: Pipeline;
  preprocess: ImagePreprocess;
}

type Plain = Record<string, unknown>;

/**
 * Loads a run's data as its config describes it.
 *
 * @param run An opened run.
 * @returns Splits, pipelines, classes and the image preprocessing.
 * @throws {DataError} When the data cannot be found (an image folder that moved, …).
 */
export async function loadRunData(run: RunInfo): Promise<RunData> {
  const data = (run.config.data ?? {}) as Plain;
  const examples = data.name === "examples";
  const name = String((examples ? data.base ?? "mnist" : data.name) ?? "mnist");
  const shape = numbers(data.image_shape) ?? [1, 28, 28];
  const splitSeed = Number(data.split_seed ?? 1234);
  const testSize = Number(data.test_size ?? 0.2);
  const transforms = (data.transforms ?? {}) as Plain;
  const normalize = data.normalize as { mean?: number[]; std?: number[] } | null | undefined;
  let ds: Dataset;
  let prefix: unknown[] = [];
  if (name === "mnist") {
    const all = await loadMnist();
    const n = Number(data.num_samples ?? all.length);
    ds = n >= all.length
      ? all
      : stratifiedSplit(all, { seed: splitSeed, testSize: n / all.length }).test;
  } else if (name === "image_folder") {
    const root = String(data.root ?? "");
    try {
      ds = await loadImageFolder(root, {
        extensions: (data.extensions as string[] | undefined) ?? [".png", ".jpg", ".jpeg"],
        mode: shape[0] === 1 ? "L" : "RGB",
      });
    } catch (err) {
      throw new DataError(
        `Cannot load the data of run "${run.dir}" (data.root "${root}"): ${
          (err as Error).message
        }: calibration, fine-tuning and accuracy need the run's images`,
        { path: root, cause: err },
      );
    }
    if (data.resize !== false) prefix = [{ name: "resize", size: [shape[1], shape[2]] }];
  } else {
    throw new DataError(
      `Cannot load the data of run "${run.dir}": unknown data.name "${name}" (expected mnist, image_folder or examples)`,
    );
  }
  const withNormalize = (list: unknown[]) =>
    normalize?.mean && normalize?.std
      ? [...list, { name: "normalize", mean: normalize.mean, std: normalize.std }]
      : list;
  const test = Array.isArray(transforms.test)
    ? withNormalize([...prefix, ...transforms.test])
    : undefined;
  const pipes = compilePipelines({
    train: withNormalize([...prefix, ...((transforms.train as unknown[] | undefined) ?? [])]),
    test,
  });
  const split = stratifiedSplit(ds, { seed: splitSeed, testSize });
  if (examples) {
    const path = String(data.path ?? "");
    try {
      const ratio = typeof data.ratio === "number" ? data.ratio : undefined;
      const dims = (name === "mnist" ? [1, 28, 28] : shape) as [number, number, number];
      split.train = (await withExamples(split.train, path, { dims, ratio })).train;
    } catch (err) {
      throw new DataError(
        `Cannot load the examples of run "${run.dir}" (data.path "${path}"): ${
          (err as Error).message
        }`,
        { path, cause: err },
      );
    }
  }
  const classes = classesOf(run) ?? [...ds.classes];
  return {
    classes,
    ...split,
    trainPipeline: pipes.train,
    testPipeline: pipes.test,
    preprocess: preprocessOf(shape, pipes.test, normalize),
  };
}

function classesOf(run: RunInfo): string[] | undefined {
  const c = (run.results?.data as Plain | undefined)?.classes;
  return Array.isArray(c) ? c.map(String) : undefined;
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "number") ? v as number[] : undefined;
}

function preprocessOf(
  shape: number[],
  test: Pipeline,
  normalize: { mean?: number[]; std?: number[] } | null | undefined,
): ImagePreprocess {
  const size = (s: unknown): [number, number] =>
    Array.isArray(s) ? [Number(s[0]), Number(s[1] ?? s[0])] : [Number(s), Number(s)];
  const p: ImagePreprocess = {
    colorMode: shape[0] === 1 ? "L" : "RGB",
    resize: [shape[1]!, shape[2]!],
  };
  for (const spec of test.specs as { name: string; size?: unknown }[]) {
    if (spec.name === "resize") p.resize = size(spec.size);
    if (spec.name === "center_crop") p.centerCrop = size(spec.size);
  }
  if (normalize?.mean && normalize?.std) {
    p.mean = [...normalize.mean];
    p.std = [...normalize.std];
  }
  return p;
}

/** Options of {@linkcode runBatches}. */
export interface BatchOptions {
  batchSize: number;
  /** Stop after this many samples. */
  limit?: number;
  shuffle?: boolean;
  seed?: number;
  /** The model's per-sample input dims (e.g. [784] for an MLP); default as the pipeline gives. */
  inputDims?: number[];
}

/**
 * Batches of a split through a pipeline: `x` float32 in the model's layout,
 * `y` int64 labels.
 *
 * @param ds The split.
 * @param pipeline Its transforms.
 * @param options Batch size, sample limit, shuffling, the model's input dims.
 * @returns An async iterable of batches.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mnistSplit } from "../data/mod.ts";
 * import { runBatches } from "./mod.ts";
 * const { test } = await mnistSplit();
 * const { Pipeline } = await import("../data/mod.ts");
 * const dims = [];
 * for await (const b of runBatches(test, new Pipeline([]), { batchSize: 64, limit: 100, inputDims: [784] })) dims.push(b.x.dims);
 * assert.deepEqual(dims, [[64, 784], [36, 784]]);
 * ```
 */
export async function* runBatches(
  ds: Dataset,
  pipeline: Pipeline,
  options: BatchOptions,
): AsyncGenerator<{ x: Tensor; y: Tensor }> {
  const loader = await DataLoader.create(ds, {
    batchSize: options.batchSize,
    shuffle: options.shuffle ?? false,
    seed: options.seed ?? 0,
    transforms: pipeline,
    workers: 0,
    prefetchNextEpoch: false,
  });
  try {
    let seen = 0;
    for await (const b of loader.epoch(0)) {
      const take = Math.min(b.dims[0], (options.limit ?? Infinity) - seen);
      if (take <= 0) break;
      const per = b.dims[1] * b.dims[2] * b.dims[3];
      const dims = options.inputDims
        ? [take, ...options.inputDims]
        : [take, b.dims[1], b.dims[2], b.dims[3]];
      yield {
        x: tensor("float32", dims, b.x.slice(0, take * per)),
        y: tensor("int64", [take], b.y.slice(0, take)),
      };
      seen += take;
    }
  } finally {
    await loader.close();
  }
}
