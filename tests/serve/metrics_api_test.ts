import assert from "node:assert/strict";
import { join } from "node:path";
import { createManifest, writeArchive } from "../../lib/archive/mod.ts";
import { startServer } from "../../lib/serve/mod.ts";
import {
  call,
  CNN,
  digit,
  digitHandler,
  LABELS,
  makeArchive,
  png,
  register,
  withServer,
} from "./_fixtures.ts";

/** `name{labels} value` rows of a Prometheus text, by name. */
function rows(text: string, name: string): { labels: string; value: number }[] {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm"))]
    .map((m) => ({ labels: m[1]!, value: Number(m[2]) }));
}

Deno.test("GET /metrics counts inferences with TorchServe's names and labels", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=2");
    const image = await png((await digit(0)).pixels);
    for (let i = 0; i < 3; i++) {
      await fetch(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: image }).then((
        r,
      ) => r.text());
    }
    await fetch(`${s.inferenceUrl}/predictions/digits/1.0`, { method: "POST", body: image }).then((
      r,
    ) => r.text());
    await fetch(`${s.inferenceUrl}/predictions/nope`, { method: "POST", body: image }).then((r) =>
      r.text()
    );
    const refused = await fetch(`${s.inferenceUrl}/predictions/digits`, {
      method: "POST",
      body: "x",
    });
    assert.equal(refused.status, 400);
    await refused.body?.cancel();
    const res = await fetch(`${s.metricsUrl}/metrics`);
    assert.match(res.headers.get("content-type")!, /^text\/plain; version=0.0.4/);
    const text = await res.text();
    assert.match(text, /# TYPE ts_inference_requests_total counter/);
    const host = s.metrics.hostname;
    const requests = rows(text, "ts_inference_requests_total");
    assert.deepEqual(requests.map((r) => [r.labels, r.value]), [
      [`model_name="digits",model_version="default",hostname="${host}"`, 4],
      [`model_name="digits",model_version="1.0",hostname="${host}"`, 1],
    ]);
    for (const name of ["ts_inference_latency_microseconds", "ts_queue_latency_microseconds"]) {
      const r = rows(text, name);
      assert.equal(r.length, 2, name);
      assert.ok(r.every((x) => x.value >= 0), name);
    }
    assert.ok(rows(text, "ts_inference_latency_microseconds")[0]!.value > 0);
    assert.ok(rows(text, "Requests4XX")[0]!.value >= 2, "the unknown model and the bad body");
    assert.equal(rows(text, "ts_model_workers")[0]!.value, 2);
    assert.match(rows(text, "ts_model_workers")[0]!.labels, /status="READY"/);
    assert.ok(rows(text, "MemoryUsed")[0]!.value > 0);
    assert.ok(rows(text, "process_resident_memory_bytes")[0]!.value > 0);
    const cpu = rows(text, "CPUUtilization")[0]!.value;
    assert.ok(cpu >= 0 && cpu <= 100);
    const only = await (await fetch(
      `${s.metricsUrl}/metrics?name[]=ts_inference_requests_total&name[]=ts_queue_latency_microseconds`,
    )).text();
    const names = [...only.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(names, ["ts_inference_requests_total", "ts_queue_latency_microseconds"]);
    assert.equal((await call(`${s.metricsUrl}/metrics`, { method: "POST" })).status, 405);
    assert.equal((await call(`${s.metricsUrl}/other`)).status, 404);
  });
});

Deno.test("startServer() registers start-up models: name=file, file, and all", async () => {
  const store = await Deno.makeTempDir();
  try {
    await makeArchive(store, "a.mar", { name: "a" });
    await makeArchive(store, "b.mar", { name: "b" });
    const ports = {
      inferenceAddress: "http://127.0.0.1:0",
      managementAddress: "http://127.0.0.1:0",
      metricsAddress: "http://127.0.0.1:0",
      modelStore: store,
    };
    let s = await startServer({ ...ports, models: ["first=a.mar", "b.mar"] });
    try {
      const list = await call(`${s.managementUrl}/models`);
      assert.deepEqual(list.body.models.map((m: { modelName: string }) => m.modelName), [
        "b",
        "first",
      ]);
      const d = await call(`${s.managementUrl}/models/first`);
      assert.equal(d.body[0].loadedAtStartup, true);
      assert.equal(d.body[0].workers.length, 1, "default_workers_per_model");
    } finally {
      await s.close();
    }
    s = await startServer({ ...ports, models: ["all"], defaultWorkersPerModel: 2 });
    try {
      const list = await call(`${s.managementUrl}/models`);
      assert.deepEqual(list.body.models.map((m: { modelName: string }) => m.modelName), ["a", "b"]);
      assert.equal((await call(`${s.managementUrl}/models/a`)).body[0].workers.length, 2);
    } finally {
      await s.close();
    }
    await assert.rejects(
      startServer({ ...ports, models: ["x=missing.mar"] }),
      /Cannot register start-up model "x=missing.mar": Model archive not found/,
    );
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("POST /models refuses a model ONNX Runtime cannot load or that does not fit handler.json", async () => {
  await withServer(async (s, store) => {
    const archive = (model: Uint8Array, handler = digitHandler()) => ({
      manifest: createManifest("bad"),
      model,
      labels: LABELS,
      handler,
    });
    await writeArchive(join(store, "garbage.mar"), archive(new Uint8Array([1, 2, 3, 4])));
    const wrongInput = { ...digitHandler(), input: { name: "image", dims: ["N", 1, 28, 28] } };
    await writeArchive(
      join(store, "wrong_input.mar"),
      archive(await Deno.readFile(CNN), wrongInput),
    );
    const wrongShape = digitHandler(true);
    await writeArchive(
      join(store, "wrong_shape.mar"),
      archive(await Deno.readFile(CNN), wrongShape),
    );
    const cases: [string, RegExp][] = [
      ["garbage.mar", /Cannot load model of "garbage.mar"/],
      ["wrong_input.mar", /handler.json input "image" is not a model input \("input"\)/],
      [
        "wrong_shape.mar",
        /model input "input" is float32 \[batch,1,28,28\], handler.json expects float32 \[batch,784\]/,
      ],
    ];
    for (const [file, message] of cases) {
      const r = await call(`${s.managementUrl}/models?url=${file}`, { method: "POST" });
      assert.equal(r.status, 400, file);
      assert.match(r.body.message, message, file);
    }
    assert.deepEqual((await call(`${s.managementUrl}/models`)).body.models, []);
  });
});
