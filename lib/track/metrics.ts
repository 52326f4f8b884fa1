/** Classification figures of {@linkcode classificationMetrics}, as logged. */
export interface ClassificationMetrics {
  /** Correct predictions / samples. */
  accuracy: number;
  /** Mean F1 over the classes present. */
  f1_macro: number;
  /** F1 of the pooled counts (equals accuracy for one label per sample). */
  f1_micro: number;
  /** F1 per class weighted by support. */
  f1_weighted: number;
  /** Mean precision over the classes present. */
  precision_macro: number;
  /** Mean recall over the classes present. */
  recall_macro: number;
  /** Per class, zero for a class never predicted. */
  precision_per_class: number[];
  /** Per class, zero for a class absent from the labels. */
  recall_per_class: number[];
  /** Per class, zero when precision and recall are. */
  f1_per_class: number[];
  /** Labels per class. */
  support: number[];
  /** `confusion_matrix[t][p]`: samples of class t predicted as p. */
  confusion_matrix: number[][];
}

/** Class indices per sample: numbers or int64. */
export type Labels = ArrayLike<number> | BigInt64Array;

function at(a: Labels, i: number): number {
  return Number(a[i]!);
}

/**
 * Counts of (true, predicted) class pairs.
 *
 * @param predictions predicted class per sample
 * @param labels true class per sample
 * @param numClasses number of classes
 * @returns the matrix, rows true classes, columns predicted ones
 * @throws {RangeError} when lengths differ or a class is out of range
 */
export function confusionMatrix(
  predictions: Labels,
  labels: Labels,
  numClasses: number,
): number[][] {
  if (predictions.length !== labels.length) {
    throw new RangeError(
      `Cannot compare predictions and labels: ${predictions.length} predictions, ${labels.length} labels`,
    );
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = at(labels, i);
    const p = at(predictions, i);
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new RangeError(
        `Cannot count sample ${i}: label ${t}, prediction ${p}, classes are 0..${numClasses - 1}`,
      );
    }
    m[t]![p]!++;
  }
  return m;
}

function divide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Accuracy, F1 (macro, micro, weighted), precision and recall per class and the
 * confusion matrix, with scikit-learn's definitions: averages run over the classes that
 * occur in the labels or the predictions, and a ratio with a zero denominator is 0.
 *
 * @param predictions predicted class per sample
 * @param labels true class per sample
 * @param numClasses number of classes
 * @returns the figures
 * @throws {RangeError} when lengths differ or a class is out of range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classificationMetrics } from "./mod.ts";
 * const m = classificationMetrics([0, 2, 1, 0, 0, 1], [0, 1, 2, 0, 1, 2], 3);
 * assert.deepEqual(m.f1_per_class.map((v) => +v.toFixed(4)), [0.8, 0, 0]);
 * assert.equal(m.f1_micro.toFixed(4), "0.3333");
 * ```
 */
export function classificationMetrics(
  predictions: Labels,
  labels: Labels,
  numClasses: number,
): ClassificationMetrics {
  const cm = confusionMatrix(predictions, labels, numClasses);
  const support = cm.map((row) => row.reduce((s, v) => s + v, 0));
  const predicted = cm[0] ? cm[0].map((_, j) => cm.reduce((s, row) => s + row[j]!, 0)) : [];
  const tp = cm.map((row, k) => row[k]!);
  const precision = tp.map((t, k) => divide(t, predicted[k]!));
  const recall = tp.map((t, k) => divide(t, support[k]!));
  const f1 = tp.map((t, k) => divide(2 * t, support[k]! + predicted[k]!));
  const present = support.map((s, k) => s > 0 || predicted[k]! > 0);
  const mean = (v: number[]) =>
    divide(v.reduce((s, x, k) => s + (present[k] ? x : 0), 0), present.filter(Boolean).length);
  const n = labels.length;
  const correct = tp.reduce((s, v) => s + v, 0);
  return {
    accuracy: divide(correct, n),
    f1_macro: mean(f1),
    // One label per sample: micro-averaged precision, recall and F1 all equal accuracy.
    f1_micro: divide(2 * correct, 2 * n),
    f1_weighted: divide(f1.reduce((s, v, k) => s + v * support[k]!, 0), n),
    precision_macro: mean(precision),
    recall_macro: mean(recall),
    precision_per_class: precision,
    recall_per_class: recall,
    f1_per_class: f1,
    support,
    confusion_matrix: cm,
  };
}

/**
 * The index of the largest value of each row of a [rows, numClasses] array (first on ties).
 *
 * @param logits row-major scores
 * @param numClasses row length
 * @returns the predicted class per row
 * @throws {RangeError} when the length is not a multiple of `numClasses`
 */
export function argmaxRows(logits: ArrayLike<number>, numClasses: number): Int32Array {
  if (numClasses <= 0 || logits.length % numClasses !== 0) {
    throw new RangeError(
      `Cannot take argmax: ${logits.length} values are not rows of ${numClasses}`,
    );
  }
  const rows = logits.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let value = logits[r * numClasses]!;
    for (let k = 1; k < numClasses; k++) {
      const v = logits[r * numClasses + k]!;
      if (v > value) (value = v), (best = k);
    }
    out[r] = best;
  }
  return out;
}
