/**
 * Writing a variant of a run's model as a model archive: the next version of
 * `<model>_<opt>` in the store, with the handler spec of the run's data
 * pipeline, its class names, params and the measured figures.
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
import { modelToBytes } from "../onnx/mod.ts";
import { saveOrtOptimized } from "./fuse.ts";
import type { VariantFigures } from "./report.ts";
import type { RunData } from "./run_data.ts";
import type { ChosenCheckpoint, RunInfo } from "./run_dir.ts";
import type { Variant } from "./variants.ts";

/** Where an archive went. */
export interface WrittenArchive {
  path: string;
  modelName: string;
  modelVersion: string;
  variant: string;
}

/** What {@linkcode archiveVariant} needs besides the variant. */
export interface ArchiveVariantOptions {
  run: RunInfo;
  checkpoint: ChosenCheckpoint;
  data: RunData;
  /** The variant's measured figures. */
  figures: VariantFigures;
  /** The original's, for comparison. */
  original: VariantFigures;
  /** The model store folder. */
  store: string;
  /** Also write ORT's optimized graph as `<archive>.ort.onnx`. */
  ortOptimized?: boolean;
}

/**
 * Writes the archive of a variant (atomically; `<archive>.ort.onnx` first when asked).
 *
 * @param variant The variant to archive.
 * @param options The run, checkpoint, data, figures and store.
 * @returns The archive and the ORT-optimized graph's path, if written.
 * @throws {ArchiveFormatError} When the handler spec the run implies is invalid.
 */
export async function archiveVariant(
  variant: Variant,
  options: ArchiveVariantOptions,
): Promise<{ archive: WrittenArchive; ortOptimizedPath?: string }> {
  const { run, checkpoint, data, figures: fig, original: base, store } = options;
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
  if (options.ortOptimized) {
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
