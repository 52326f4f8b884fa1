import assert from "node:assert/strict";
import sharp from "sharp";
import {
  call,
  CNN,
  digit,
  digitHandler,
  directLogits,
  makeArchive,
  MLP,
  png,
  register,
  softmax,
  withServer,
} from "./_fixtures.ts";

/** Parses a label → probability answer keeping its key order. */
function ordered(text: string): [string, number][] {
  return [...text.matchAll(/"([^"]+)":([^,}]+)/g)].map((m) => [m[1]!, Number(m[2])]);
}

async function predict(url: string, body: BodyInit, headers: HeadersInit = {}) {
  const res = await fetch(url, { method: "POST", body, headers });
  return { status: res.status, text: await res.text() };
}

for (const [kind, model, flat] of [["cnn", CNN, false], ["mlp", MLP, true]] as const) {
  Deno.test(`POST /predictions matches a direct ONNX Runtime run (${kind}, 40 digits)`, async () => {
    await withServer(async (s, store) => {
      await makeArchive(store, "digits.mar", { model, handler: digitHandler(flat, 10) });
      await register(s, "digits.mar", "initial_workers=2&batch_size=8&max_batch_delay=5");
      const pixels = await Promise.all(Array.from({ length: 40 }, (_, i) => digit(i)));
      const want = await directLogits(model, pixels.map((p) => p.pixels), flat);
      const answers = await Promise.all(
        pixels.map(async (p) =>
          predict(`${s.inferenceUrl}/predictions/digits`, await png(p.pixels))
        ),
      );
      let correct = 0;
      answers.forEach((a, i) => {
        assert.equal(a.status, 200, a.text);
        const got = ordered(a.text);
        const probs = softmax(want[i]!);
        assert.equal(got.length, 10);
        for (let k = 1; k < got.length; k++) {
          assert.ok(got[k - 1]![1] >= got[k]![1], "highest first");
        }
        for (const [label, p] of got) {
          assert.ok(Math.abs(p - probs[Number(label)]!) < 1e-6, `digit ${i} label ${label}`);
        }
        if (Number(got[0]![0]) === pixels[i]!.label) correct++;
      });
      assert.ok(correct >= 36, `${correct}/40 correct`);
    });
  });
}

Deno.test("POST /predictions takes multipart data/file, JSON base64 and a version path", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar", { handler: digitHandler(false, 3) });
    await register(s, "digits.mar");
    const image = await png((await digit(3)).pixels);
    const raw = await predict(`${s.inferenceUrl}/predictions/digits`, image);
    assert.equal(raw.status, 200);
    assert.equal(ordered(raw.text).length, 3);
    for (const field of ["data", "file"]) {
      const form = new FormData();
      form.append(field, new Blob([image], { type: "image/png" }), "d.png");
      const r = await predict(`${s.inferenceUrl}/predictions/digits`, form);
      assert.equal(r.text, raw.text, field);
    }
    const b64 = btoa(String.fromCharCode(...image));
    const json = await predict(
      `${s.inferenceUrl}/predictions/digits/1.0`,
      JSON.stringify({ data: b64 }),
      {
        "content-type": "application/json",
      },
    );
    assert.equal(json.text, raw.text);
    const missing = await call(`${s.inferenceUrl}/predictions/digits/9.9`, {
      method: "POST",
      body: image,
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.type, "ModelVersionNotFoundException");
  });
});

Deno.test("POST /predictions resizes any image size and converts colour to the handler's mode", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar", { handler: digitHandler(false, 10) });
    await register(s, "digits.mar");
    const { pixels } = await digit(7);
    const big = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
      .resize(84, 84, { kernel: "nearest" }).toColourspace("b-w").raw().toBuffer();
    // 3× nearest-neighbour upscale then the server's downscale: close to the original.
    const gray = ordered(
      (await predict(`${s.inferenceUrl}/predictions/digits`, await png(pixels))).text,
    );
    const large = ordered(
      (await predict(
        `${s.inferenceUrl}/predictions/digits`,
        await png(new Uint8Array(big), 84, 84),
      )).text,
    );
    assert.equal(large[0]![0], gray[0]![0]);
    const rgb = new Uint8Array(784 * 3).map((_, i) => pixels[Math.floor(i / 3)]!);
    const colour = await predict(`${s.inferenceUrl}/predictions/digits`, await png(rgb, 28, 28, 3));
    assert.equal(colour.status, 200);
    assert.equal(ordered(colour.text)[0]![0], gray[0]![0]);
    // Transparent background with light strokes: flattened onto black (invert off).
    const rgba = new Uint8Array(784 * 4).map((_, i) => i % 4 === 3 ? pixels[i >> 2]! : 255);
    const alpha = await predict(`${s.inferenceUrl}/predictions/digits`, await png(rgba, 28, 28, 4));
    assert.equal(ordered(alpha.text)[0]![0], gray[0]![0]);
  });
});

Deno.test("POST /predictions refuses bad input with TorchServe's error body and stays up", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar");
    const url = `${s.inferenceUrl}/predictions/digits`;
    const image = await png((await digit(0)).pixels);
    const cases: [string, BodyInit | undefined, number, RegExp][] = [
      [
        "garbage",
        new TextEncoder().encode("this is not an image at all"),
        400,
        /Cannot decode image/,
      ],
      ["truncated", image.subarray(0, image.length >> 1), 400, /Cannot decode image/],
      ["empty", undefined, 400, /Empty request body/],
      ["over limit", new Uint8Array(7_000_000), 413, /max_request_size/],
    ];
    for (const [what, body, status, message] of cases) {
      const r = await call(url, { method: "POST", body });
      assert.equal(r.status, status, what);
      assert.equal(r.body.code, status, what);
      assert.match(String(r.body.message), message, what);
      assert.equal(typeof r.body.type, "string");
    }
    // A chunked body without Content-Length is cut off at the limit too.
    const stream = ReadableStream.from((function* () {
      for (let i = 0; i < 8; i++) yield new Uint8Array(1_000_000);
    })());
    const chunked = await call(url, { method: "POST", body: stream });
    assert.equal(chunked.status, 413);
    const unknown = await call(`${s.inferenceUrl}/predictions/no_such_model`, {
      method: "POST",
      body: image,
    });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, {
      code: 404,
      type: "ModelNotFoundException",
      message: 'Model not found: "no_such_model"',
    });
    const wrongMethod = await call(url);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.type, "MethodNotAllowedException");
    const nowhere = await call(`${s.inferenceUrl}/nowhere`);
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.body.type, "ResourceNotFoundException");
    const ok = await predict(url, image);
    assert.equal(ok.status, 200);
  });
});

Deno.test("GET|POST /ping answers Healthy and OPTIONS / describes the API", async () => {
  await withServer(async (s) => {
    for (const method of ["GET", "POST"]) {
      const r = await call(`${s.inferenceUrl}/ping`, { method });
      assert.deepEqual([r.status, r.body], [200, { status: "Healthy" }]);
    }
    const api = await call(`${s.inferenceUrl}/`, { method: "OPTIONS" });
    assert.equal(api.status, 200);
    assert.equal(api.body.openapi, "3.0.1");
    const paths = Object.keys(api.body.paths as object);
    for (const p of ["/ping", "/predictions/{model_name}", "/v2/models/{model_name}/infer"]) {
      assert.ok(paths.includes(p), p);
    }
  });
});
