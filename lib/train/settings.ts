/**
 * The experiment config (conf/config.yaml and its groups) read into typed
 * settings, each key checked once with one clear message
 * (`Invalid trainer.batch_size "abc": expected a positive integer`).
 *
 * @module
 */
import type { LossKind } from "../autodiff/mod.ts";
import { checkOptimizerSpec, OPTIMIZERS, type OptimizerSpec } from "./optimizer.ts";
import { checkSchedulerSpec, SCHEDULERS, type SchedulerSpec } from "./schedulers.ts";
import { type Plain, Reader } from "./_read.ts";

/** Losses the loop trains with (classification losses over integer labels). */
export const TRAIN_LOSSES: readonly LossKind[] = ["cross_entropy", "taylor_cross_entropy"];

/** The `data:` block. */
export interface DataSettings {
  /** `mnist`, `image_folder`, or `examples` (one of those plus relabelled examples). */
  name: string;
  /** The raw block, read by the data set it names. */
  raw: Plain;
  testSize: number;
  splitSeed: number;
  shuffle: boolean;
  workers: number;
  /** Training transforms before normalize. */
  trainTransforms: unknown[];
  /** Test transforms before normalize (null: the training list's deterministic steps). */
  testTransforms: unknown[] | null;
  normalize: { mean: number[]; std: number[] } | null;
}

/** The `trainer:` block. */
export interface TrainerSettings {
  trainingIters: number;
  epochsPerIteration: number;
  batchSize: number;
  evalBatchSize: number;
  dropLast: boolean;
  checkpointFreq: number;
  monitor: string;
  earlyStoppingPatience: number | null;
  minDelta: number;
  gradClip: number | null;
  resume: string | null;
  initFrom: string | null;
  device: "cpu" | "cuda";
  threads: number;
}

/** Every setting the loop needs. */
export interface ExperimentSettings {
  seed: number;
  experimentName: string;
  runName: string;
  /** The `model:` block as written (a zoo spec; `path` loads an ONNX file instead). */
  model: Plain;
  /** `model.path`: a training-mode ONNX file to train instead of the zoo model. */
  modelPath: string | null;
  data: DataSettings;
  optimizer: OptimizerSpec;
  lr: number;
  scheduler: SchedulerSpec;
  loss: { kind: LossKind; labelSmoothing: number; order: number };
  trainer: TrainerSettings;
  wandb: { project: string; group: string | null; name: string | null; entity: string | null };
  logEveryNSteps: number;
}

function readOptimizer(r: Reader, gradClip: number | null): OptimizerSpec {
  const name = r.oneOf("name", OPTIMIZERS);
  const spec: OptimizerSpec = {
    name,
    weightDecay: r.number("weight_decay", { min: 0, fallback: 0 }),
    maxGradNorm: gradClip ?? 0,
  };
  if (name === "sgd") {
    spec.momentum = r.number("momentum", { min: 0, fallback: 0 });
    spec.nesterov = r.bool("nesterov", false);
    spec.dampening = r.number("dampening", { min: 0, fallback: 0 });
  } else {
    spec.betas = r.numbers("betas", 2, [0.9, 0.999]) as [number, number];
    spec.eps = r.number("eps", { min: 0, fallback: 1e-8 });
  }
  try {
    checkOptimizerSpec(spec);
  } catch (err) {
    throw new RangeError(`Invalid optimizer: ${(err as Error).message}`, { cause: err });
  }
  return spec;
}

function readScheduler(r: Reader): SchedulerSpec {
  if (Object.keys(r.obj).length === 0) return { name: "constant" };
  const spec: SchedulerSpec = {
    name: r.oneOf("name", SCHEDULERS),
    interval: r.oneOf("interval", ["epoch", "step"] as const, "epoch"),
  };
  if (r.has("step_size")) spec.stepSize = r.number("step_size", { min: 0 });
  if (r.has("gamma")) spec.gamma = r.number("gamma", { min: 0 });
  if (r.has("min_lr")) spec.minLr = r.number("min_lr", { min: 0 });
  if (r.has("warmup_epochs")) spec.warmupEpochs = r.number("warmup_epochs", { min: 0 });
  if (r.has("warmup_start_factor")) {
    spec.warmupStartFactor = r.number("warmup_start_factor", { min: 0, max: 1 });
  }
  checkSchedulerSpec(spec);
  return spec;
}

function readData(r: Reader): DataSettings {
  const transforms = r.section("transforms");
  const test = transforms.has("test") ? transforms.list("test") : null;
  let normalize: DataSettings["normalize"] = null;
  if (r.has("normalize")) {
    const n = r.section("normalize");
    normalize = { mean: n.numbers("mean"), std: n.numbers("std") };
    if (normalize.mean.length !== normalize.std.length) {
      n.fail("std", `${normalize.mean.length} numbers, as many as data.normalize.mean`);
    }
  }
  return {
    name: r.oneOf("name", ["mnist", "image_folder", "examples"] as const),
    raw: r.obj,
    testSize: r.number("test_size", { min: 0, max: 1, fallback: 0.2 }),
    splitSeed: r.int("split_seed", { fallback: 1234 }),
    shuffle: r.bool("shuffle", true),
    workers: r.int("workers", { fallback: 1 }),
    trainTransforms: transforms.list("train"),
    testTransforms: test,
    normalize,
  };
}

function readTrainer(r: Reader): TrainerSettings {
  const threads = r.int("threads", { fallback: 0 });
  return {
    trainingIters: r.int("training_iters", { min: 1 }),
    epochsPerIteration: r.int("epochs_per_iteration", { min: 1 }),
    batchSize: r.int("batch_size", { min: 1 }),
    evalBatchSize: r.int("eval_batch_size", { min: 1, fallback: 256 }),
    dropLast: r.bool("drop_last", false),
    checkpointFreq: r.int("checkpoint_freq", { fallback: 1 }),
    monitor: r.string("monitor", "test_loss"),
    earlyStoppingPatience: r.optionalInt("early_stopping_patience"),
    minDelta: r.number("min_delta", { min: 0, fallback: 0 }),
    gradClip: r.optionalNumber("grad_clip", 0),
    resume: r.optionalString("resume"),
    initFrom: r.optionalString("init_from"),
    device: r.oneOf("device", ["cpu", "cuda"] as const, "cpu"),
    threads: threads === 0 ? navigator.hardwareConcurrency : threads,
  };
}

/**
 * Reads the settings of a composed job config (plain, interpolations resolved).
 *
 * @param job the job config, e.g. `config.job().toObject()`
 * @returns typed settings with defaults filled in
 * @throws {TypeError} naming the key whose value has the wrong type
 * @throws {RangeError} naming the key whose value is out of range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSettings } from "./settings.ts";
 * const job = {
 *   seed: 1, model: { name: "mlp" }, data: { name: "mnist" }, optimizer: { name: "sgd", lr: 0.1 },
 *   trainer: { training_iters: 1, epochs_per_iteration: 1, batch_size: 32 },
 * };
 * assert.equal(readSettings(job).trainer.batchSize, 32);
 * assert.throws(() => readSettings({ ...job, trainer: { ...job.trainer, batch_size: "abc" } }),
 *   /Invalid trainer.batch_size "abc": expected a positive integer/);
 * ```
 */
export function readSettings(job: Plain): ExperimentSettings {
  const root = new Reader(job, "");
  const trainer = readTrainer(root.section("trainer", true));
  const model = root.section("model", true);
  const opt = root.section("optimizer", true);
  const loss = root.section("loss");
  const tracking = root.section("tracking");
  const wandb = tracking.section("wandb");
  const modelPath = model.optionalString("path");
  if (!modelPath) model.string("name");
  return {
    seed: root.int("seed", { fallback: 0 }),
    experimentName: root.string("experiment_name", "default"),
    runName: root.string("run_name", "run"),
    model: model.obj,
    modelPath,
    data: readData(root.section("data", true)),
    optimizer: readOptimizer(opt, trainer.gradClip),
    lr: opt.number("lr", { min: 0 }),
    scheduler: readScheduler(root.section("scheduler")),
    loss: {
      kind: loss.oneOf("kind", TRAIN_LOSSES, "cross_entropy"),
      labelSmoothing: loss.number("label_smoothing", { min: 0, max: 1, fallback: 0 }),
      order: loss.int("taylor_order", { min: 2, fallback: 2 }),
    },
    trainer,
    wandb: {
      project: wandb.string("project", "lifecycle"),
      group: wandb.optionalString("group"),
      name: wandb.optionalString("name"),
      entity: wandb.optionalString("entity"),
    },
    logEveryNSteps: tracking.int("log_every_n_steps", { min: 1, fallback: 50 }),
  };
}
