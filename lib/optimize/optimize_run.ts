/**
 * `optimizeRun`: what `deno task optimize` does. Opens a run directory, takes
 * a checkpoint (the best by default), builds the asked variant(s), measures
 * size, batch-1 latency and test accuracy beside the original, and writes a
 * model archive into the store (for `--profile`: the fastest variant within
 * one accuracy point of the original, with the table saved next to the run).
 *
 * @module
 */
import { type Model, modelToBytes, type Tensor } from "../onnx/mod.ts";
import { archiveVariant, type WrittenArchive } from "./archive_variant.ts";
import { checkOptimizeOptions, type OptimizeRunOptions } from "./optimize_options.ts";
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
import { buildVariant, profileVariants, type Variant, type VariantData } from "./variants.ts";

/** What {@linkcode optimizeRun} did. */
export interface OptimizeRunResult {
  run: RunInfo;
  checkpoint: ChosenCheckpoint;
  /** Measured variants, the original first. */
  variants: VariantFigures[];
  archive: WrittenArchive;
  profileFiles?: { json: string; md: string };
  ortOptimizedPath?: string;
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
    global: options.global ?? false,
  };
  const io: RunIo = { run, data, input: inputName, inputDims };
  const sources = variantData(io, c.samples);
  const variants = options.profile ? await profileVariants(original, settings, sources) : [
    { name: "original", opt: "original", model: original, notes: [] },
    await buildVariant(original, options, settings, sources),
  ];
  log(
    `Measuring ${variants.length} variants: accuracy on ${data.test.length} test samples, ${c.iterations} batch-1 runs each`,
  );
  const figures = await measure(variants, {
    ...io,
    iterations: c.iterations,
    withOps: !!options.profile,
  });
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
  const written = await archiveVariant(variants[pick]!, {
    run,
    checkpoint,
    data,
    figures: figures[pick]!,
    original: figures[0]!,
    store,
    ortOptimized: options.ortOptimized,
  });
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

/** A run's data and how the model takes it. */
interface RunIo {
  run: RunInfo;
  data: RunData;
  /** The model's input name. */
  input: string;
  /** The model's per-sample input dims, when static. */
  inputDims?: number[];
}

function variantData({ run, data, input, inputDims }: RunIo, samples: number): VariantData {
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
  { data, input, inputDims, iterations, withOps }: RunIo & { iterations: number; withOps: boolean },
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
