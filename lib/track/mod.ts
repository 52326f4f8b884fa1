/**
 * Run tracking: the run directory's files, metrics, best values and console progress.
 *
 * - {@linkcode LocalSink}: `metrics.jsonl` (one line per step or evaluation, crash-safe
 *   appends), `params.json` and `results.json` (atomic), `train.log` (Hydra-style lines),
 *   behind the {@linkcode Sink} interface that a W&B sink also implements; {@linkcode fanOut}
 *   sends to several.
 * - {@linkcode readMetricsLog} / {@linkcode trimMetricsLog}: read back tolerating a torn
 *   last line, and cut the records a resumed run will log again.
 * - {@linkcode classificationMetrics}: accuracy, F1 macro/micro/weighted, per-class
 *   precision/recall and the confusion matrix, as scikit-learn defines them;
 *   {@linkcode BestTracker}: best value and iterations since improvement per metric.
 * - {@linkcode ProgressBar} and {@linkcode formatIterationSummary} for the console.
 * - {@linkcode WandbSink}: the run sent to Weights & Biases over W&B's HTTP protocol
 *   (GraphQL `UpsertBucket` + `file_stream`), posted in the background, resumable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BestTracker, classificationMetrics, LocalSink, readMetricsLog } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const sink = await LocalSink.open(dir);
 * const best = new BestTracker();
 * const m = classificationMetrics([1, 0, 1, 1], [1, 0, 0, 1], 2);
 * best.update({ test_accuracy: m.accuracy }, 0);
 * await sink.logMetrics({ step: 4, epoch: 0, iteration: 0, split: "test", time: Date.now() / 1000, accuracy: m.accuracy });
 * await sink.logSummary({ best: best.toJSON() });
 * await sink.finish("finished");
 * const log = await readMetricsLog(`${dir}/metrics.jsonl`);
 * assert.equal(log.records[0]?.accuracy, 0.75);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { LocalSink, type LocalSinkOptions, logTime, RUN_FILES } from "./local_sink.ts";
export { fanOut, type LogLevel, type RunStatus, type Sink } from "./sink.ts";
export {
  type MetricRecord,
  type MetricsLog,
  readMetricsLog,
  type Split,
  trimMetricsLog,
} from "./metrics_log.ts";
export { writeJsonAtomic, writeTextAtomic } from "./_files.ts";
export {
  argmaxRows,
  type ClassificationMetrics,
  classificationMetrics,
  confusionMatrix,
  type Labels,
} from "./metrics.ts";
export { type BestEntry, type BestState, BestTracker, defaultMode } from "./best.ts";
export {
  formatDuration,
  formatIterationSummary,
  formatValue,
  type IterationSummary,
  ProgressBar,
  type ProgressOptions,
  type ProgressStream,
} from "./progress.ts";
export { historyRows, newRunId, WandbError, type WandbOptions, WandbSink } from "./wandb_sink.ts";
