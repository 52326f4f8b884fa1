import assert from "node:assert/strict";
import { argmaxRows, classificationMetrics, confusionMatrix, Rng } from "./_deps.ts";

function close(a: number, b: number, tol = 1e-12) {
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
}

Deno.test("classificationMetrics() matches scikit-learn's documented example", () => {
  // scikit-learn's f1_score / precision_score / recall_score docs:
  // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
  // f1: macro 0.26..., micro 0.33..., weighted 0.26..., per class [0.8, 0, 0]
  // precision: macro 0.22..., per class [0.66..., 0, 0]; recall: macro 0.33..., per class [1, 0, 0]
  const m = classificationMetrics([0, 2, 1, 0, 0, 1], [0, 1, 2, 0, 1, 2], 3);
  close(m.f1_macro, 0.8 / 3);
  close(m.f1_micro, 1 / 3);
  close(m.f1_weighted, 0.8 / 3);
  assert.deepEqual(m.f1_per_class.map((v) => +v.toFixed(12)), [0.8, 0, 0]);
  close(m.precision_macro, 2 / 9);
  assert.deepEqual(m.precision_per_class, [2 / 3, 0, 0]);
  close(m.recall_macro, 1 / 3);
  assert.deepEqual(m.recall_per_class, [1, 0, 0]);
  close(m.accuracy, 1 / 3);
  assert.deepEqual(m.confusion_matrix, [[2, 0, 0], [1, 0, 1], [0, 2, 0]]);
  assert.deepEqual(m.support, [2, 2, 2]);
});

Deno.test("classificationMetrics() gives 0 for a class never predicted and skips classes absent everywhere", () => {
  // Class 2 is never predicted: its precision is 0/0 -> 0 (zero_division); class 3 and 4
  // occur neither in labels nor predictions and stay out of the macro averages.
  const labels = [0, 0, 1, 1, 2, 2];
  const preds = [0, 1, 1, 1, 0, 0];
  const m3 = classificationMetrics(preds, labels, 3);
  const m5 = classificationMetrics(preds, labels, 5);
  assert.deepEqual(m3.precision_per_class, [1 / 3, 2 / 3, 0]);
  assert.deepEqual(m3.recall_per_class, [0.5, 1, 0]);
  // f1_0 = 2 (1/3)(1/2) / (5/6) = 0.4, f1_1 = 2 (2/3) / (5/3) = 0.8
  close(m3.f1_per_class[0]!, 0.4);
  close(m3.f1_per_class[1]!, 0.8);
  close(m3.f1_macro, 0.4);
  close(m3.f1_weighted, (0.4 * 2 + 0.8 * 2) / 6);
  close(m5.f1_macro, m3.f1_macro);
  close(m5.precision_macro, m3.precision_macro);
  assert.deepEqual(m5.f1_per_class.slice(3), [0, 0]);
});

Deno.test("classificationMetrics() agrees with the textbook formulas on random data", () => {
  const rng = Rng.derive(11);
  const k = 7;
  const n = 500;
  const labels = Int32Array.from({ length: n }, () => rng.below(k));
  const preds = labels.map((l) => (rng.float() < 0.6 ? l : rng.below(k)));
  const m = classificationMetrics(preds, labels, k);
  let correct = 0;
  for (let i = 0; i < n; i++) correct += labels[i] === preds[i] ? 1 : 0;
  close(m.accuracy, correct / n);
  close(m.f1_micro, m.accuracy);
  let weighted = 0;
  for (let c = 0; c < k; c++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < n; i++) {
      if (preds[i] === c && labels[i] === c) tp++;
      else if (preds[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    const p = tp / (tp + fp), r = tp / (tp + fn);
    close(m.precision_per_class[c]!, p);
    close(m.recall_per_class[c]!, r);
    close(m.f1_per_class[c]!, (2 * p * r) / (p + r));
    weighted += ((2 * p * r) / (p + r)) * (tp + fn);
  }
  close(m.f1_weighted, weighted / n);
  close(m.f1_macro, m.f1_per_class.reduce((s, v) => s + v, 0) / k);
  assert.equal(m.confusion_matrix.flat().reduce((s, v) => s + v, 0), n);
});

Deno.test("classificationMetrics() takes int64 labels and names bad input", () => {
  const m = classificationMetrics(new Int32Array([1, 0]), new BigInt64Array([1n, 1n]), 2);
  assert.equal(m.accuracy, 0.5);
  assert.throws(
    () => confusionMatrix([0], [0, 1], 2),
    /Cannot compare predictions and labels: 1 predictions, 2 labels/,
  );
  assert.throws(
    () => confusionMatrix([3], [0], 2),
    /Cannot count sample 0: label 0, prediction 3, classes are 0..1/,
  );
  const empty = classificationMetrics([], [], 3);
  assert.deepEqual([empty.accuracy, empty.f1_macro], [0, 0]);
});

Deno.test("argmaxRows() picks the largest score per row, the first on ties", () => {
  assert.deepEqual([...argmaxRows([0.1, 0.7, 0.2, 5, 5, -1, -3, -2, -1], 3)], [1, 0, 2]);
  assert.throws(() => argmaxRows([1, 2, 3], 2), /Cannot take argmax: 3 values are not rows of 2/);
});
