/**
 * Training artifacts in ONNX Runtime's on-device-training layout, standard
 * ops only: `training_model.onnx` (loss, logits, `<param>_grad`, updated
 * BatchNorm statistics), `eval_model.onnx` (eval-mode loss and logits),
 * `optimizer_model.onnx`, the fused `train_step.onnx` (forward, backward and
 * update in one run: what the loop runs) and `inference_model.onnx` (the
 * eval forward with the weights as initializers).
 *
 * @module
 */
import { join } from "node:path";
import { appendLoss, buildGradients, type LossOptions } from "../autodiff/mod.ts";
import { GraphBuilder, isFloatDType, type Model, saveModel, type Tensor } from "../onnx/mod.ts";
import { toEvalMode } from "./eval_mode.ts";
import {
  appendOptimizerUpdate,
  buildOptimizerModel,
  checkOptimizerSpec,
  GRAD_NORM_OUTPUT,
  gradNormWantedInput,
  LR_INPUT,
  type OptimizerSpec,
  optimizerStateNames,
  STEP_INPUT,
  type UpdateEntry,
} from "./optimizer.ts";

/** Options of {@linkcode generateArtifacts}. */
export interface ArtifactOptions {
  /** The loss (default: cross-entropy). */
  loss?: Omit<LossOptions, "logits" | "labels" | "output">;
  optimizer: OptimizerSpec;
  /**
   * Parameters to train (default: every float initializer except BatchNorm
   * running statistics). The rest stay frozen as initializers.
   */
  trainable?: readonly string[];
  /** Data input of the forward model (default: its first input). */
  input?: string;
  /** Scores output of the forward model (default: its first output). */
  logits?: string;
}

/** A tensor slot the session feeds and updates. */
export interface SlotInfo {
  name: string;
  dims: number[];
}

/** The generated graphs and what they expect. */
export interface TrainingArtifacts {
  training: Model;
  eval: Model;
  optimizer: Model;
  trainStep: Model;
  /** The eval forward with the initial weights as initializers. */
  inference: Model;
  /** Trainable parameters, in input order. */
  params: SlotInfo[];
  /** Running statistics updated by training steps → their update output. */
  buffers: SlotInfo[];
  updates: Map<string, string>;
  /** Initial values of params, buffers and frozen weights. */
  initial: Map<string, Tensor>;
  optimizerSpec: OptimizerSpec;
  /** Optimizer state slots per parameter (same order as `params`). */
  states: string[][];
  input: string;
  labels: string;
  logits: string;
  loss: string;
}

/** Names of the BatchNormalization running statistics of a graph. */
function runningStats(model: Model): Set<string> {
  const out = new Set<string>();
  for (const n of model.graph.nodes) {
    if (n.opType === "BatchNormalization") {
      if (n.inputs[3]) out.add(n.inputs[3]);
      if (n.inputs[4]) out.add(n.inputs[4]);
    }
  }
  return out;
}

/**
 * The default trainable set: float initializers, without running statistics.
 *
 * @param model the forward model
 * @returns parameter names in initializer order
 */
export function defaultTrainable(model: Model): string[] {
  const stats = runningStats(model);
  return [...model.graph.initializers]
    .filter(([name, t]) => isFloatDType(t.dtype) && !stats.has(name) && t.dims.length > 0)
    .map(([name]) => name);
}

/**
 * Generates every training artifact from a forward model in training mode.
 *
 * @param forward forward model (zoo training variant or a PyTorch training export)
 * @param options loss, optimizer, trainable subset
 * @returns the graphs and their slot layout
 * @throws {RangeError} for a trainable name that is not a float initializer
 * @throws {TypeError} for an op without a gradient rule (from autodiff)
 */
export function generateArtifacts(forward: Model, options: ArtifactOptions): TrainingArtifacts {
  const spec = checkOptimizerSpec(options.optimizer);
  const input = options.input ??
    forward.graph.inputs.find((i) => !forward.graph.isInitializer(i.name))?.name;
  const logits = options.logits ?? forward.graph.outputs[0]?.name;
  if (!input || !logits) {
    throw new RangeError("Cannot train a model without an input and an output");
  }
  const trainable = [...(options.trainable ?? defaultTrainable(forward))];
  for (const p of trainable) {
    const t = forward.graph.initializers.get(p);
    if (!t || !isFloatDType(t.dtype)) {
      throw new RangeError(`Cannot train "${p}": not a float initializer of the model`);
    }
  }
  const initial = new Map(forward.graph.initializers);
  const lossSpec = { kind: "cross_entropy" as const, ...options.loss };
  const withLoss = appendLoss(forward, { ...lossSpec, logits });
  const grads = buildGradients(withLoss.model, {
    loss: withLoss.loss,
    wrt: trainable,
    retainOutputs: [logits],
  });
  const params = trainable.map((name) => ({ name, dims: [...initial.get(name)!.dims] }));
  const buffers = [...grads.updates.keys()].map((name) => ({
    name,
    dims: [...initial.get(name)!.dims],
  }));
  const states = params.map((p) => optimizerStateNames(spec, p.name));
  const evalModel = buildEvalModel(forward, lossSpec, logits, trainable, [...grads.updates.keys()]);
  return {
    training: grads.model,
    eval: evalModel,
    optimizer: buildOptimizerModel(spec, params),
    trainStep: fuseTrainStep(grads.model, spec, params, states, grads.gradients),
    inference: toEvalMode(forward).model,
    params,
    buffers,
    updates: grads.updates,
    initial,
    optimizerSpec: spec,
    states,
    input,
    labels: withLoss.labels,
    logits,
    loss: withLoss.loss,
  };
}

/** Eval-mode forward with the loss; trainable params and running stats become inputs. */
function buildEvalModel(
  forward: Model,
  loss: LossOptions,
  logits: string,
  params: string[],
  stats: string[],
): Model {
  const evalForward = toEvalMode(forward).model;
  const withLoss = appendLoss(evalForward, { ...loss, logits });
  const graph = withLoss.model.graph;
  for (const name of [...params, ...stats]) {
    const t = graph.initializers.get(name);
    if (!t) continue;
    graph.initializers.delete(name);
    graph.inputs.push({ name, dtype: t.dtype, dims: [...t.dims] });
  }
  graph.outputs = [
    ...graph.outputs.filter((o) => o.name === withLoss.loss),
    ...graph.outputs.filter((o) => o.name === logits),
  ];
  return withLoss.model;
}

/** The training model plus the optimizer update, in one graph. */
function fuseTrainStep(
  training: Model,
  spec: OptimizerSpec,
  params: SlotInfo[],
  states: string[][],
  gradients: Map<string, string>,
): Model {
  const model = training.clone();
  const g = GraphBuilder.on(model);
  const lr = g.input(LR_INPUT, { dtype: "float32", dims: [] });
  const step = g.input(STEP_INPUT, { dtype: "float32", dims: [] });
  const want = gradNormWantedInput(g, spec);
  const entries: UpdateEntry[] = params.map((p, i) => ({
    param: g.value(p.name),
    grad: g.value(gradients.get(p.name)!),
    states: states[i]!.map((s) => g.input(s, { dtype: "float32", dims: p.dims })),
  }));
  const gradOutputs = new Set(gradients.values());
  model.graph.outputs = model.graph.outputs.filter((o) => !gradOutputs.has(o.name));
  const out = appendOptimizerUpdate(g, spec, entries, lr, step, want);
  g.output(out.gradNorm, GRAD_NORM_OUTPUT);
  params.forEach((p, i) => {
    g.output(out.params[i]!, `${p.name}.updated`);
    states[i]!.forEach((s, j) => g.output(out.states[i]![j]!, `${s}.updated`));
  });
  model.graph.removeUnused();
  return g.build();
}

/**
 * Writes the artifacts into `<dir>` as `training_model.onnx`,
 * `eval_model.onnx`, `optimizer_model.onnx`, `train_step.onnx` and
 * `inference_model.onnx`.
 *
 * @param dir destination folder (created)
 * @param artifacts the graphs
 */
export async function saveArtifacts(dir: string, artifacts: TrainingArtifacts): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await saveModel(artifacts.training, join(dir, "training_model.onnx"));
  await saveModel(artifacts.eval, join(dir, "eval_model.onnx"));
  await saveModel(artifacts.optimizer, join(dir, "optimizer_model.onnx"));
  await saveModel(artifacts.trainStep, join(dir, "train_step.onnx"));
  await saveModel(artifacts.inference, join(dir, "inference_model.onnx"));
}

/**
 * The inference model with the given weights as initializers.
 *
 * @param artifacts the artifacts (for the eval forward)
 * @param weights current values by initializer name
 * @returns a new model ready to archive
 */
export function exportInferenceModel(
  artifacts: TrainingArtifacts,
  weights: Map<string, Tensor>,
): Model {
  const model = artifacts.inference.clone();
  for (const [name, t] of weights) {
    if (model.graph.initializers.has(name)) model.graph.initializers.set(name, t);
  }
  return model;
}
