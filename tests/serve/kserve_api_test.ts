import assert from "node:assert/strict";
import {
  call,
  CNN,
  digit,
  directLogits,
  makeArchive,
  MLP,
  register,
  TENSOR_HANDLER,
  withServer,
} from "./_fixtures.ts";

const json = (body: unknown): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
});

Deno.test("KServe v2: health, metadata and readiness", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar");
    assert.deepEqual(await call(`${s.inferenceUrl}/v2/health/live`), {
      status: 200,
      body: { live: true },
    });
    assert.deepEqual(await call(`${s.inferenceUrl}/v2/health/ready`), {
      status: 200,
      body: { ready: true },
    });
    assert.equal((await call(`${s.inferenceUrl}/v2`)).body.name, "lifecycle");
    const meta = await call(`${s.inferenceUrl}/v2/models/digits`);
    assert.deepEqual(meta.body, {
      name: "digits",
      versions: ["1.0"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 1, 28, 28] }],
      outputs: [{ name: "logits", datatype: "FP32", shape: [-1, 10] }],
    });
    assert.equal((await call(`${s.inferenceUrl}/v2/models/digits/versions/1.0`)).status, 200);
    assert.deepEqual(await call(`${s.inferenceUrl}/v2/models/digits/ready`), {
      status: 200,
      body: { name: "digits", ready: true },
    });
    assert.equal((await call(`${s.inferenceUrl}/v2/models/digits/versions/1.0/ready`)).status, 200);
    const missing = await call(`${s.inferenceUrl}/v2/models/nope/ready`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /Model not found: "nope"/);
    await fetch(`${s.managementUrl}/models/digits?min_worker=0&max_worker=0&synchronous=true`, {
      method: "PUT",
    }).then((r) => r.body?.cancel());
    const idle = await call(`${s.inferenceUrl}/v2/models/digits/ready`);
    assert.deepEqual(idle, { status: 503, body: { name: "digits", ready: false } });
  });
});

Deno.test("KServe v2 infer: a batch of 4 matches a direct ONNX Runtime run", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar", "initial_workers=1&batch_size=4&max_batch_delay=20");
    const pixels = await Promise.all([0, 1, 2, 3].map(async (i) => (await digit(i)).pixels));
    const want = await directLogits(CNN, pixels);
    const data = pixels.flatMap((p) => Array.from(p, (v) => v / 255));
    const res = await call(
      `${s.inferenceUrl}/v2/models/digits/infer`,
      json({
        id: "req-1",
        inputs: [{ name: "input", shape: [4, 1, 28, 28], datatype: "FP32", data }],
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.model_name, "digits");
    assert.equal(res.body.model_version, "1.0");
    assert.equal(res.body.id, "req-1");
    const [out] = res.body.outputs;
    assert.deepEqual([out.name, out.datatype, out.shape], ["logits", "FP32", [4, 10]]);
    want.forEach((row, i) =>
      row.forEach((v, j) => assert.ok(Math.abs(out.data[i * 10 + j] - v) < 1e-5, `${i},${j}`))
    );
    // Nested data and an explicit outputs list work too; two requests share a batch.
    const nested = await Promise.all(
      [0, 1].map((i) =>
        call(
          `${s.inferenceUrl}/v2/models/digits/versions/1.0/infer`,
          json({
            inputs: [{
              name: "input",
              shape: [1, 1, 28, 28],
              datatype: "FP32",
              data: [[
                Array.from({ length: 28 }, (_, y) =>
                  data.slice(i * 784 + y * 28, i * 784 + y * 28 + 28)),
              ]],
            }],
            outputs: [{ name: "logits" }],
          }),
        )
      ),
    );
    nested.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.ok(Math.abs(r.body.outputs[0].data[3] - want[i]![3]!) < 1e-5);
    });
  });
});

Deno.test("KServe v2 infer refuses malformed requests with {error}", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar");
    const url = `${s.inferenceUrl}/v2/models/digits/infer`;
    const x = (over: Record<string, unknown>) => ({
      inputs: [{
        name: "input",
        shape: [1, 1, 28, 28],
        datatype: "FP32",
        data: new Array(784).fill(0),
        ...over,
      }],
    });
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /Invalid JSON body/],
      [{}, 400, /"inputs" must be a non-empty list/],
      [x({ name: "image" }), 400, /Unknown input "image": the model's inputs are "input"/],
      [x({ datatype: "FP64" }), 400, /datatype FP64 of "input": the model takes FP32/],
      [x({ datatype: "FLOAT" }), 400, /Invalid datatype "FLOAT"/],
      [x({ shape: [1, 1, 28, 27] }), 400, /needs 756 values, got 784/],
      [
        x({ shape: [1, 784], data: new Array(784).fill(0) }),
        400,
        /expected \[N,1,28,28\], got \[1,784\]/,
      ],
      [x({ data: new Array(784).fill("a") }), 400, /element 0 is "a"/],
      [{ ...x({}), outputs: [{ name: "probs" }] }, 400, /Unknown output "probs"/],
    ];
    for (const [body, status, message] of cases) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const r = await call(url, { method: "POST", body: text });
      assert.equal(r.status, status, text.slice(0, 80));
      assert.match(r.body.error, message);
    }
    assert.equal((await call(`${s.inferenceUrl}/v2/models/nope/infer`, json(x({})))).status, 404);
  });
});

Deno.test("tensor handler: JSON tensors in and out through /predictions", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "mlp.mar", { model: MLP, name: "mlp", handler: TENSOR_HANDLER });
    await register(s, "mlp.mar", "initial_workers=1&batch_size=8&max_batch_delay=10");
    const pixels = await Promise.all([5, 6, 7].map(async (i) => (await digit(i)).pixels));
    const want = await directLogits(MLP, pixels, true);
    const rows = pixels.map((p) => Array.from(p, (v) => v / 255));
    const url = `${s.inferenceUrl}/predictions/mlp`;
    const nested = await call(url, json(rows));
    assert.equal(nested.status, 200, JSON.stringify(nested.body));
    assert.deepEqual(nested.body.logits.dims, [3, 10]);
    assert.equal(nested.body.logits.dtype, "float32");
    want.forEach((row, i) =>
      row.forEach((v, j) => assert.ok(Math.abs(nested.body.logits.data[i * 10 + j] - v) < 1e-5))
    );
    const named = await call(url, json({ input: { dims: [784], data: rows[0] } }));
    assert.deepEqual(named.body.logits.dims, [1, 10], "a missing batch dimension becomes 1");
    // No Content-Type: a tensor model still reads JSON.
    const plain = await call(url, { method: "POST", body: JSON.stringify([rows[1]]) });
    assert.equal(plain.status, 200);
    const bad: [unknown, RegExp][] = [
      [{ other: [1] }, /Missing input "input"/],
      [{ input: [1, 2, 3] }, /expected \[N,784\], got \[3\]/],
      [{ input: { dims: "x", data: [] } }, /Invalid "dims" of "input"/],
      [{ input: rows[0], extra: 1 }, /Unknown input "extra"/],
    ];
    for (const [body, message] of bad) {
      const r = await call(url, json(body));
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 60));
      assert.match(r.body.message, message);
    }
    const image = await call(url, {
      method: "POST",
      body: new Uint8Array([1, 2]),
      headers: { "content-type": "image/png" },
    });
    assert.equal(image.status, 400);
    assert.match(image.body.message, /uses the tensor handler: send JSON/);
  });
});
