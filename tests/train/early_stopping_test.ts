// EarlyStopping against PyTorch Lightning's EarlyStopping semantics: an improvement beats the
// best by more than min_delta; `patience` evaluations in a row without one stop training.

import assert from "node:assert/strict";
import { EarlyStopping } from "../../lib/train/mod.ts";

Deno.test("EarlyStopping on a loss needs a drop larger than min_delta", () => {
  const es = new EarlyStopping({ monitor: "test_loss", patience: 2, minDelta: 0.05 });
  assert.equal(es.mode, "min");
  // 0.96 is not 0.05 below 1.0; 0.94 is; then 0.92 and 0.91 are not below 0.89.
  assert.deepEqual([1.0, 0.96, 0.94, 0.92, 0.91].map((v) => es.update(v)), [
    false,
    false,
    false,
    false,
    true,
  ]);
  assert.equal(es.wait, 2);
});

Deno.test("EarlyStopping on an accuracy looks for higher values; NaN never improves", () => {
  const es = new EarlyStopping({ monitor: "test_accuracy", patience: 1 });
  assert.equal(es.mode, "max");
  assert.equal(es.update(0.5), false);
  assert.equal(es.update(0.6), false);
  assert.equal(es.update(NaN), true);
});

Deno.test("EarlyStopping resumes from its saved state and never stops without patience", () => {
  const a = new EarlyStopping({ monitor: "test_loss", patience: 3 });
  a.update(1);
  a.update(2);
  const b = new EarlyStopping({ monitor: "test_loss", patience: 3 }, a.toJSON());
  assert.deepEqual([b.update(3), b.update(4)], [false, true]);
  const never = new EarlyStopping({ monitor: "test_loss", patience: null });
  for (let i = 0; i < 20; i++) assert.equal(never.update(i), false);
  assert.throws(
    () => new EarlyStopping({ monitor: "test_loss", patience: 0 }),
    /Invalid trainer.early_stopping_patience 0: expected a positive integer or null/,
  );
});
