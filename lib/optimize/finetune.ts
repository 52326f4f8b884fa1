/**
 * A short fine-tune of a pruned (or otherwise changed) float model with the
 * training area's TrainSession, to win back accuracy. Weights that were zero
 * before (unstructured pruning's mask) are kept at zero after every step.
 *
 * @module
 */
import type { Model, Tensor } from "../onnx/mod.ts";
import {
  generateArtifacts,
  type OptimizerSpec,
  type TrainBatch,
  TrainSession,
} from "../train/mod.ts";

/** Options of {@linkcode finetune}. */
export interface FinetuneOptions {
  /** Optimizer steps (batches). */
  steps: number;
  /** Learning rate (default 1e-4: a small step away from trained weights). */
  lr?: number;
  /** Optimizer (default Adam). */
  optimizer?: OptimizerSpec;
  /** Keep weights that are exactly zero at zero (default true). */
  keepZeros?: boolean;
  /** Intra-op threads of the training session. */
  threads?: number;
}

/** What {@linkcode finetune} returns. */
export interface FinetuneResult {
  model: Model;
  /** Loss of each step (before its update). */
  losses: number[];
}

/**
 * Trains `model` for a few steps on the given batches (cycled if fewer).
 *
 * @param model A float inference model (input first, logits first output).
 * @param batches Training batches: `x` float32 `[B, …]`, `y` int64 `[B]`.
 * @param options Steps, learning rate, optimizer.
 * @returns The fine-tuned model and the losses.
 * @throws {RangeError} For steps < 1 or no batches.
 * @throws {TypeError} For an op the training graphs cannot differentiate.
 */
export async function finetune(
  model: Model,
  batches: AsyncIterable<TrainBatch> | Iterable<TrainBatch>,
  options: FinetuneOptions,
): Promise<FinetuneResult> {
  const { steps, lr = 1e-4, optimizer = { name: "adam" }, keepZeros = true } = options;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`Invalid fine-tune steps ${steps}: expected a positive integer`);
  }
  const artifacts = generateArtifacts(model, { optimizer });
  const masks = keepZeros ? zeroMasks(model, artifacts.params.map((p) => p.name)) : new Map();
  const session = await TrainSession.create(artifacts, { threads: options.threads });
  const losses: number[] = [];
  try {
    const seen: TrainBatch[] = [];
    for await (const batch of batches) {
      seen.push(batch);
      await stepOnce(session, batch, lr, masks, losses);
      if (losses.length >= steps) break;
    }
    if (seen.length === 0) throw new RangeError("Cannot fine-tune: no training batches");
    for (let i = 0; losses.length < steps; i++) {
      await stepOnce(session, seen[i % seen.length]!, lr, masks, losses);
    }
    return { model: session.inferenceModel(), losses };
  } finally {
    await session.release();
  }
}

async function stepOnce(
  session: TrainSession,
  batch: TrainBatch,
  lr: number,
  masks: Map<string, Uint32Array>,
  losses: number[],
): Promise<void> {
  const r = await session.trainStep(batch, { lr });
  losses.push(r.loss);
  if (masks.size === 0) return;
  const weights = session.weights();
  const fixed = new Map<string, Tensor>();
  for (const [name, zeros] of masks) {
    const t = weights.get(name)!;
    const data = t.data as Float32Array;
    for (const i of zeros) data[i] = 0;
    fixed.set(name, t);
  }
  session.setWeights(fixed);
}

/** Indices of exact zeros in trainable weights that have some. */
function zeroMasks(model: Model, params: string[]): Map<string, Uint32Array> {
  const out = new Map<string, Uint32Array>();
  for (const name of params) {
    const t = model.graph.initializers.get(name);
    if (!t || t.dtype !== "float32" || t.dims.length < 2) continue;
    const idx: number[] = [];
    (t.data as Float32Array).forEach((v, i) => v === 0 && idx.push(i));
    if (idx.length > 0) out.set(name, Uint32Array.from(idx));
  }
  return out;
}
