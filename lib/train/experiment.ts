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
import { cudaAvailable, type Dim, modelToBytes, type Tensor } from "../onnx/mod.ts";
import { fanOut, LocalSink, type ProgressStream, readMetricsLog, type Sink } from "../track/mod.ts";
import { generateArtifacts, saveArtifacts, type TrainingArtifacts } from "./artifacts.ts";
import { loadExperimentData } from "./experiment_data.ts";
import { buildForward, type InitReport, initWeights } from "./experiment_model.ts";
import { TrainLoop } from "./loop.ts";
import { initialLoopState } from "./loop_state.ts";
import { findResumePoint, type ResumePoint } from "./resume.ts";
import { LrSchedule } from "./schedulers.ts";
import { TrainSession } from "./session.ts";
import { type ExperimentSettings, readSettings } from "./settings.ts";
import { openWandb } from "./_wandb.ts";
import { buildResults, type RunFacts } from "./_results.ts";
import { type Plain, show } from "./_read.ts";

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

function say(stream: ProgressStream | undefined, line: string): void {
  const bytes = new TextEncoder().encode(`${line}\n`);
  const out = stream ?? Deno.stderr;
  let off = 0;
  while (off < bytes.length) off += out.writeSync(bytes.subarray(off));
}

/** Everything that reads input and can fail, before any file is written. */
async function prepare(s: ExperimentSettings) {
  const resume = s.trainer.resume ? await findResumePoint(s.trainer.resume) : null;
  const data = await loadExperimentData(s.data);
  const forward = await buildForward(s);
  checkModelFitsData(s, forward.graph.inputs[0]?.dims, forward.graph.outputs[0]?.dims, data);
  const artifacts = generateArtifacts(forward, {
    optimizer: s.optimizer,
    loss: {
      kind: s.loss.kind,
      labelSmoothing: s.loss.labelSmoothing,
      ...(s.loss.kind === "taylor_cross_entropy" ? { order: s.loss.order } : {}),
    },
  });
  let init: { weights: Map<string, Tensor>; report: InitReport } | null = null;
  if (s.trainer.initFrom && !resume) {
    init = await initWeights(s.trainer.initFrom, artifacts.initial);
  }
  if (s.trainer.device === "cuda" && !cudaAvailable()) {
    throw new RangeError(
      `Invalid trainer.device "cuda": ONNX Runtime's CUDA provider is not installed (valid here: cpu)`,
    );
  }
  const session = await TrainSession.create(artifacts, {
    threads: s.trainer.threads,
    weights: init?.weights,
    session: { executionProviders: s.trainer.device === "cuda" ? ["cuda", "cpu"] : ["cpu"] },
  });
  try {
    if (resume) session.restore(resume.checkpoint, resume.dir);
  } catch (err) {
    await session.release();
    throw err;
  }
  return { resume, data, artifacts, init, session };
}

function checkModelFitsData(
  s: ExperimentSettings,
  input: readonly Dim[] | undefined,
  output: readonly Dim[] | undefined,
  data: Awaited<ReturnType<typeof loadExperimentData>>,
): void {
  const name = s.modelPath ?? String(s.model.name);
  const want = input?.slice(1);
  if (data.sampleDims && want && want.every((d) => typeof d === "number")) {
    const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
    // A flat input (the mlp) takes the sample's pixels in CHW order.
    const flat = want.length === 1 && want[0] === numel(data.sampleDims);
    if (!flat && want.join("x") !== data.sampleDims.join("x")) {
      throw new RangeError(
        `Cannot train "${name}" on "${s.data.name}": samples are ${
          data.sampleDims.join("x")
        } after the transforms, the model takes ${want.join("x")} ` +
          `(set model.input_shape or the data's image_shape/transforms)`,
      );
    }
  }
  const classes = output?.[1];
  if (typeof classes === "number" && classes !== data.classes.length) {
    throw new RangeError(
      `Cannot train "${name}" on "${s.data.name}": the model has ${classes} outputs, ` +
        `the data has ${data.classes.length} classes (set model.num_classes=${data.classes.length})`,
    );
  }
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
      resumedFrom: p.resume?.dir ?? null,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    const results = buildResults(facts, outcome);
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

/** A new run must not write over another run's files. */
async function ensureFresh(runDir: string): Promise<void> {
  const log = await readMetricsLog(join(runDir, "metrics.jsonl"));
  if (log.records.length > 0 || log.torn) {
    throw new Error(
      `Cannot start a run in "${runDir}": it already holds one (resume it with trainer.resume=${runDir})`,
    );
  }
}

async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

async function openSinks(
  s: ExperimentSettings,
  runDir: string,
  job: Plain,
  resume: ResumePoint | null,
  options: ExperimentOptions,
  warn: (m: string) => void,
): Promise<Sink> {
  const step = resume?.checkpoint.state.step;
  const local = await LocalSink.open(
    runDir,
    step === undefined ? {} : {
      keep: (r) => r.step <= step,
    },
  );
  if (!resume) await local.logConfig(job);
  const wandb = await openWandb(s, runDir, job, options.env ?? ((k) => Deno.env.get(k)), warn);
  if (!wandb) return local;
  return fanOut([local, wandb], {
    onError: (err) => warn(`W&B: ${(err as Error).message}`),
  });
}

async function logStart(
  sink: Sink,
  s: ExperimentSettings,
  p: Awaited<ReturnType<typeof prepare>>,
  runDir: string,
  stepsPerEpoch: number,
  options: ExperimentOptions,
): Promise<void> {
  const lines = [
    p.resume
      ? `Resuming ${runDir} from ${p.resume.dir} (step ${p.resume.checkpoint.state.step})`
      : `Run directory: ${runDir}`,
    `Model ${s.modelPath ?? show(s.model.name)}: ${
      paramCount(p.artifacts)
    } trainable parameters; ` +
    `data ${show(s.data.name)}: ${p.data.train.length} train, ${p.data.test.length} test, ` +
    `${p.data.classes.length} classes; ${stepsPerEpoch} steps per epoch`,
  ];
  if (p.init) {
    const r = p.init.report;
    lines.push(
      `Initialized ${r.matched.length} weights from ${r.source}` +
        (r.mismatched.length
          ? ` (kept ${r.mismatched.length} of other dims: ${r.mismatched.join(", ")})`
          : ""),
    );
  }
  for (const line of lines) {
    say(options.stream, line);
    await sink.logText?.("INFO", line);
  }
}

/** The model's input dims after the batch dim, when they are all fixed. */
function inputDims(a: TrainingArtifacts): number[] | undefined {
  const dims = a.eval.graph.inputs.find((i) => i.name === a.input)?.dims?.slice(1);
  return dims?.every((d) => typeof d === "number") ? dims as number[] : undefined;
}

function paramCount(a: TrainingArtifacts): number {
  return a.params.reduce((n, p) => n + p.dims.reduce((x, y) => x * y, 1), 0);
}
