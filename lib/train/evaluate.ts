/**
 * Evaluation of a training session on a data split: mean loss and the
 * classification figures of lib/track (accuracy, F1 macro/micro/weighted,
 * per-class precision/recall, confusion matrix).
 *
 * @module
 */
import type { Batch, DataLoader } from "../data/mod.ts";
import { tensor } from "../onnx/mod.ts";
import { argmaxRows, classificationMetrics } from "../track/mod.ts";
import type { TrainBatch, TrainSession } from "./session.ts";

/**
 * A loader batch as session feeds: a flat model (`inputDims` of one dim) gets `[B, C·H·W]`.
 *
 * @param batch the loader's batch
 * @param inputDims the model's input dims after the batch dim, when fixed
 * @returns inputs and int64 labels
 */
export function batchFeeds(batch: Batch, inputDims?: readonly number[]): TrainBatch {
  const b = batch.dims[0];
  const dims = inputDims && inputDims.length !== 3 ? [b, ...inputDims] : [...batch.dims];
  return { x: tensor("float32", dims, batch.x), y: tensor("int64", [b], batch.y) };
}

/**
 * Loss and classification metrics of a split with the session's current weights
 * (eval mode: no Dropout, BatchNorm on running statistics).
 *
 * @param session the training session
 * @param loader the split's loader (epoch 0 is read, in order)
 * @param options class count, the model's input dims
 * @returns `loss` (sample-weighted mean), `samples` and the figures of `classificationMetrics`
 */
export async function evaluateSession(
  session: TrainSession,
  loader: DataLoader,
  options: { numClasses: number; inputDims?: readonly number[] },
): Promise<Record<string, unknown>> {
  const { numClasses } = options;
  const n = loader.dataset.length;
  const predictions = new Int32Array(n);
  const labels = new Int32Array(n);
  let lossSum = 0;
  let seen = 0;
  for await (const batch of loader.epoch(0)) {
    const b = batch.y.length;
    const out = await session.evaluate(batchFeeds(batch, options.inputDims));
    lossSum += out.loss * b;
    predictions.set(argmaxRows(out.logits.data as Float32Array, numClasses), seen);
    for (let k = 0; k < b; k++) labels[seen + k] = Number(batch.y[k]);
    seen += b;
  }
  const m = classificationMetrics(
    predictions.subarray(0, seen),
    labels.subarray(0, seen),
    numClasses,
  );
  return { loss: seen > 0 ? lossSum / seen : NaN, samples: seen, ...m };
}
