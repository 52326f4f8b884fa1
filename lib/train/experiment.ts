/**
 * `runExperiment`: one training job from a composed config to a complete run
 * directory — settings checked, data loaded, model built, everything that can
 * fail on bad input checked before the first file is written; then
 * `artifacts/`, `params.json`, `metrics.jsonl`, `train.log`, checkpoints,
 * `model.onnx` and `results.json`.
 *
 * @module
 */
import { join } from "node:path";
import { type Config, loadConfig, writeRunDir } from "../config/mod.ts";
import { DataLoader } from "../data/mod.ts";
import { modelToBytes } from "../onnx/mod.ts";
import type { ProgressStream, Sink } from "../track/mod.ts";
import { saveArtifacts } from "./artifacts.ts";
import { listCheckpoints } from "./checkpoint.ts";
import { TrainLoop } from "./loop.ts";
import { initialLoopState } from "./loop_state.ts";
import { LrSchedule } from "./schedulers.ts";
import { readSettings } from "./settings.ts";
import { prepare } from "./_prepare.ts";
import { buildResults, type RunFacts } from "./_results.ts";
import { evaluateParent, parentBlock, type ParentFigures, parentLine } from "./_parent.ts";
import type { Plain } from "./_read.ts";
import {
  ensureFresh,
  inputDims,
  logStart,
  openSinks,
  say,
  writeBytesAtomic,
} from "./_run_files.ts";

/** Options of {@linkcode runExperiment}. */
export interface ExperimentOptions {
  /** Aborting (Ctrl-C) saves a checkpoint and ends the run as "interrupted". */
  signal?: AbortSignal;
  /** Progress, summary lines and notices (default stderr). */
  stream?: ProgressStream;
  /** Environment lookup for W&B settings (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** ORT threads when `trainer.threads` is 0 (default: one per core). */
  threads?: number;
  /** Seconds between progress lines when the stream is not a terminal (default 10). */
  progressSeconds?: number;
}

/** What a run ended with. */
export interface ExperimentResult {
  status: "finished" | "early_stopped" | "interrupted";
  /** The run directory written (the resumed one when resuming). */
  runDir: string;
  /** The content of results.json. */
  results: Record<string, unknown>;
  /** The latest checkpoint folder, if any. */
  checkpoint: string | null;
}

/**
 * Runs one training job of a composed config and writes its run directory.
 * With `trainer.resume` it continues that run in its own directory instead.
 *
 * @param config the composed config (with its `hydra` node, as `composeForCli` gives)
 * @param runDir where a new run writes (from `runDirOf`); created here
 * @param options abort signal, output stream, environment
 * @returns the status, run directory and results
 * @throws {TypeError|RangeError} for a config value of the wrong type or range, naming the key
 * @throws {DataError} for a missing data folder, an empty class folder, too many unreadable images
 * @throws {Error} for a resume path without a checkpoint; nothing is written in these cases
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeForCli } from "../config/mod.ts";
 * import { runExperiment } from "./mod.ts";
 * const cwd = await Deno.makeTempDir();
 * const plan = composeForCli(
 *   ["model=mlp", "data.num_samples=200", "trainer.training_iters=1", "trainer.epochs_per_iteration=1"],
 *   { defaultConfigDir: new URL("../../conf", import.meta.url).pathname, cwd },
 * );
 * if (plan.kind !== "run") throw new Error("expected a run");
 * const quiet = { writeSync: (p: Uint8Array) => p.length, isTerminal: () => false };
 * const r = await runExperiment(plan.jobs[0]!.config, plan.jobs[0]!.runDir, { stream: quiet, env: () => undefined });
 * assert.equal(r.status, "finished");
 * assert.ok(Deno.statSync(`${r.runDir}/model.onnx`).isFile);
 * await Deno.remove(cwd, { recursive: true });
 * ```
 */
export function runExperiment(
  config: Config,
  runDir: string,
  options: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const job = config.job().toObject() as Plain;
  return execute(job, runDir, () => writeRunDir(config, runDir), options);
}

/**
 * Runs the job of a run directory that already holds its `config.yaml` (as a
 * sweep's launcher writes it before starting a subprocess).
 *
 * @param runDir the run directory
 * @param options abort signal, output stream, environment
 * @returns the status, run directory and results
 */
export function runExperimentDir(
  runDir: string,
  options: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const job = loadConfig(join(runDir, "config.yaml")).toObject() as Plain;
  return execute(job, runDir, () => Promise.resolve([]), options);
}

async function execute(
  job: Plain,
  newRunDir: string,
  writeRun: () => Promise<unknown>,
  options: ExperimentOptions,
): Promise<ExperimentResult> {
  const t0 = performance.now();
  const s = readSettings(job);
  if (options.threads && job.trainer && (job.trainer as Plain).threads === 0) {
    s.trainer.threads = options.threads;
  }
  const p = await prepare(s);
  const runDir = p.resume?.runDir ?? newRunDir;
  const loaders: DataLoader[] = [];
  let sink: Sink | undefined;
  try {
    if (!p.resume) await ensureFresh(runDir);
    await writeRun();
    // A resumed run keeps the artifacts it has: rewriting them could only risk damage.
    const stepModel = join(runDir, "artifacts", "train_step.onnx");
    if (!p.resume || !await Deno.stat(stepModel).then(() => true, () => false)) {
      await saveArtifacts(join(runDir, "artifacts"), p.artifacts);
    }
    const warn = (m: string) => {
      say(options.stream, m);
      void sink?.logText?.("WARNING", m);
    };
    const train = await DataLoader.create(p.data.train, {
      batchSize: s.trainer.batchSize,
      shuffle: s.data.shuffle,
      dropLast: s.trainer.dropLast,
      seed: s.seed,
      transforms: p.data.trainPipeline,
      workers: s.data.workers,
      maxBadFraction: p.data.maxBadFraction,
      onWarning: warn,
    });
    loaders.push(train);
    const test = await DataLoader.create(p.data.test, {
      batchSize: s.trainer.evalBatchSize,
      seed: s.seed,
      transforms: p.data.testPipeline,
      workers: s.data.workers,
      maxBadFraction: p.data.maxBadFraction,
      prefetchNextEpoch: false,
      onWarning: warn,
    });
    loaders.push(test);
    sink = await openSinks(s, runDir, job, p.resume, options, warn);
    const state = p.resume?.state ?? initialLoopState();
    await logStart(sink, s, p, runDir, train.batchesPerEpoch, options);
    // A fine-tuning run measures its parent on the same test split before the first step.
    let parent: ParentFigures | null = null;
    if (p.init) {
      parent = await evaluateParent(p.init.report.source, p.session, test, {
        numClasses: p.data.classes.length,
        inputDims: inputDims(p.artifacts),
        data: s.data.raw,
      });
    }
    const loop = new TrainLoop({
      session: p.session,
      train,
      test,
      numClasses: p.data.classes.length,
      inputDims: inputDims(p.artifacts),
      trainer: s.trainer,
      schedule: new LrSchedule(s.scheduler, s.lr, {
        epochs: s.trainer.trainingIters * s.trainer.epochsPerIteration,
        stepsPerEpoch: Math.max(1, train.batchesPerEpoch),
      }),
      logEveryNSteps: s.logEveryNSteps,
      sink,
      runDir,
      signal: options.signal,
      stream: options.stream,
      progressSeconds: options.progressSeconds,
    }, state);
    const outcome = await loop.run();
    // A session that saved none (a finished run resumed) points at the run's latest.
    outcome.lastCheckpoint ??= (await listCheckpoints(runDir)).at(-1)?.dir ?? null;
    const modelPath = join(runDir, "model.onnx");
    await writeBytesAtomic(modelPath, modelToBytes(p.session.inferenceModel()));
    const facts: RunFacts = {
      settings: s,
      runDir,
      artifacts: p.artifacts,
      classes: p.data.classes,
      sampleDims: p.data.sampleDims,
      trainSamples: p.data.train.length,
      testSamples: p.data.test.length,
      badSamples: train.badSamples.length + test.badSamples.length,
      init: p.init?.report ?? null,
      examples: p.data.examples,
      resumedFrom: p.resume?.dir ?? null,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    const results = buildResults(facts, outcome);
    if (parent) {
      const accuracy = (results.final as Record<string, unknown>).test_accuracy as number;
      results.parent = parentBlock(parent, accuracy);
      const line = parentLine(parent, accuracy);
      say(options.stream, line);
      await sink.logText?.("INFO", line);
    }
    await sink.logSummary(results);
    await sink.finish(outcome.status === "interrupted" ? "interrupted" : "finished");
    return { status: outcome.status, runDir, results, checkpoint: outcome.lastCheckpoint };
  } catch (err) {
    await sink?.logText?.("ERROR", (err as Error).message);
    await sink?.finish("failed").catch(() => {});
    throw err;
  } finally {
    for (const l of loaders) await l.close();
    await p.session.release();
  }
}
