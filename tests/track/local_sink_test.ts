import assert from "node:assert/strict";
import { join } from "node:path";
import {
  fanOut,
  LocalSink,
  logTime,
  readMetricsLog,
  RUN_FILES,
  type Sink,
  trimMetricsLog,
} from "./_deps.ts";

async function withRunDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lifecycle_run_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function rec(step: number, split = "train", extra: Record<string, unknown> = {}) {
  return { step, epoch: 0, iteration: 0, split, time: 1700000000 + step, ...extra };
}

Deno.test("LocalSink writes metrics.jsonl, params.json, results.json and train.log", async () => {
  await withRunDir(async (dir) => {
    const t0 = new Date(2024, 4, 1, 10, 0, 0, 123).getTime();
    const sink = await LocalSink.open(dir, { now: () => t0 });
    await sink.logConfig({ optimizer: { lr: 0.001 }, seed: 1234 });
    sink.logMetrics(rec(1, "train", { loss: 2.3 }));
    sink.logMetrics(rec(125, "test", { accuracy: 0.9, confusion_matrix: [[1, 0], [0, 1]] }));
    await sink.logSummary({ test_accuracy: 0.9 });
    await sink.logSummary({ best: { test_accuracy: 0.9 } });
    sink.logText("INFO", "Epoch 1 done\nsecond line");
    await sink.finish("finished");

    const lines = (await Deno.readTextFile(join(dir, RUN_FILES.metrics))).split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(
      JSON.parse(lines[1]!),
      rec(125, "test", { accuracy: 0.9, confusion_matrix: [[1, 0], [0, 1]] }),
    );
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.params))), {
      optimizer: { lr: 0.001 },
      seed: 1234,
    });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results))), {
      test_accuracy: 0.9,
      best: { test_accuracy: 0.9 },
    });
    assert.equal(
      await Deno.readTextFile(join(dir, RUN_FILES.log)),
      "[2024-05-01 10:00:00,123][train][INFO] - Epoch 1 done\n" +
        "[2024-05-01 10:00:00,123][train][INFO] - second line\n" +
        "[2024-05-01 10:00:00,123][train][INFO] - Run finished\n",
    );
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(
      names,
      ["metrics.jsonl", "params.json", "results.json", "train.log"],
      "no temp files",
    );
    assert.throws(() => sink.logMetrics(rec(2)), /Cannot log to ".*": the run is finished/);
  });
});

Deno.test("readMetricsLog() drops a torn last line and names a corrupt line in the middle", async () => {
  await withRunDir(async (dir) => {
    const path = join(dir, "metrics.jsonl");
    assert.deepEqual(await readMetricsLog(path), {
      records: [],
      torn: false,
      validBytes: 0,
      complete: true,
    });
    const good = JSON.stringify(rec(1)) + "\n" + JSON.stringify(rec(2)) + "\n";
    await Deno.writeTextFile(path, good + '{"step":3,"epo');
    const log = await readMetricsLog(path);
    assert.deepEqual(log.records.map((r) => r.step), [1, 2]);
    assert.deepEqual([log.torn, log.validBytes, log.complete], [
      true,
      new TextEncoder().encode(good).length,
      false,
    ]);
    await Deno.writeTextFile(path, good + JSON.stringify(rec(3)));
    assert.deepEqual(
      (await readMetricsLog(path)).records.map((r) => r.step),
      [1, 2, 3],
      "complete last line kept",
    );
    await Deno.writeTextFile(
      path,
      JSON.stringify(rec(1)) + "\nnot json\n" + JSON.stringify(rec(3)) + "\n",
    );
    await assert.rejects(() => readMetricsLog(path), {
      name: "SyntaxError",
      message: `Cannot read "${path}": line 2 is not a metrics record: not json`,
    });
  });
});

Deno.test("LocalSink.open() repairs a torn log and keeps only the records asked for on resume", async () => {
  await withRunDir(async (dir) => {
    const path = join(dir, RUN_FILES.metrics);
    await Deno.writeTextFile(
      path,
      [rec(10), rec(20), rec(20, "test"), rec(30)].map((r) => JSON.stringify(r)).join("\n") +
        '\n{"st',
    );
    const sink = await LocalSink.open(dir, { keep: (r) => r.step <= 20 });
    sink.logMetrics(rec(21));
    await sink.finish("finished");
    const log = await readMetricsLog(path);
    assert.deepEqual(log.records.map((r) => `${r.step}${r.split}`), [
      "10train",
      "20train",
      "20test",
      "21train",
    ]);
    assert.equal(log.torn, false);
    // A complete last line without its newline is kept and closed before appending.
    await Deno.writeTextFile(path, JSON.stringify(rec(1)));
    const again = await LocalSink.open(dir);
    again.logMetrics(rec(2));
    await again.finish("interrupted");
    assert.deepEqual((await readMetricsLog(path)).records.map((r) => r.step), [1, 2]);
    assert.match(
      await Deno.readTextFile(join(dir, RUN_FILES.log)),
      /\[train\]\[WARNING\] - Run interrupted\n$/,
    );
    assert.deepEqual(await trimMetricsLog(join(dir, "missing.jsonl")), []);
  });
});

Deno.test("metrics.jsonl survives a process killed while appending", async () => {
  await withRunDir(async (dir) => {
    const mod = new URL("../../lib/track/mod.ts", import.meta.url).href;
    const script = `
      import { LocalSink } from "${mod}";
      const sink = await LocalSink.open(${JSON.stringify(dir)});
      const pad = "x".repeat(2000);
      for (let step = 0; ; step++) {
        sink.logMetrics({ step, epoch: 0, iteration: 0, split: "train", time: 0, pad });
        if (step === 50) console.log("ready");
      }`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    await reader.read(); // "ready": at least 51 records written
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    const log = await readMetricsLog(join(dir, RUN_FILES.metrics));
    assert.ok(log.records.length > 50);
    assert.deepEqual(
      log.records.map((r) => r.step),
      log.records.map((_, i) => i),
      "no record lost or mangled",
    );
    const sink = await LocalSink.open(dir);
    sink.logMetrics({ step: -1, epoch: 0, iteration: 0, split: "train", time: 0 });
    await sink.finish("finished");
    const after = await readMetricsLog(join(dir, RUN_FILES.metrics));
    assert.deepEqual([after.torn, after.records.at(-1)?.step], [false, -1]);
  });
});

Deno.test("fanOut() reports a later sink's error and keeps logging to the first", async () => {
  await withRunDir(async (dir) => {
    const local = await LocalSink.open(dir);
    const failing: Sink = {
      logConfig() {},
      logMetrics() {
        throw new Error("network down");
      },
      logSummary() {},
      finish: () => Promise.resolve(),
    };
    const errors: string[] = [];
    const sink = fanOut([local, failing], { onError: (e) => errors.push((e as Error).message) });
    await sink.logMetrics(rec(1));
    await sink.logText!("INFO", "hello");
    await sink.finish("finished");
    assert.deepEqual(errors, ["network down"]);
    assert.equal((await readMetricsLog(join(dir, RUN_FILES.metrics))).records.length, 1);
    await assert.rejects(
      () => fanOut([failing]).logMetrics(rec(1)) as Promise<void>,
      /network down/,
    );
  });
});

Deno.test("logTime() formats local time as Python's logging asctime", () => {
  assert.equal(logTime(new Date(2023, 0, 2, 3, 4, 5, 6).getTime()), "2023-01-02 03:04:05,006");
});
