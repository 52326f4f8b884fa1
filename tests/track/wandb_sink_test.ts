// WandbSink against a loopback stand-in of the W&B server (tests/track/_wandb_standin.ts).

import assert from "node:assert/strict";
import { historyRows, type MetricRecord, WandbError, WandbSink } from "../../lib/track/mod.ts";
import { WandbStandIn } from "./_wandb_standin.ts";

function rec(step: number, split: string, values: Record<string, unknown>): MetricRecord {
  return { step, epoch: 0, iteration: 0, split, time: 1000 + step, ...values };
}

Deno.test("WandbSink creates the run, streams merged history rows and completes it", async () => {
  await using server = WandbStandIn.start("k1", "alice");
  const sink = await WandbSink.open({
    apiKey: "k1",
    baseUrl: server.url,
    project: "lifecycle",
    group: "cnn",
    name: "run",
    onWarning: (m) => assert.fail(m),
  });
  assert.deepEqual(server.log, ["Viewer", "UpsertBucket"]);
  await sink.logConfig({ seed: 42, model: { name: "cnn" } });
  const records = [
    rec(2, "train", { loss: 2.5, lr: 0.1 }),
    rec(4, "train", { loss: 2.0, lr: 0.1 }),
    rec(4, "test", { loss: 1.9, accuracy: 0.5, confusion_matrix: [[1, 0], [0, 1]] }),
    rec(6, "train", { loss: 1.5, lr: 0.05 }),
  ];
  for (const r of records) sink.logMetrics(r);
  sink.logSummary({ final: { test_accuracy: 0.5 } });
  await sink.finish("finished");
  const run = server.runs.get(sink.runId)!;
  assert.match(sink.runId, /^[a-z0-9]{8}$/);
  assert.deepEqual([run.project, run.entity, run.groupName, run.displayName], [
    "lifecycle",
    "alice",
    "cnn",
    "run",
  ]);
  assert.deepEqual(run.config, {
    seed: { value: 42, desc: null },
    model: { value: { name: "cnn" }, desc: null },
  });
  assert.deepEqual(run.history.map((l) => JSON.parse(l)), historyRows(records));
  assert.deepEqual(JSON.parse(run.history[1]!), {
    _step: 4,
    _timestamp: 1004,
    epoch: 0,
    iteration: 0,
    "train/loss": 2,
    "train/lr": 0.1,
    "test/loss": 1.9,
    "test/accuracy": 0.5,
  });
  assert.equal(run.summary?.["train/loss"], 1.5);
  assert.deepEqual(run.summary?.final, { test_accuracy: 0.5 });
  assert.deepEqual([run.complete, run.exitcode], [true, 0]);
  assert.equal(sink.url, `${server.url}/alice/lifecycle/runs/${sink.runId}`);
});

Deno.test("WandbSink posts in the background and keeps rows through a failed post", async () => {
  await using server = WandbStandIn.start("k2");
  const warnings: string[] = [];
  const sink = await WandbSink.open({
    apiKey: "k2",
    baseUrl: server.url,
    entity: "team",
    project: "p",
    flushSeconds: 0.02,
    onWarning: (m) => warnings.push(m),
  });
  assert.deepEqual(server.log, ["UpsertBucket"], "an entity given: no Viewer query");
  server.failures = [503, 429];
  sink.logMetrics(rec(1, "train", { loss: 1 }));
  sink.logMetrics(rec(2, "train", { loss: 0.5 }));
  const run = server.runs.get(sink.runId)!;
  for (let i = 0; i < 200 && run.history.length < 1; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(server.log.includes("file_stream 503") && server.log.includes("file_stream 429"));
  assert.equal(run.history.length, 1, "the complete row was posted after the failures");
  sink.logMetrics(rec(3, "train", { loss: 0.25 }));
  await sink.finish("interrupted");
  assert.deepEqual(run.history.map((l) => JSON.parse(l)._step), [1, 2, 3]);
  assert.deepEqual([run.complete, run.exitcode], [true, 130]);
  assert.deepEqual(warnings, []);
});

Deno.test("WandbSink resumes a run at its history offset", async () => {
  await using server = WandbStandIn.start("k3");
  const first = await WandbSink.open({ apiKey: "k3", baseUrl: server.url, project: "p" });
  first.logMetrics(rec(1, "train", { loss: 1 }));
  first.logMetrics(rec(2, "train", { loss: 0.9 }));
  first.logMetrics(rec(3, "train", { loss: 0.8 }));
  await first.finish("interrupted");
  // The run resumes from a checkpoint at step 2: one row kept, the next ones logged again.
  const again = await WandbSink.open({
    apiKey: "k3",
    baseUrl: server.url,
    project: "p",
    runId: first.runId,
    historyOffset: 2,
  });
  again.logMetrics(rec(3, "train", { loss: 0.7 }));
  await again.finish("finished");
  const run = server.runs.get(first.runId)!;
  assert.deepEqual(run.history.map((l) => JSON.parse(l)["train/loss"]), [1, 0.9, 0.7]);
  assert.equal(run.exitcode, 0);
});

Deno.test("WandbSink.open() names a refused key", async () => {
  await using server = WandbStandIn.start("right");
  await assert.rejects(
    () => WandbSink.open({ apiKey: "wrong", baseUrl: server.url, project: "p" }),
    (err: unknown) =>
      err instanceof WandbError && err.status === 401 &&
      /answered 401 \(check WANDB_API_KEY\)/.test(err.message),
  );
});

Deno.test("WandbSink.open() says when the server cannot be reached", async () => {
  await assert.rejects(
    () => WandbSink.open({ apiKey: "k", baseUrl: "http://127.0.0.1:9", project: "p" }),
    /Cannot reach http:\/\/127\.0\.0\.1:9: /,
  );
});
