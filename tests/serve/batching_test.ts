import assert from "node:assert/strict";
import { call, digit, makeArchive, png, register, withServer } from "./_fixtures.ts";

async function predictAll(url: string, body: Uint8Array, n: number) {
  return await Promise.all(Array.from({ length: n }, async () => {
    const res = await fetch(url, { method: "POST", body: body as Uint8Array<ArrayBuffer> });
    return { status: res.status, body: await res.json() };
  }));
}

Deno.test("dynamic batching: concurrent requests share a run, answers split back per request", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=8&max_batch_delay=500");
    const image = await png((await digit(4)).pixels);
    const alone = await call(`${s.inferenceUrl}/predictions/digits`, {
      method: "POST",
      body: image,
    });
    const stats = s.registry.get("digits").batcher.stats;
    assert.deepEqual(stats, { batches: 1, requests: 1, largest: 1 });
    const answers = await predictAll(`${s.inferenceUrl}/predictions/digits`, image, 16);
    assert.ok(answers.every((a) => a.status === 200));
    assert.ok(answers.every((a) => JSON.stringify(a.body) === JSON.stringify(alone.body)));
    assert.ok(stats.largest > 1, "requests shared a batch");
    assert.ok(stats.largest <= 8, "batch_size caps a batch");
    assert.ok(stats.batches < 17);
  });
});

/** Queue latency (µs) summed over the model's requests, from the metrics API. */
async function queueMicros(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics?name[]=ts_queue_latency_microseconds`))
    .text();
  return Number(/ts_queue_latency_microseconds\{[^}]*\} ([\d.e+]+)/.exec(text)?.[1] ?? NaN);
}

Deno.test("a request waits (up to max_batch_delay) only for requests still on their way", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=8&max_batch_delay=3000");
    const small = await png((await digit(4)).pixels);
    // A large image takes sharp a while to decode and resize: the small one waits for it.
    const side = 1500;
    const big = await png(new Uint8Array(side * side).map((_, i) => (i * 7) % 256), side, side);
    const model = s.registry.get("digits");
    const first = fetch(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: big });
    while (model.inflight === 0) await new Promise((r) => setTimeout(r, 1));
    const [a, b] = await Promise.all([
      first,
      fetch(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: small }),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    await Promise.all([a.body?.cancel(), b.body?.cancel()]);
    assert.deepEqual(model.batcher.stats, { batches: 1, requests: 2, largest: 2 });
    // A request nothing else is coming for does not wait out the 3 s delay.
    const before = await queueMicros(s.metricsUrl);
    const alone = await call(`${s.inferenceUrl}/predictions/digits`, {
      method: "POST",
      body: small,
    });
    assert.equal(alone.status, 200);
    assert.ok((await queueMicros(s.metricsUrl)) - before < 1_000_000, "queued less than 1 s");
    // Nor when the request it waited for fails before reaching the queue.
    const garbage = new Uint8Array(2_000_000).fill(7);
    const [bad, good] = await Promise.all([
      call(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: garbage }),
      call(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: small }),
    ]);
    assert.deepEqual([bad.status, good.status], [400, 200]);
  });
});

Deno.test("batch_size=1 runs each request alone", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=1");
    const answers = await predictAll(
      `${s.inferenceUrl}/predictions/digits`,
      await png((await digit(1)).pixels),
      6,
    );
    assert.ok(answers.every((a) => a.status === 200));
    assert.deepEqual(s.registry.get("digits").batcher.stats, {
      batches: 6,
      requests: 6,
      largest: 1,
    });
  });
});

Deno.test("a full job queue answers 503 and the server keeps serving", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=1");
    const answers = await predictAll(
      `${s.inferenceUrl}/predictions/digits`,
      await png((await digit(2)).pixels),
      60,
    );
    const full = answers.filter((a) => a.status === 503);
    assert.ok(full.length > 0, "some requests found the queue full");
    assert.ok(answers.some((a) => a.status === 200));
    assert.equal(full[0]!.body.type, "ServiceUnavailableException");
    assert.match(full[0]!.body.message, /full job queue \(3\)/);
    const after = await predictAll(
      `${s.inferenceUrl}/predictions/digits`,
      await png((await digit(2)).pixels),
      1,
    );
    assert.equal(after[0]!.status, 200);
  }, { jobQueueSize: 3 });
});

Deno.test("no worker: 503 telling to scale; response_timeout: 504, worker replaced", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=0");
    const image = await png((await digit(2)).pixels);
    const none = await call(`${s.inferenceUrl}/predictions/digits`, {
      method: "POST",
      body: image,
    });
    assert.equal(none.status, 503);
    assert.match(none.body.message, /no worker .* scale workers API/);
    await fetch(`${s.managementUrl}/models/digits?min_worker=1&synchronous=true`, { method: "PUT" })
      .then((r) => r.body?.cancel());
    await fetch(`${s.managementUrl}/models/digits`, { method: "DELETE" }).then((r) =>
      r.body?.cancel()
    );
    await register(s, "digits.mar", "initial_workers=1&response_timeout=0.01");
    const big = {
      inputs: [{
        name: "input",
        shape: [2048, 1, 28, 28],
        datatype: "FP32",
        data: new Array(2048 * 784).fill(0),
      }],
    };
    const workerIds = async () => {
      const d = await call(`${s.managementUrl}/models/digits`);
      return d.body[0].workers.filter((w: { status: string }) => w.status === "READY")
        .map((w: { id: string }) => w.id);
    };
    const before = await workerIds();
    const slow = await call(`${s.inferenceUrl}/v2/models/digits/infer`, {
      method: "POST",
      body: JSON.stringify(big),
    });
    assert.equal(slow.status, 504);
    assert.match(slow.body.error, /did not answer within 0.01 s/);
    // The unresponsive worker is stopped and a new one keeps the minimum.
    let after = await workerIds();
    for (let i = 0; i < 100 && (after.length !== 1 || after[0] === before[0]); i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await workerIds();
    }
    assert.equal(after.length, 1);
    assert.notEqual(after[0], before[0]);
    assert.equal((await call(`${s.inferenceUrl}/ping`)).status, 200);
  }, { maxRequestSize: 20_000_000 });
});

Deno.test("unregistering lets requests in flight finish; later ones get 404", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=1");
    const image = await png((await digit(3)).pixels);
    const model = s.registry.get("digits");
    const inFlight = predictAll(`${s.inferenceUrl}/predictions/digits`, image, 30);
    while (model.inflight + model.batcher.stats.requests < 30) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.ok(model.inflight > 0, "requests are still in flight");
    const del = await call(`${s.managementUrl}/models/digits`, { method: "DELETE" });
    assert.equal(del.status, 200);
    const answers = await inFlight;
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    const after = await call(`${s.inferenceUrl}/predictions/digits`, {
      method: "POST",
      body: image,
    });
    assert.equal(after.status, 404);
  });
});

Deno.test("scaling up and down while requests flow drops none", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=4&max_batch_delay=2");
    const image = await png((await digit(5)).pixels);
    let stop = false;
    const statuses: number[] = [];
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const r = await fetch(`${s.inferenceUrl}/predictions/digits`, {
          method: "POST",
          body: image,
        });
        await r.body?.cancel();
        statuses.push(r.status);
      }
    });
    const scale = (q: string) =>
      fetch(`${s.managementUrl}/models/digits?${q}&synchronous=true`, { method: "PUT" })
        .then((r) => r.json());
    await scale("min_worker=3");
    assert.equal(s.registry.get("digits").pool.readyCount, 3);
    await scale("min_worker=1");
    assert.equal(s.registry.get("digits").pool.readyCount, 1);
    await scale("min_worker=2");
    stop = true;
    await Promise.all(clients);
    assert.ok(statuses.length > 20);
    assert.deepEqual([...new Set(statuses)], [200]);
  });
});

Deno.test("workers grow toward max_worker under load and shrink back when idle", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=1");
    await fetch(`${s.managementUrl}/models/digits?min_worker=1&max_worker=3&synchronous=true`, {
      method: "PUT",
    }).then((r) => r.body?.cancel());
    const model = s.registry.get("digits");
    const image = await png((await digit(6)).pixels);
    let most = 0;
    const watch = setInterval(() => most = Math.max(most, model.pool.liveCount), 5);
    for (let round = 0; round < 5 && most < 2; round++) {
      await predictAll(`${s.inferenceUrl}/predictions/digits`, image, 60);
    }
    clearInterval(watch);
    assert.ok(most >= 2, `grew to ${most}`);
    const deadline = Date.now() + 10_000;
    while (model.pool.liveCount > 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(model.pool.liveCount, 1);
  }, { maxIdleTime: 0.3 });
});
