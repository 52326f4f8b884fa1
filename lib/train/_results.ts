// results.json of a run: final and best metrics, progress, paths, timings, and what the
// optimize/archive steps need to know about the model and its data.

import { relative } from "node:path";
import type { Dims3 } from "../data/mod.ts";
import type { TrainingArtifacts } from "./artifacts.ts";
import type { InitReport } from "./experiment_model.ts";
import type { LoopOutcome } from "./loop.ts";
import type { ExperimentSettings } from "./settings.ts";

/** What the run knows besides the loop's outcome. */
export interface RunFacts {
  settings: ExperimentSettings;
  runDir: string;
  artifacts: TrainingArtifacts;
  classes: readonly string[];
  sampleDims: Dims3 | null;
  trainSamples: number;
  testSamples: number;
  badSamples: number;
  init: InitReport | null;
  /** Relabelled examples mixed into the training split (`data.name: examples`). */
  examples?: { path: string; count: number; mixedIn: number; ratio: number | null };
  resumedFrom: string | null;
  wallSeconds: number;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The final figures: every test metric with a `test_` prefix, and the train loss. */
function finalMetrics(outcome: LoopOutcome): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const e = outcome.lastEval;
  // Interrupted before this session's first evaluation: the checkpoint's figures.
  if (!e) return { ...outcome.state.lastEval };
  for (const [k, v] of Object.entries(e)) {
    if (k === "samples") continue;
    out[`test_${k}`] = v;
  }
  out.train_loss = outcome.state.lastEval?.train_loss ?? null;
  return out;
}

/**
 * The content of results.json.
 *
 * @param f facts of the run
 * @param outcome the loop's outcome
 * @returns the object to write
 */
export function buildResults(f: RunFacts, outcome: LoopOutcome): Record<string, unknown> {
  const s = f.settings;
  const st = outcome.state;
  const rel = (p: string | null) => (p === null ? null : relative(f.runDir, p));
  const normalize = s.data.normalize;
  return {
    status: outcome.status,
    model: s.modelPath ?? s.model.name,
    experiment_name: s.experimentName,
    run_name: s.runName,
    run_dir: f.runDir,
    seed: s.seed,
    final: finalMetrics(outcome),
    best: st.best,
    monitor: s.trainer.monitor,
    early_stopped: outcome.status === "early_stopped",
    progress: {
      iterations: st.iteration,
      epochs: st.epoch,
      steps: st.step,
      samples: st.samples,
      planned_iterations: s.trainer.trainingIters,
      planned_epochs: s.trainer.trainingIters * s.trainer.epochsPerIteration,
    },
    paths: {
      model: "model.onnx",
      artifacts: "artifacts",
      metrics: "metrics.jsonl",
      log: "train.log",
      last_checkpoint: rel(outcome.lastCheckpoint),
      best_checkpoint: rel(outcome.bestCheckpoint),
    },
    timings: {
      wall_s: round(f.wallSeconds),
      train_s: round(st.seconds.train),
      step_s: round(st.seconds.step),
      eval_s: round(st.seconds.eval),
      train_samples_per_s: st.seconds.train > 0 ? round(st.samples / st.seconds.train, 1) : null,
      // Time of the epoch loops outside the train steps (data, schedule, logging), per step time.
      pipeline_overhead: st.seconds.step > 0
        ? round(st.seconds.train / st.seconds.step - 1, 4)
        : null,
    },
    data: {
      name: s.data.name,
      classes: f.classes,
      train_samples: f.trainSamples,
      test_samples: f.testSamples,
      bad_samples: f.badSamples,
      input_shape: f.sampleDims,
      normalize,
      ...(f.examples
        ? {
          examples: {
            path: f.examples.path,
            count: f.examples.count,
            mixed_in: f.examples.mixedIn,
            ratio: f.examples.ratio,
          },
        }
        : {}),
    },
    parameters: f.artifacts.params.reduce((n, p) => n + p.dims.reduce((a, b) => a * b, 1), 0),
    init_from: f.init
      ? {
        source: f.init.source,
        matched: f.init.matched.length,
        mismatched: f.init.mismatched,
        missing: f.init.missing,
      }
      : null,
    resumed_from: f.resumedFrom,
  };
}
