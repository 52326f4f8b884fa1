import assert from "node:assert/strict";
import { Batcher, type ServeTensor, type WorkerPool } from "../../lib/serve/mod.ts";

/** A pool of `n` fake workers whose run doubles every element and records the batch dims. */
function fakePool(n: number) {
  const runs: number[][] = [];
  const release: (() => void)[] = [];
  let hold = false;
  const workers = Array.from({ length: n }, () => {
    const w = {
      available: true,
      async run(feeds: Record<string, ServeTensor>) {
        w.available = false;
        const x = feeds.x!;
        runs.push(x.dims);
        if (hold) await new Promise<void>((r) => release.push(r));
        w.available = true;
        setTimeout(() => batcher.pump(), 0);
        return { y: { ...x, data: (x.data as Float32Array).map((v) => 2 * v) } };
      },
    };
    return w;
  });
  const pool = {
    closed: false,
    maxWorkers: n,
    liveCount: n,
    lastError: undefined,
    acquire: () => workers.find((w) => w.available),
    grow() {},
  };
  let batcher: Batcher;
  return {
    pool: pool as unknown as WorkerPool,
    runs,
    hold: (on: boolean) => hold = on,
    releaseAll: () => release.splice(0).forEach((r) => r()),
    attach: (b: Batcher) => batcher = b,
  };
}

function tensor(rows: number, cols: number, start: number): ServeTensor {
  const data = Float32Array.from({ length: rows * cols }, (_, i) => start + i);
  return { dtype: "float32", dims: [rows, cols], data };
}

function options(over: Partial<ConstructorParameters<typeof Batcher>[1]> = {}) {
  return {
    batchSize: 4,
    maxBatchDelayMs: 1000,
    queueSize: 100,
    responseTimeoutMs: 1000,
    dynamicBatch: true,
    label: "m/1.0",
    ...over,
  };
}

Deno.test("Batcher concatenates only requests whose dims agree after the batch dimension", async () => {
  const fake = fakePool(1);
  const b = new Batcher(fake.pool, options());
  fake.attach(b);
  fake.hold(true);
  const first = b.submit({ x: tensor(1, 3, 0) }); // occupies the only worker
  const rest = [
    b.submit({ x: tensor(2, 3, 10) }),
    b.submit({ x: tensor(1, 5, 20) }),
    b.submit({ x: tensor(1, 3, 30) }),
    b.submit({ x: tensor(1, 5, 40) }),
  ];
  fake.hold(false);
  fake.releaseAll();
  const answers = await Promise.all([first, ...rest]);
  assert.deepEqual(fake.runs, [[1, 3], [3, 3], [2, 5]]);
  assert.deepEqual(answers[1]!.outputs.y!.dims, [2, 3]);
  assert.deepEqual(Array.from(answers[1]!.outputs.y!.data as Float32Array), [
    20,
    22,
    24,
    26,
    28,
    30,
  ]);
  assert.deepEqual(Array.from(answers[3]!.outputs.y!.data as Float32Array), [60, 62, 64]);
  assert.deepEqual(Array.from(answers[4]!.outputs.y!.data as Float32Array), [80, 82, 84, 86, 88]);
});

Deno.test("Batcher waits for incoming requests, up to max_batch_delay, and caps at batch_size", async () => {
  const fake = fakePool(1);
  let incoming = 2;
  const b = new Batcher(fake.pool, options({ incoming: () => incoming }));
  fake.attach(b);
  const a = b.submit({ x: tensor(1, 3, 0) });
  assert.equal(b.pending, 1, "waits: two more are on their way");
  incoming = 1;
  const c = b.submit({ x: tensor(1, 3, 3) });
  assert.equal(b.pending, 2);
  incoming = 0;
  const d = b.submit({ x: tensor(1, 3, 6) });
  await Promise.all([a, c, d]);
  assert.deepEqual(fake.runs, [[3, 3]], "dispatched once nothing else was coming");
  // batch_size caps a run even while more are coming.
  incoming = 5;
  const six = Array.from({ length: 6 }, (_, i) => b.submit({ x: tensor(1, 3, i) }));
  incoming = 0;
  b.pump();
  await Promise.all(six);
  assert.deepEqual(fake.runs.slice(1), [[4, 3], [2, 3]]);
  // With something always coming, the delay bounds the wait.
  const slow = new Batcher(fake.pool, options({ incoming: () => 1, maxBatchDelayMs: 30 }));
  fake.attach(slow);
  const t0 = performance.now();
  await slow.submit({ x: tensor(1, 3, 0) });
  assert.ok(performance.now() - t0 >= 25, "waited for the delay");
});

Deno.test("Batcher refuses past queueSize (503) and runs one request at a time without dynamic batch", async () => {
  const fake = fakePool(1);
  const b = new Batcher(fake.pool, options({ queueSize: 2, dynamicBatch: false }));
  fake.attach(b);
  fake.hold(true);
  const running = b.submit({ x: tensor(1, 3, 0) });
  const queued = [b.submit({ x: tensor(1, 3, 0) }), b.submit({ x: tensor(1, 3, 0) })];
  await assert.rejects(b.submit({ x: tensor(1, 3, 0) }), { status: 503 });
  fake.hold(false);
  fake.releaseAll();
  await Promise.all([running, ...queued]);
  assert.deepEqual(fake.runs, [[1, 3], [1, 3], [1, 3]]);
});
