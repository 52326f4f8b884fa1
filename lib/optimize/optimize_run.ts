/**
 * `optimizeRun`: what `deno task optimize` does. Opens a run directory, takes
 * a checkpoint (the best by default), builds the asked variant(s), measures
 * size, batch-1 latency and test accuracy beside the original, and writes a
 * model archive into the store (for `--profile`: the fastest variant within
 * one accuracy point of the original, with the table saved next to the run).
 *
 * @module
 */
import {
  checkHandlerSpec,
  createManifest,
  type HandlerSpec,
  planArchive,
  runArchiveIdentity,
  writeArchive,
} from "../archive/mod.ts";
import { type Model, modelToBytes, type Tensor } from "../onnx/mod.ts";
import { CALIBRATION_METHODS, type CalibrationMethod } from "./calibrate.ts";
import { saveOrtOptimized } from "./fuse.ts";
import { checkAmount } from "./prune_l1.ts";
import { accuracy, measureLatency, topOperators } from "./profile.ts";
import { machineInfo, type ProfileReport, saveProfile, type VariantFigures } from "./report.ts";
import { loadRunData, runBatches, type RunData } from "./run_data.ts";
import {
  type ChosenCheckpoint,
  loadRunModel,
  openRun,
  pickCheckpoint,
  type RunInfo,
} from "./run_dir.ts";
import {
  buildVariant,
  type Precision,
  PRECISIONS,
  profileVariants,
  QUANT_MODES,
  type QuantMode,
  type Variant,
  type VariantData,
} from "./variants.ts";

/** Options of {@linkcode optimizeRun}, as the CLI flags name them. */
export interface OptimizeRunOptions {
  profile?: boolean;
  fuse?: boolean;
  quantize?: boolean;
  prune?: boolean;
  checkpoint?: number;
  precision?: string;
  mode?: string;
  calibrationSamples?: number;
  method?: string;
  /** Nodes left in float by quantization (default: "first" for static int8, none else). */
  exclude?: string[];
  amount?: number;
  structured?: boolean;
  finetuneSteps?: number;
  /** Timed batch-1 runs per variant (default 100). */
  iterations?: number;
  /** The model store (default `model_store`). */
  out?: string;
  /** Also write ORT's optimized graph beside the archive. */
  ortOptimized?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What {@linkcode optimizeRun} did. */
export interface OptimizeRunResult {
  run: RunInfo;
  checkpoint: ChosenCheckpoint;
  /** Measured variants, the original first. */
  variants: VariantFigures[];
  archive: { path: string; modelName: string; modelVersion: string; variant: string };
  profileFiles?: { json: string; md: string };
  ortOptimizedPath?: string;
}

interface Checked {
  precision: Precision;
  mode: QuantMode;
  method: CalibrationMethod;
  samples: number;
  iterations: number;
  amount: number;
  finetuneSteps: number;
}

/**
 * Checks the options before any work: one clear error per bad value.
 *
 * @throws {RangeError} For an unsupported precision, mode or method, an amount
 *   outside [0, 1), non-positive counts, or no action.
 */
export function checkOptimizeOptions(o: OptimizeRunOptions): Checked {
  if (!o.profile && !o.fuse && !o.quantize && !o.prune) {
    throw new RangeError("Nothing to do: give --profile, --fuse, --quantize or --prune");
  }
  const precision = (o.precision ?? "int8") as Precision;
  if (!PRECISIONS.includes(precision)) {
    throw new RangeError(
      `Unsupported precision "${o.precision}": expected one of ${PRECISIONS.join(", ")}`,
    );
  }
  const mode = (o.mode ?? "dynamic") as QuantMode;
  if (!QUANT_MODES.includes(mode)) {
    throw new RangeError(`Unsupported mode "${o.mode}": expected one of ${QUANT_MODES.join(", ")}`);
  }
  if (precision === "fp16" && o.mode === "static") {
    throw new RangeError(
      `Unsupported mode "static" for precision fp16: float16 needs no calibration, leave --mode out`,
    );
  }
  const method = (o.method ?? "minmax") as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) {
    throw new RangeError(
      `Unsupported calibration method "${o.method}": expected one of ${
        CALIBRATION_METHODS.join(", ")
      }`,
    );
  }
  const amount = o.amount ?? 0.3;
  checkAmount(amount);
  const count = (v: number | undefined, fallback: number, name: string, min: number) => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < min) {
      throw new RangeError(`Invalid --${name} ${v}: expected an integer >= ${min}`);
    }
    return n;
  };
  return {
    precision,
    mode,
    method,
    amount,
    samples: count(o.calibrationSamples, 256, "calibration-samples", 1),
    iterations: count(o.iterations, 100, "iterations", 1),
    finetuneSteps: count(o.finetuneSteps, 0, "finetune-steps", 0),
  };
}

/**
 * Optimizes a run's model and archives the result (see the module comment).
 *
 * @param runDir The run directory.
 * @param options The command's flags.
 * @returns The run, checkpoint, measured variants, archive (and profile files).
 * @throws {RangeError} For bad options (before any work) or a missing checkpoint index.
 * @throws {Error} For a folder that is not a run or has no checkpoints.
 * @throws {DataError} When the run's data cannot be loaded (calibration, accuracy).
 */
export async function optimizeRun(
  runDir: string,
  options: OptimizeRunOptions,
): Promise<OptimizeRunResult> {
  const c = checkOptimizeOptions(options);
  const log = options.log ?? (() => {});
  const run = await openRun(runDir);
  const checkpoint = await pickCheckpoint(run, options.checkpoint);
  log(`Run ${run.dir}, checkpoint ${checkpoint.index} (${checkpoint.why})`);
  const original = await loadRunModel(run, checkpoint);
  const data = await loadRunData(run);
  const inputName = original.graph.feedInputs()[0]!.name;
  const inputDims = perSampleDims(original);
  const settings = {
    ...c,
    exclude: options.exclude ?? (c.mode === "static" && c.precision !== "fp16" ? ["first"] : []),
    structured: options.structured ?? false,
  };
  const sources = variantData(data, c.samples, inputName, inputDims, run);
  const variants = options.profile ? await profileVariants(original, settings, sources) : [
    { name: "original", opt: "original", model: original, notes: [] },
    await buildVariant(original, options, settings, sources),
  ];
  log(
    `Measuring ${variants.length} variants: accuracy on ${data.test.length} test samples, ${c.iterations} batch-1 runs each`,
  );
  const figures = await measure(
    variants,
    data,
    inputName,
    inputDims,
    c.iterations,
    !!options.profile,
  );
  const pick = options.profile ? recommended(figures) : 1;
  const store = options.out ?? "model_store";
  let profileFiles: OptimizeRunResult["profileFiles"];
  if (options.profile) {
    profileFiles = await saveProfile(
      run.dir,
      {
        run: run.dir,
        checkpoint: checkpoint.index,
        batch: 1,
        iterations: c.iterations,
        threads: 1,
        variants: figures,
        machine: machineInfo(),
        created: new Date().toISOString(),
      } satisfies ProfileReport,
    );
  }
  // The archive is written last: a failure before leaves no archive behind.
  const written = await archive(
    run,
    checkpoint,
    variants[pick]!,
    figures[pick]!,
    figures[0]!,
    data,
    store,
    {
      ortOptimized: options.ortOptimized ?? false,
    },
  );
  const result: OptimizeRunResult = {
    run,
    checkpoint,
    variants: figures,
    archive: written.archive,
    profileFiles,
  };
  if (written.ortOptimizedPath) result.ortOptimizedPath = written.ortOptimizedPath;
  return result;
}

function perSampleDims(model: Model): number[] | undefined {
  const dims = model.graph.feedInputs()[0]?.dims?.slice(1);
  return dims && dims.every((d) => typeof d === "number") ? dims as number[] : undefined;
}

function variantData(
  data: RunData,
  samples: number,
  input: string,
  inputDims: number[] | undefined,
  run: RunInfo,
): VariantData {
  const trainer = (run.config.trainer ?? {}) as Record<string, unknown>;
  return {
    calibration: async () => {
      const out: Record<string, Tensor>[] = [];
      for await (
        const b of runBatches(data.train, data.testPipeline, {
          batchSize: 64,
          limit: samples,
          inputDims,
        })
      ) {
        out.push({ [input]: b.x });
      }
      if (out.length === 0) {
        throw new RangeError(`Cannot calibrate: the run's train split of "${run.dir}" is empty`);
      }
      return out;
    },
    training: () =>
      cycle(() =>
        runBatches(data.train, data.trainPipeline, {
          batchSize: Number(trainer.batch_size ?? 64),
          shuffle: true,
          seed: Number(run.config.seed ?? 0),
          inputDims,
        })
      ),
  };
}

async function* cycle<T>(make: () => AsyncIterable<T>): AsyncGenerator<T> {
  for (let epoch = 0; epoch < 1000; epoch++) {
    let any = false;
    for await (const b of make()) {
      any = true;
      yield b;
    }
    if (!any) return;
  }
}

async function measure(
  variants: Variant[],
  data: RunData,
  input: string,
  inputDims: number[] | undefined,
  iterations: number,
  withOps: boolean,
): Promise<VariantFigures[]> {
  const bytes = variants.map((v) => modelToBytes(v.model));
  const test: { x: Tensor; y: Tensor }[] = [];
  for await (const b of runBatches(data.test, data.testPipeline, { batchSize: 256, inputDims })) {
    test.push(b);
  }
  const first = test[0]!.x;
  const per = first.data.length / first.dims[0]!;
  const one = {
    [input]: {
      dtype: "float32",
      dims: [1, ...first.dims.slice(1)],
      data: (first.data as Float32Array).slice(0, per),
    } as Tensor,
  };
  const lat = await measureLatency(
    Object.fromEntries(variants.map((v, i) => [v.name, bytes[i]!])),
    one,
    { iterations },
  );
  const out: VariantFigures[] = [];
  for (const [i, v] of variants.entries()) {
    out.push({
      name: v.name,
      sizeBytes: bytes[i]!.length,
      latency: lat[v.name]!,
      accuracy: await accuracy(bytes[i]!, test),
      topOperators: withOps || i > 0
        ? await topOperators(bytes[i]!, one, { runs: Math.min(iterations, 100), top: 6 })
        : undefined,
      notes: v.notes,
    });
  }
  return out;
}

/** The fastest variant (median latency) within one accuracy point of the original (index). */
function recommended(rows: VariantFigures[]): number {
  let best = 0;
  rows.forEach((r, i) => {
    if (r.accuracy >= rows[0]!.accuracy - 0.01 && r.latency.p50 < rows[best]!.latency.p50) best = i;
  });
  return best;
}

async function archive(
  run: RunInfo,
  checkpoint: ChosenCheckpoint,
  variant: Variant,
  fig: VariantFigures,
  base: VariantFigures,
  data: RunData,
  store: string,
  extra: { ortOptimized: boolean },
) {
  const id = runArchiveIdentity({
    model: run.model,
    experiment: run.experiment,
    run: run.run,
    opt: variant.opt,
  });
  const plan = await planArchive(store, id);
  const model = variant.model;
  const input = model.graph.feedInputs()[0]!;
  const handler: HandlerSpec = checkHandlerSpec({
    handler: "image_classifier",
    input: { name: input.name, dims: (input.dims ?? []).map((d) => d ?? "N") },
    output: { name: model.graph.outputs[0]!.name },
    preprocess: { ...data.preprocess, scale: 1 / 255 },
    postprocess: { softmax: true, topK: Math.min(5, data.classes.length) },
  }, plan.path);
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  let ortOptimizedPath: string | undefined;
  if (extra.ortOptimized) {
    ortOptimizedPath = plan.path.replace(/\.mar$/, ".ort.onnx");
    await saveOrtOptimized(model, ortOptimizedPath);
  }
  await writeArchive(plan.path, {
    manifest: createManifest(plan.modelName, {
      modelVersion: plan.modelVersion,
      description: `${variant.name} of ${run.run}`,
    }),
    model: modelToBytes(model),
    labels: data.classes,
    handler,
    params: run.params ?? { config: run.config },
    metrics: {
      accuracy: fig.accuracy,
      latency_ms: {
        avg: r(fig.latency.avg),
        p50: r(fig.latency.p50),
        p95: r(fig.latency.p95),
        min: r(fig.latency.min),
        max: r(fig.latency.max),
      },
      size_bytes: fig.sizeBytes,
      size_mb: r(fig.sizeBytes / 1e6),
      original: {
        accuracy: base.accuracy,
        latency_ms: {
          avg: r(base.latency.avg),
          p50: r(base.latency.p50),
          p95: r(base.latency.p95),
        },
        size_bytes: base.sizeBytes,
      },
      optimization: variant.opt,
      notes: variant.notes,
      run: run.dir,
      checkpoint: checkpoint.index,
      checkpoint_metrics: checkpoint.metrics,
      test_samples: data.test.length,
    },
  });
  return {
    archive: {
      path: plan.path,
      modelName: plan.modelName,
      modelVersion: plan.modelVersion,
      variant: variant.name,
    },
    ortOptimizedPath,
  };
}
