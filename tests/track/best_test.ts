import assert from "node:assert/strict";
import { BestTracker } from "./_deps.ts";

Deno.test("BestTracker keeps the lowest loss and the highest other metrics", () => {
  const t = new BestTracker();
  assert.deepEqual(t.update({ test_loss: 0.5, test_accuracy: 0.90, confusion: [[1]] }, 0), [
    "test_loss",
    "test_accuracy",
  ]);
  assert.deepEqual(t.update({ test_loss: 0.4, test_accuracy: 0.85 }, 1), ["test_loss"]);
  assert.deepEqual(t.update({ test_loss: 0.45, test_accuracy: 0.88 }, 2), []);
  assert.deepEqual(t.get("test_loss"), { mode: "min", value: 0.4, iteration: 1, since: 1 });
  assert.deepEqual(t.get("test_accuracy"), { mode: "max", value: 0.9, iteration: 0, since: 2 });
  assert.equal(t.get("confusion"), undefined);
  assert.equal(t.improved("test_loss"), false);
  t.update({ test_accuracy: 0.95 }, 3);
  assert.equal(t.improved("test_accuracy"), true);
  assert.equal(t.get("test_loss")?.since, 2, "metrics not logged this time still age");
});

Deno.test("BestTracker ignores NaN, honours mode overrides and resumes from its state", () => {
  const t = new BestTracker({ modes: { error_rate: "min" } });
  t.update({ train_loss: NaN, error_rate: 0.2 }, 0);
  t.update({ train_loss: 1.2, error_rate: 0.3 }, 1);
  assert.deepEqual([t.get("train_loss")?.value, t.get("error_rate")?.value], [1.2, 0.2]);
  t.update({ train_loss: NaN }, 2);
  assert.equal(t.get("train_loss")?.value, 1.2);
  const resumed = new BestTracker({ state: JSON.parse(JSON.stringify(t.toJSON())) });
  resumed.update({ error_rate: 0.25 }, 3);
  assert.deepEqual(resumed.get("error_rate"), { mode: "min", value: 0.2, iteration: 0, since: 3 });
});
