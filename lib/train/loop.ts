/**
 * The training loop: `training_iters` iterations of `epochs_per_iteration`
 * epochs, an evaluation on the test split after each, best values and early
 * stopping, checkpoints every `checkpoint_freq` iterations (plus the best and
 * the last), a progress bar and one summary line per iteration. An abort
 * (Ctrl-C) saves a checkpoint at the batch reached and returns.
 *
 * @module
 */
import type { Batch, DataLoader } from "../data/mod.ts";
import { modelToBytes } from "../onnx/mod.ts";
import {
  BestTracker,
  formatIterationSummary,
  ProgressBar,
  type ProgressStream,
  type Sink,
} from "../track/mod.ts";
import { listCheckpoints, saveCheckpoint } from "./checkpoint.ts";
import { EarlyStopping } from "./early_stopping.ts";
import { batchFeeds, evaluateSession } from "./evaluate.ts";
import { checkpointState, type LoopState } from "./loop_state.ts";
import type { LrSchedule } from "./schedulers.ts";
import type { TrainSession } from "./session.ts";
import type { TrainerSettings } from "./settings.ts";

/** What the loop runs on. */
export interface LoopContext {
  session: TrainSession;
  train: DataLoader;
  test: DataLoader;
  numClasses: number;
  /** The model's input dims after the batch dim (a flat model gets [B, C·H·W] batches). */
  inputDims?: readonly number[];
  trainer: TrainerSettings;
  schedule: LrSchedule;
  /** Steps between train records in metrics.jsonl. */
  logEveryNSteps: number;
  sink: Sink;
  runDir: string;
  /** Aborting saves a checkpoint and ends the loop (Ctrl-C). */
  signal?: AbortSignal;
  /** Progress bar and summary lines (default stderr). */
  stream?: ProgressStream;
  /** Seconds between progress lines when the stream is not a terminal (default 10). */
  progressSeconds?: number;
}

/** How the loop ended. */
export interface LoopOutcome {
  status: "finished" | "early_stopped" | "interrupted";
  state: LoopState;
  /** Full metrics of the last evaluation (with per-class lists and the confusion matrix). */
  lastEval: Record<string, unknown> | null;
  /** Checkpoint folders: the latest and the best. */
  lastCheckpoint: string | null;
  bestCheckpoint: string | null;
}

/** Scalar metrics of an evaluation, as best values and early stopping see them. */
const SCALARS = ["loss", "accuracy", "f1_macro", "f1_micro", "f1_weighted"] as const;

/** Runs the loop from `state` (a fresh or a restored one) to its end. */
export class TrainLoop {
  readonly #c: LoopContext;
  readonly #s: LoopState;
  readonly #best: BestTracker;
  readonly #stop: EarlyStopping;
  #lastEval: Record<string, unknown> | null = null;
  #lastCheckpoint: string | null = null;
  #encoder = new TextEncoder();

  /**
   * @param context session, loaders, settings, sink
   * @param state where to start (mutated as the loop runs)
   */
  constructor(context: LoopContext, state: LoopState) {
    this.#c = context;
    this.#s = state;
    this.#best = new BestTracker({ state: state.best });
    const t = context.trainer;
    this.#stop = new EarlyStopping(
      { monitor: t.monitor, patience: t.earlyStoppingPatience, minDelta: t.minDelta },
      state.earlyStopping,
    );
  }

  /** Trains until the last iteration, early stopping or an abort. */
  async run(): Promise<LoopOutcome> {
    const { trainer } = this.#c;
    const s = this.#s;
    let status: LoopOutcome["status"] = s.earlyStopping.stopped ? "early_stopped" : "finished";
    while (status === "finished" && s.iteration < trainer.trainingIters) {
      const started = performance.now();
      const end = (s.iteration + 1) * trainer.epochsPerIteration;
      while (s.epoch < end) {
        if (!await this.#trainEpoch()) {
          await this.#checkpoint(s.iteration + 1);
          return this.#outcome("interrupted");
        }
        s.epoch++;
        s.batch = 0;
      }
      const stop = await this.#endIteration(started);
      if (stop) status = "early_stopped";
      if (this.#c.signal?.aborted && s.iteration < trainer.trainingIters && !stop) {
        return this.#outcome("interrupted");
      }
    }
    // A run resumed after its last iteration: its figures, without logging them again.
    if (this.#lastEval === null && s.iteration > 0) this.#lastEval = await this.evaluate();
    return this.#outcome(status);
  }

  #outcome(status: LoopOutcome["status"]): LoopOutcome {
    const s = this.#s;
    const best = s.bestCheckpoint === null
      ? null
      : `${this.#c.runDir}/checkpoints/checkpoint_${String(s.bestCheckpoint).padStart(6, "0")}`;
    return {
      status,
      state: s,
      lastEval: this.#lastEval,
      lastCheckpoint: this.#lastCheckpoint,
      bestCheckpoint: best,
    };
  }

  /** Trains the rest of the current epoch; false when aborted. */
  async #trainEpoch(): Promise<boolean> {
    const { train, trainer, signal } = this.#c;
    const s = this.#s;
    const epochs = trainer.trainingIters * trainer.epochsPerIteration;
    const perEpoch = trainer.dropLast
      ? train.batchesPerEpoch * trainer.batchSize
      : train.dataset.length;
    const bar = new ProgressBar({
      total: Math.max(0, perEpoch - s.batch * trainer.batchSize),
      label: `epoch ${s.epoch + 1}/${epochs}`,
      unit: "samples",
      stream: this.#c.stream,
      interval: this.#c.progressSeconds,
    });
    const started = performance.now();
    try {
      for await (const batch of train.epoch(s.epoch, { fromBatch: s.batch })) {
        const loss = await this.#step(batch);
        bar.update(batch.y.length, { loss, lr: s.lr });
        if (signal?.aborted) return false;
      }
    } finally {
      s.seconds.train += (performance.now() - started) / 1000;
    }
    bar.finish();
    return true;
  }

  async #step(batch: Batch): Promise<number> {
    const { session, schedule, logEveryNSteps } = this.#c;
    const s = this.#s;
    const n = batch.y.length;
    s.lr = schedule.at(s.epoch, batch.index);
    const feeds = batchFeeds(batch, this.#c.inputDims);
    const t = performance.now();
    // the gradient norm costs a pass over every gradient: only the logged step's
    const logging = (s.step + 1) % logEveryNSteps === 0;
    const r = await session.trainStep(feeds, { lr: s.lr, gradNorm: logging });
    s.seconds.step += (performance.now() - t) / 1000;
    if (!Number.isFinite(r.loss)) {
      throw new RangeError(
        `Training diverged at step ${
          s.step + 1
        }: the loss is ${r.loss} (lower optimizer.lr or set trainer.grad_clip)`,
      );
    }
    s.step++;
    s.batch = batch.index + 1;
    s.samples += n;
    s.window.loss += r.loss;
    if (logging) s.window.gradNorm = r.gradNorm;
    s.window.steps++;
    s.iterationLoss.sum += r.loss * n;
    s.iterationLoss.samples += n;
    if (s.step % logEveryNSteps === 0) await this.#logWindow();
    return r.loss;
  }

  async #logWindow(): Promise<void> {
    const s = this.#s;
    const w = s.window;
    await this.#c.sink.logMetrics({
      step: s.step,
      epoch: s.epoch,
      iteration: s.iteration,
      split: "train",
      time: Date.now() / 1000,
      loss: w.loss / w.steps,
      grad_norm: w.gradNorm,
      lr: s.lr,
    });
    s.window = { loss: 0, gradNorm: 0, steps: 0 };
  }

  /** Evaluates, logs, updates best values; checkpoints; true when early stopping fires. */
  async #endIteration(iterationStart: number): Promise<boolean> {
    const { trainer, sink } = this.#c;
    const s = this.#s;
    const started = performance.now();
    const metrics = await this.evaluate();
    s.seconds.eval += (performance.now() - started) / 1000;
    const trainLoss = s.iterationLoss.samples > 0
      ? s.iterationLoss.sum / s.iterationLoss.samples
      : NaN;
    s.iterationLoss = { sum: 0, samples: 0 };
    const iteration = s.iteration;
    s.iteration++;
    const scalars: Record<string, number> = { train_loss: trainLoss };
    for (const k of SCALARS) scalars[`test_${k}`] = metrics[k] as number;
    const improved = this.#best.update(scalars, s.iteration);
    s.best = this.#best.toJSON();
    s.lastEval = scalars;
    this.#lastEval = metrics;
    const monitored = scalars[trainer.monitor];
    if (monitored === undefined) {
      throw new RangeError(
        `Invalid trainer.monitor "${trainer.monitor}": expected one of ${
          Object.keys(scalars).join(", ")
        }`,
      );
    }
    const stop = this.#stop.update(monitored);
    s.earlyStopping = this.#stop.toJSON();
    await sink.logMetrics({
      step: s.step,
      epoch: s.epoch - 1,
      iteration,
      split: "test",
      time: Date.now() / 1000,
      ...metrics,
      train_loss: trainLoss,
    });
    const line = formatIterationSummary({
      iteration: s.iteration,
      iterations: trainer.trainingIters,
      lr: s.lr,
      trainLoss,
      metrics: {
        test_loss: scalars.test_loss,
        test_accuracy: scalars.test_accuracy,
        test_f1_macro: scalars.test_f1_macro,
      },
      seconds: (performance.now() - iterationStart) / 1000,
    });
    this.#say(line);
    await sink.logText?.("INFO", line);
    const best = improved.includes(trainer.monitor);
    if (best) s.bestCheckpoint = s.iteration;
    const last = s.iteration === trainer.trainingIters || stop;
    const due = trainer.checkpointFreq > 0 && s.iteration % trainer.checkpointFreq === 0;
    if (due || last || best || this.#c.signal?.aborted) await this.#checkpoint(s.iteration);
    if (stop) {
      const msg =
        `Early stopping: ${trainer.monitor} did not improve for ${this.#stop.wait} iterations`;
      this.#say(msg);
      await sink.logText?.("INFO", msg);
    }
    return stop;
  }

  /** Loss and classification metrics on the test split with the current weights. */
  evaluate(): Promise<Record<string, unknown>> {
    const { session, test, numClasses, inputDims } = this.#c;
    return evaluateSession(session, test, { numClasses, inputDims });
  }

  /** Saves checkpoint `index` with the inference model, then drops superseded ones. */
  async #checkpoint(index: number): Promise<void> {
    const { session, runDir, trainer } = this.#c;
    const s = this.#s;
    const ckpt = session.checkpoint(checkpointState(s));
    const files = { "inference_model.onnx": modelToBytes(session.inferenceModel()) };
    this.#lastCheckpoint = await saveCheckpoint(runDir, index, ckpt, { files });
    await this.#c.sink.logText?.("INFO", `Saved checkpoint ${this.#lastCheckpoint}`);
    const freq = trainer.checkpointFreq;
    for (const c of await listCheckpoints(runDir)) {
      const keep = (freq > 0 && c.index % freq === 0) || c.index === s.bestCheckpoint ||
        c.index >= index;
      if (!keep) await Deno.remove(c.dir, { recursive: true });
    }
  }

  #say(line: string): void {
    const stream = this.#c.stream ?? Deno.stderr;
    const bytes = this.#encoder.encode(`${line}\n`);
    let off = 0;
    while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
  }
}
