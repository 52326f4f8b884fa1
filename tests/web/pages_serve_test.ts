// The serving page: start/stop, register, scale, default version, unregister,
// the model store's archives and live figures, against a real in-process server.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, digitPng, fixtureApp, imageForm, makeAppDir } from "./_pages.ts";
import { makeArchive } from "../serve/_fixtures.ts";

const dir = await makeAppDir();
const app = await fixtureApp(dir);
globalThis.addEventListener("unload", async () => {
  await app.close();
  await Deno.remove(dir, { recursive: true });
});
const admin = new Client(app);
await admin.login();

/** Posts an action with the admin's token; returns the flash text shown after the redirect. */
async function act(
  fields: Record<string, string>,
): Promise<{ ok: boolean; text: string; html: string }> {
  const res = await admin.post("/admin/serve", fields, await admin.csrf("/admin/serve"));
  assert.equal(res.status, 303, await res.text());
  assert.equal(res.headers.get("location"), "/admin/serve");
  const html = await admin.page("/admin/serve");
  const m =
    /class="banner banner-(ok|error)" role="(?:status|alert)"><span class="flash-text">(.*?)<\/span>/
      .exec(html);
  assert.ok(m, "the page shows the action's outcome");
  return { ok: m[1] === "ok", text: unescape(m[2]!), html };
}

function unescape(text: string): string {
  const named: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">" };
  return text.replace(
    /&(quot|amp|lt|gt|#(\d+));/g,
    (_, n, code) => named[n] ?? String.fromCharCode(Number(code)),
  );
}

async function describe(name: string) {
  return await app.services.server.client.describe(name);
}

Deno.test("the serving page shows a stopped server and the model store's archives", async () => {
  const html = await admin.page("/admin/serve");
  assert.match(html, /<span id="server-state" class="pill pill-off">Stopped<\/span>/);
  assert.match(html, /<button type="submit" name="mode" value="in-process" id="server-start">/);
  assert.match(
    html,
    /<td><code>digits\.mar<\/code><\/td><td>digits<\/td><td>1\.0<\/td><td>0\.9475<\/td>/,
  );
  assert.match(html, /<option value="digits\.mar">digits\.mar<\/option>/);
  assert.match(html, /Start the server to see and change its models/);
  assert.equal(res(html, 'name="_csrf"').length >= 3, true, "every form carries the CSRF token");
});

function res(html: string, needle: string): string[] {
  return html.split(needle).slice(1);
}

Deno.test("start, register, predict, scale, second version, default, unregister, stop", async () => {
  let r = await act({ action: "start", mode: "in-process" });
  assert.equal(r.ok, true, r.text);
  assert.match(
    r.text,
    /^Model server started in the app's process at http:\/\/127\.0\.0\.1:\d+$/,
  );
  assert.match(
    r.html,
    /pill pill-ok">Running<\/span> <span class="muted">in the app(&#39;|')s process/,
  );
  assert.match(r.html, /No model is registered/);

  r = await act({
    action: "register",
    archive: "digits.mar",
    model_name: "mnist",
    batch_size: "2",
    max_batch_delay: "10",
    initial_workers: "1",
    response_timeout: "30",
  });
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /Model "mnist" Version: 1\.0 registered with 1 initial workers/);
  assert.match(
    r.html,
    /<tr data-model="mnist" data-version="1\.0"><td><strong>1\.0<\/strong> <span class="pill pill-ok">default<\/span>/,
  );
  assert.match(r.html, /<td>2 \/ 10 ms \/ 30 s<\/td>/);
  assert.match(r.html, /<td><code>digits\.mar<\/code><\/td><td class="num">0\.9475<\/td>/);
  let v = (await describe("mnist")).versions[0]!;
  assert.deepEqual([v.batchSize, v.maxBatchDelay, v.responseTimeout], [2, 10, 30]);

  const { png, label } = await digitPng(7);
  const p = await app.fetch(
    new Request("http://localhost/api/predict", {
      method: "POST",
      body: imageForm(png, "seven.png", { model: "mnist" }),
    }),
  );
  assert.equal((await p.json()).topK[0].label, label);
  const metrics = await admin.fetch("/api/admin/metrics");
  const figures = await metrics.json();
  const row = figures.models.find((m: { model: string }) => m.model === "mnist");
  assert.equal(row.requests, 1);
  assert.ok(row.meanLatencyMs > 0);
  assert.equal(row.workers, 1);

  r = await act({
    action: "scale",
    model: "mnist",
    version: "1.0",
    min_worker: "2",
    max_worker: "3",
  });
  assert.equal(r.ok, true, r.text);
  v = (await describe("mnist")).versions[0]!;
  assert.deepEqual([v.minWorkers, v.maxWorkers, v.workers.length], [2, 3, 2]);
  assert.match(r.html, /2 ready · min 2 · max 3/);

  const bad = await act({
    action: "scale",
    model: "mnist",
    version: "1.0",
    min_worker: "3",
    max_worker: "1",
  });
  assert.deepEqual([bad.ok, bad.text], [false, "Invalid workers: max 1 is below min 3"]);

  // A second version from a path outside the model store: copied in, then registered.
  const outside = await Deno.makeTempDir();
  await makeArchive(outside, "digits_v2.mar", { name: "mnist", version: "2.0" });
  r = await act({ action: "register", path: join(outside, "digits_v2.mar"), initial_workers: "1" });
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /copied ".*digits_v2\.mar" into the model store/);
  assert.ok(await Deno.stat(join(dir, "model_store", "digits_v2.mar")));
  assert.equal((await describe("mnist")).defaultVersion, "1.0");

  r = await act({ action: "set_default", model: "mnist", version: "2.0" });
  assert.equal(r.ok, true, r.text);
  assert.equal((await describe("mnist")).defaultVersion, "2.0");

  r = await act({ action: "unregister", model: "mnist", version: "1.0" });
  assert.equal(r.ok, true, r.text);
  assert.deepEqual((await describe("mnist")).versions.map((x) => x.version), ["2.0"]);
  assert.doesNotMatch(r.html, /data-version="1\.0"/);

  r = await act({ action: "stop" });
  assert.deepEqual([r.ok, r.text], [true, "Model server stopped"]);
  assert.match(r.html, />Stopped</);
  await Deno.remove(outside, { recursive: true });
});

Deno.test("a candidate version is shown beside the default and promoted only when not worse", async () => {
  const store = join(dir, "model_store");
  const figures = (accuracy: number) => ({
    accuracy,
    latency_ms: { avg: 0.05, p50: 0.04 },
    size_bytes: 430_000,
    optimization: "int8_static",
  });
  await makeArchive(store, "cand_v1.mar", { name: "cand", version: "1.0", metrics: figures(0.95) });
  await makeArchive(store, "cand_v2.mar", { name: "cand", version: "2.0", metrics: figures(0.9) });
  await makeArchive(store, "cand_v3.mar", { name: "cand", version: "3.0", metrics: figures(0.95) });
  await act({ action: "start", mode: "in-process" });
  try {
    for (const v of [1, 2]) {
      const r = await act({ action: "register", archive: `cand_v${v}.mar`, initial_workers: "1" });
      assert.equal(r.ok, true, r.text);
    }
    let html = await admin.page("/admin/serve");
    const block = html.slice(html.indexOf('data-candidate="cand/2.0"'));
    assert.match(block, /<th>Default 1\.0<\/th><th>Candidate 2\.0<\/th>/);
    assert.match(
      block,
      /<td>Accuracy<\/td><td class="num">95\.00%<\/td><td class="num">90\.00%<\/td>/,
    );
    assert.match(block, /<td>Latency p50<\/td><td class="num">0\.0400 ms<\/td>/);
    assert.match(block, /<td>Size<\/td><td class="num">0\.430 MB<\/td>/);
    assert.match(
      block,
      /Policy keeps it a candidate: accuracy 0\.9 is below the default(&#39;|')s 0\.95/,
    );
    assert.doesNotMatch(html, /value="set_default"/, "defaults change through Promote");

    let r = await act({ action: "promote", model: "cand", version: "2.0" });
    assert.equal(r.ok, false);
    assert.match(
      r.text,
      /version 2\.0 stays a candidate, the default stays 1\.0: accuracy 0\.9 is below/,
    );
    assert.equal((await describe("cand")).defaultVersion, "1.0");

    r = await act({ action: "promote", model: "cand", version: "2.0", force: "1" });
    assert.equal(r.ok, true, r.text);
    assert.match(
      r.text,
      /version 2\.0 is the default now \(was 1\.0\): forced although accuracy 0\.9/,
    );
    assert.equal((await describe("cand")).defaultVersion, "2.0");

    r = await act({ action: "register", archive: "cand_v3.mar", initial_workers: "1" });
    html = r.html;
    assert.match(html, /Policy allows promotion: accuracy 0\.95 >= the default(&#39;|')s 0\.9/);
    r = await act({ action: "promote", model: "cand", version: "3.0" });
    assert.equal(r.ok, true, r.text);
    assert.equal((await describe("cand")).defaultVersion, "3.0");
    r = await act({ action: "promote", model: "cand", version: "9.0" });
    assert.deepEqual([r.ok, r.text], [
      false,
      'Model "cand" has no version "9.0" (registered: 1.0, 2.0, 3.0)',
    ]);
  } finally {
    await act({ action: "stop" });
  }
});

Deno.test("failed actions come back as a message on the page, the server's own words", async () => {
  let r = await act({ action: "register", archive: "digits.mar" });
  assert.equal(r.ok, false);
  assert.match(r.text, /^The model server is not answering at http:\/\/127\.0\.0\.1:\d+/);
  r = await act({ action: "stop" });
  assert.equal(r.ok, false);
  assert.match(r.text, /^No model server started by the app or found in/);
  await act({ action: "start", mode: "in-process" });
  try {
    r = await act({ action: "register", archive: "nothing.mar" });
    assert.equal(r.ok, false);
    assert.match(r.text, /nothing\.mar/);
    r = await act({ action: "register", archive: "", path: "" });
    assert.deepEqual([r.ok, r.text], [
      false,
      "Choose an archive of the model store or give a path",
    ]);
    r = await act({ action: "register", archive: "digits.mar", batch_size: "0" });
    assert.deepEqual([r.ok, r.text], [
      false,
      'Invalid batch_size "0": expected a whole number ≥ 1',
    ]);
    r = await act({ action: "start", mode: "in-process" });
    assert.equal(r.ok, false);
    assert.match(r.text, /^A model server already answers at/);
  } finally {
    await act({ action: "stop" });
  }
  const unknown = await admin.post(
    "/admin/serve",
    { action: "explode" },
    await admin.csrf("/admin/serve"),
  );
  assert.equal(unknown.status, 400);
  await unknown.body?.cancel();
});

Deno.test("archive file names with markup are listed as text", async () => {
  const name = "<img src=x onerror=alert(1)>.mar";
  await Deno.writeTextFile(join(dir, "model_store", name), "not a zip");
  try {
    const html = await admin.page("/admin/serve");
    assert.match(
      html,
      /<td><code>&lt;img src=x onerror=alert\(1\)>\.mar<\/code><\/td><td><span class="error-text">/,
    );
    assert.doesNotMatch(html, /<img src=x/);
  } finally {
    await Deno.remove(join(dir, "model_store", name));
  }
});

Deno.test("live figures answer 503 when the server is down", async () => {
  const res = await admin.fetch("/api/admin/metrics");
  assert.equal(res.status, 503);
  assert.match((await res.json()).error, /not answering/);
});

Deno.test("the serving page starts the serve command in the background and stops it", async () => {
  let r = await act({ action: "start", mode: "background" });
  try {
    assert.equal(r.ok, true, r.text);
    assert.match(
      r.text,
      /^Model server started in the background \(pid (\d+)\) at http:\/\/127\.0\.0\.1:\d+$/,
    );
    assert.match(
      r.html,
      /pill pill-ok">Running<\/span> <span class="muted">in the background \(pid \d+\)/,
    );
    const status = await app.services.server.status();
    assert.deepEqual([status.up, status.mode], [true, "background"]);
  } finally {
    r = await act({ action: "stop" });
  }
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /^Background model server stopped \(pid \d+\)$/);
  assert.equal((await app.services.server.status()).up, false);
});
