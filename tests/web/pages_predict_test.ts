// The predict page and its endpoints through the app's fetch handler, with a
// real model server (in-process, loopback) serving the reference CNN.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, closedPorts, digitPng, fixtureApp, imageForm, makeAppDir } from "./_pages.ts";
import { makeArchive } from "../serve/_fixtures.ts";

const dir = await makeAppDir();
const app = await fixtureApp(dir, { start: true });
await app.services.server.client.register({ url: "digits.mar", initialWorkers: 1 });
globalThis.addEventListener("unload", async () => {
  await app.close();
  await Deno.remove(dir, { recursive: true });
});

function predict(body: BodyInit, query = "") {
  return app.fetch(new Request(`http://localhost/api/predict${query}`, { method: "POST", body }));
}

Deno.test("GET / offers the served models to the predict island, with advice off", async () => {
  const html = await new Client(app).page("/");
  assert.match(html, /<title>Predict · lifecycle<\/title>/);
  assert.match(html, /<option selected value="digits@">digits \(default: v1\.0\)<\/option>/);
  assert.match(html, /Advice is off: openai\.use is false in app_config\.yaml/);
  assert.doesNotMatch(html, /No model to predict with/);
});

Deno.test("POST /api/predict classifies uploaded MNIST digits and keeps each example", async () => {
  for (const i of [0, 1, 2]) {
    const { png, label } = await digitPng(i);
    const res = await predict(imageForm(png, `digit-${i}.png`, { model: "digits" }));
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.topK[0].label, label, `digit ${i}`);
    assert.equal(body.topK.length, 5);
    assert.ok(body.topK[0].probability > 0.5 && body.topK[0].probability <= 1);
    assert.deepEqual([body.model, body.version, body.filename], [
      "digits",
      "1.0",
      `digit-${i}.png`,
    ]);
    assert.equal(body.example.store, "local");
    const stored = await app.services.stores.local.get(body.example.id);
    assert.equal(stored?.predictedLabel, label);
    assert.deepEqual(await app.services.stores.local.readImage(body.example.id), {
      bytes: png,
      type: "image/png",
    });
  }
});

Deno.test("POST /api/predict takes raw image bytes and the first served model", async () => {
  const { png, label } = await digitPng(3);
  const res = await predict(png as BodyInit);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual([body.model, body.version, body.topK[0].label], ["digits", "1.0", label]);
});

Deno.test("POST /api/predict refuses a non-image, a corrupt image and an empty upload", async () => {
  const text = await predict(imageForm(new TextEncoder().encode("hello"), "notes.txt"));
  assert.equal(text.status, 415);
  assert.match(
    (await text.json()).error,
    /^Cannot predict "notes\.txt": it is not an image \(send PNG, JPEG/,
  );
  const { png } = await digitPng(0);
  const corrupt = await predict(imageForm(png.slice(0, 60), "cut.png"));
  assert.equal(corrupt.status, 400);
  assert.match((await corrupt.json()).error, /Cannot decode image/);
  const empty = await predict(imageForm(new Uint8Array(), "empty.png"));
  assert.equal(empty.status, 400);
  assert.match((await empty.json()).error, /it is empty/);
  const noFile = new FormData();
  noFile.set("model", "digits");
  const missing = await predict(noFile);
  assert.equal(missing.status, 400);
  assert.match((await missing.json()).error, /no file field "image"/);
});

Deno.test("POST /api/predict refuses an oversized upload with 413, declared or streamed", async () => {
  const small = await fixtureApp(dir, { web: { max_upload_bytes: 1000 } });
  try {
    const big = new Uint8Array(5000);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const declared = await small.fetch(
      new Request("http://localhost/api/predict", { method: "POST", body: big }),
    );
    assert.equal(declared.status, 413);
    assert.match((await declared.json()).error, /larger than 1000 bytes/);
    const streamed = await small.fetch(
      new Request("http://localhost/api/predict", {
        method: "POST",
        body: new Blob([big]).stream(),
      }),
    );
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();
  } finally {
    await small.close();
  }
});

Deno.test("POST /api/predict answers 404 for a model or version that is not served", async () => {
  const { png } = await digitPng(0);
  const res = await predict(imageForm(png, "d.png", { model: "nope" }));
  assert.equal(res.status, 404);
  assert.match(
    (await res.json()).error,
    /Model "nope" is not served: open the serving page \(\/admin\/serve\)/,
  );
  const v = await predict(imageForm(png, "d.png", { model: "digits", version: "9.9" }));
  assert.equal(v.status, 404);
  assert.match((await v.json()).error, /\/admin\/serve/);
});

Deno.test("with the server down, / shows a banner linking to the serving page and predict answers 503", async () => {
  const down = await fixtureApp(dir, { server: closedPorts() });
  try {
    const html = await new Client(down).page("/");
    assert.match(
      html,
      /class="banner banner-warn" role="alert"><strong>No model to predict with\.<\/strong>/,
    );
    assert.match(
      html,
      /The model server is not answering at http:\/\/127\.0\.0\.1:\d+: [^<]*Connection refused/,
    );
    assert.match(html, /<a href="\/admin\/serve">Open the serving page<\/a>/);
    const { png } = await digitPng(0);
    const res = await down.fetch(
      new Request("http://localhost/api/predict", {
        method: "POST",
        body: imageForm(png, "d.png"),
      }),
    );
    assert.equal(res.status, 503);
    assert.match(
      (await res.json()).error,
      /not answering.*open the serving page \(\/admin\/serve\)/,
    );
    const models = await down.fetch(new Request("http://localhost/api/models"));
    assert.equal(models.status, 503);
  } finally {
    await down.close();
  }
});

Deno.test("with a server but no model, / says so and predict answers 503", async () => {
  // Its own log folder: no snapshot of the other tests' registrations to restore.
  const empty = await fixtureApp(dir, {
    start: true,
    server: { logLocation: join(dir, "logs-empty") },
  });
  try {
    const html = await new Client(empty).page("/");
    assert.match(html, /The model server runs but serves no model yet/);
    const { png } = await digitPng(0);
    const res = await empty.fetch(
      new Request("http://localhost/api/predict", { method: "POST", body: png as BodyInit }),
    );
    assert.equal(res.status, 503);
    assert.match((await res.json()).error, /^No model is served: open the serving page/);
  } finally {
    await empty.close();
  }
});

Deno.test("GET /api/models lists models with all their versions", async () => {
  const res = await app.fetch(new Request("http://localhost/api/models"));
  const body = await res.json();
  assert.equal(body.models[0].name, "digits");
  assert.equal(body.models[0].versions[0].isDefault, true);
  assert.equal(body.models[0].versions[0].url, "digits.mar");
});

Deno.test("labels and file names with markup come back as data, never as markup", async () => {
  const bad = "<img src=x onerror=alert(1)>";
  await makeArchive(join(dir, "model_store"), "markup.mar", {
    name: "markup",
    version: "1",
  });
  // Rewrite the labels: the archive's classes carry markup.
  const { readArchive, writeArchive } = await import("../../lib/archive/mod.ts");
  const a = await readArchive(join(dir, "model_store", "markup.mar"));
  await writeArchive(join(dir, "model_store", "markup.mar"), {
    ...a,
    labels: a.labels.map((l) => `${bad}${l}`),
  });
  await app.services.server.client.register({ url: "markup.mar" });
  const { png, label } = await digitPng(0);
  const file = "<script>alert(1)</script>.png";
  const res = await predict(imageForm(png, file, { model: "markup" }));
  const body = await res.json();
  assert.equal(body.topK[0].label, `${bad}${label}`);
  assert.equal(body.filename, file);
  const html = await new Client(app).page("/");
  assert.doesNotMatch(html, /<img src=x/);
});
