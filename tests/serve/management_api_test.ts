import assert from "node:assert/strict";
import { join } from "node:path";
import { call, digit, makeArchive, png, register, withServer } from "./_fixtures.ts";

Deno.test("POST /models registers synchronously (200) or not (202); GET /models lists and pages", async () => {
  await withServer(async (s, store) => {
    assert.deepEqual((await call(`${s.managementUrl}/models`)).body, { models: [] });
    for (const name of ["a", "b", "c"]) await makeArchive(store, `${name}.mar`, { name });
    const sync = await call(
      `${s.managementUrl}/models?url=a.mar&initial_workers=1&synchronous=true`,
      { method: "POST" },
    );
    assert.deepEqual(sync, {
      status: 200,
      body: { status: 'Model "a" Version: 1.0 registered with 1 initial workers' },
    });
    const async = await call(`${s.managementUrl}/models?url=b.mar&initial_workers=1`, {
      method: "POST",
    });
    assert.deepEqual(async, { status: 202, body: { status: "Processing worker updates..." } });
    await register(s, "c.mar", "model_name=c_renamed&initial_workers=0");
    const page1 = await call(`${s.managementUrl}/models?limit=2`);
    assert.deepEqual(page1.body, {
      nextPageToken: "2",
      models: [{ modelName: "a", modelUrl: "a.mar" }, { modelName: "b", modelUrl: "b.mar" }],
    });
    const page2 = await call(`${s.managementUrl}/models?limit=2&next_page_token=2`);
    assert.deepEqual(page2.body, { models: [{ modelName: "c_renamed", modelUrl: "c.mar" }] });
    const badLimit = await call(`${s.managementUrl}/models?limit=0`);
    assert.equal(badLimit.status, 400);
  });
});

Deno.test("GET /models/{m}[/all|/{v}] describes versions as TorchServe's describe API", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "d1.mar", { version: "1.0" });
    await makeArchive(store, "d2.mar", { version: "2.0" });
    await register(
      s,
      "d1.mar",
      "batch_size=4&max_batch_delay=7&initial_workers=1&response_timeout=30",
    );
    await register(s, "d2.mar", "initial_workers=1");
    const { status, body } = await call(`${s.managementUrl}/models/digits`);
    assert.equal(status, 200);
    assert.equal(body.length, 1);
    const d = body[0] as Record<string, unknown>;
    assert.equal(d.modelName, "digits");
    assert.equal(d.modelVersion, "1.0", "the first registered version stays default");
    assert.equal(d.modelUrl, "d1.mar");
    assert.equal(d.batchSize, 4);
    assert.equal(d.maxBatchDelay, 7);
    assert.equal(d.responseTimeout, 30);
    assert.equal(d.minWorkers, 1);
    assert.equal(d.maxWorkers, 1);
    assert.equal(d.loadedAtStartup, false);
    assert.deepEqual(d.jobQueueStatus, { remainingCapacity: 100, pendingRequests: 0 });
    const [w] = d.workers as Record<string, unknown>[];
    assert.equal(w!.status, "READY");
    assert.equal(w!.pid, Deno.pid);
    assert.equal(w!.gpu, false);
    assert.ok(Number(w!.memoryUsage) > 0);
    assert.ok(!Number.isNaN(Date.parse(String(w!.startTime))));
    const all = await call(`${s.managementUrl}/models/digits/all`);
    assert.deepEqual(all.body.map((m: { modelVersion: string }) => m.modelVersion), ["1.0", "2.0"]);
    const v2 = await call(`${s.managementUrl}/models/digits/2.0`);
    assert.equal(v2.body[0].modelVersion, "2.0");
    assert.equal(v2.body[0].isDefault, false);
    const custom = await call(`${s.managementUrl}/models/digits?customized=true`);
    assert.deepEqual(JSON.parse(custom.body[0].customizedMetadata), { accuracy: 0.9475 });
    assert.equal((await call(`${s.managementUrl}/models/nope`)).status, 404);
    const noVersion = await call(`${s.managementUrl}/models/digits/3.0`);
    assert.equal(noVersion.status, 404);
    assert.equal(noVersion.body.type, "ModelVersionNotFoundException");
  });
});

Deno.test("PUT /models/{m} scales workers; bad counts are 400", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await register(s, "digits.mar");
    const up = await call(`${s.managementUrl}/models/digits?min_worker=3&synchronous=true`, {
      method: "PUT",
    });
    assert.deepEqual(up, {
      status: 200,
      body: { status: "Workers scaled to 3 for model: digits" },
    });
    let d = (await call(`${s.managementUrl}/models/digits`)).body[0];
    assert.equal(d.workers.length, 3);
    assert.deepEqual([d.minWorkers, d.maxWorkers], [3, 3]);
    const down = await call(
      `${s.managementUrl}/models/digits/1.0?min_worker=1&max_worker=2&synchronous=true`,
      { method: "PUT" },
    );
    assert.equal(down.body.status, "Workers scaled to 1 for model: digits, version: 1.0");
    d = (await call(`${s.managementUrl}/models/digits`)).body[0];
    assert.equal(d.workers.length, 2, "kept up to max_worker");
    assert.deepEqual([d.minWorkers, d.maxWorkers], [1, 2]);
    const async = await call(`${s.managementUrl}/models/digits?min_worker=1`, { method: "PUT" });
    assert.deepEqual(async, { status: 202, body: { status: "Processing worker updates..." } });
    for (
      const q of ["min_worker=-1", "min_worker=2&max_worker=1", "min_worker=x", "max_worker=-3"]
    ) {
      const r = await call(`${s.managementUrl}/models/digits?${q}`, { method: "PUT" });
      assert.equal(r.status, 400, q);
      assert.equal(r.body.type, "BadRequestException");
    }
    const missing = await call(`${s.managementUrl}/models/nope?min_worker=1`, { method: "PUT" });
    assert.equal(missing.status, 404);
  });
});

Deno.test("set-default switches the default version; DELETE removes versions", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "d1.mar", { version: "1.0" });
    await makeArchive(store, "d2.mar", { version: "2.0" });
    await register(s, "d1.mar");
    await register(s, "d2.mar");
    const set = await call(`${s.managementUrl}/models/digits/2.0/set-default`, { method: "PUT" });
    assert.deepEqual(set, {
      status: 200,
      body: { status: 'Default version successfully updated for model "digits" to "2.0"' },
    });
    assert.equal((await call(`${s.managementUrl}/models/digits`)).body[0].modelVersion, "2.0");
    const image = await png((await digit(0)).pixels);
    const v1 = await fetch(`${s.inferenceUrl}/predictions/digits/1.0`, {
      method: "POST",
      body: image,
    });
    assert.equal(v1.status, 200);
    await v1.body?.cancel();
    const busyDefault = await call(`${s.managementUrl}/models/digits`, { method: "DELETE" });
    assert.equal(busyDefault.status, 400, "the default cannot go while another version remains");
    const del1 = await call(`${s.managementUrl}/models/digits/1.0`, { method: "DELETE" });
    assert.deepEqual(del1, { status: 200, body: { status: 'Model "digits" unregistered' } });
    assert.equal((await call(`${s.managementUrl}/models/digits/1.0`)).status, 404);
    const del2 = await call(`${s.managementUrl}/models/digits`, { method: "DELETE" });
    assert.equal(del2.status, 200);
    assert.equal((await call(`${s.managementUrl}/models/digits`)).status, 404);
    const again = await call(`${s.managementUrl}/models/digits/2.0/set-default`, { method: "PUT" });
    assert.equal(again.status, 404);
  });
});

Deno.test("POST /models refuses missing files, duplicates, traversal, bad archives and parameters", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    await Deno.writeTextFile(join(store, "broken.mar"), "not a zip");
    await register(s, "digits.mar");
    const outside = await Deno.makeTempFile({ suffix: ".mar" });
    const cases: [string, number, string, RegExp][] = [
      [
        "url=missing.mar",
        404,
        "ModelNotFoundException",
        /not found in the model store: "missing.mar"/,
      ],
      [
        "url=digits.mar",
        409,
        "ConflictStatusException",
        /1.0 is already registered for model digits/,
      ],
      ["url=../digits.mar", 400, "BadRequestException", /Refused archive path "..\/digits.mar"/],
      [`url=${encodeURIComponent(outside)}`, 400, "BadRequestException", /Refused archive path/],
      [`url=${encodeURIComponent(`file://${outside}`)}`, 400, "BadRequestException", /Refused/],
      ["url=sub%2Fdigits.mar", 400, "BadRequestException", /inside the model store/],
      ["url=broken.mar", 400, "BadRequestException", /Invalid model archive: broken.mar/],
      ["url=", 400, "BadRequestException", /"url" is required/],
      ["url=digits.mar&model_name=bad%20name", 400, "BadRequestException", /Invalid model name/],
      ["url=digits.mar&model_name=x&batch_size=0", 400, "BadRequestException", /batch_size "0"/],
      [
        "url=digits.mar&model_name=x&initial_workers=-1",
        400,
        "BadRequestException",
        /initial_workers/,
      ],
      [
        "url=digits.mar&model_name=x&response_timeout=abc",
        400,
        "BadRequestException",
        /response_timeout/,
      ],
      ["url=digits.mar&model_name=x&synchronous=maybe", 400, "BadRequestException", /synchronous/],
      [
        "url=digits.mar&model_name=x&handler=my.py",
        400,
        "BadRequestException",
        /"handler" is not supported/,
      ],
      ["url=ftp://host/x.mar", 403, "ForbiddenException", /only http\(s\) URLs/],
    ];
    for (const [q, status, type, message] of cases) {
      const r = await call(`${s.managementUrl}/models?${q}`, { method: "POST" });
      assert.equal(r.status, status, q);
      assert.equal(r.body.type, type, q);
      assert.match(String(r.body.message), message, q);
    }
    await Deno.remove(outside);
    const list = await call(`${s.managementUrl}/models`);
    assert.deepEqual(list.body.models, [{ modelName: "digits", modelUrl: "digits.mar" }]);
  });
});

/** A loopback file server for download tests; returns its base URL and a close function. */
function fileServer(files: Record<string, Uint8Array>, redirects: Record<string, string> = {}) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (redirects[path]) return Response.redirect(redirects[path], 302);
    const body = files[path];
    return body
      ? new Response(body as Uint8Array<ArrayBuffer>)
      : new Response("no", { status: 404 });
  });
  return { base: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("POST /models with a URL: refused unless allowed and public; downloads when allowed", async () => {
  const src = await Deno.makeTempDir();
  await makeArchive(src, "remote.mar", { name: "remote" });
  const files = { "/m/remote.mar": await Deno.readFile(join(src, "remote.mar")) };
  const redirects = { "/m/elsewhere.mar": "https://example.com/elsewhere.mar" };
  const fs = fileServer(files, redirects);
  const allowed = [`http://127\\.0\\.0\\.1:\\d+/m/.*`, "http://169\\.254\\.169\\.254/.*"];
  try {
    await withServer(async (s) => {
      const refused = await call(
        `${s.managementUrl}/models?url=${encodeURIComponent(`${fs.base}/m/remote.mar`)}`,
        { method: "POST" },
      );
      assert.equal(refused.status, 403);
      assert.match(refused.body.message, /resolves to non-public address 127.0.0.1/);
      const metadata = await call(
        `${s.managementUrl}/models?url=${encodeURIComponent("http://169.254.169.254/x.mar")}`,
        { method: "POST" },
      );
      assert.equal(metadata.status, 403);
      const other = await call(
        `${s.managementUrl}/models?url=${encodeURIComponent("https://example.com/x.mar")}`,
        { method: "POST" },
      );
      assert.equal(other.status, 403);
      assert.match(other.body.message, /matches none of allowed_urls/);
    }, { allowedUrls: allowed });
    await withServer(async (s, store) => {
      const url = encodeURIComponent(`${fs.base}/m/remote.mar`);
      const ok = await call(
        `${s.managementUrl}/models?url=${url}&initial_workers=1&synchronous=true`,
        {
          method: "POST",
        },
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok((await Deno.stat(join(store, "remote.mar"))).isFile, "downloaded into the store");
      const list = await call(`${s.managementUrl}/models`);
      assert.equal(list.body.models[0].modelUrl, `${fs.base}/m/remote.mar`);
      const dup = await call(`${s.managementUrl}/models?url=${url}&model_name=again`, {
        method: "POST",
      });
      assert.equal(dup.status, 409, "an archive of that name is already in the store");
      const missing = await call(
        `${s.managementUrl}/models?url=${encodeURIComponent(`${fs.base}/m/none.mar`)}`,
        { method: "POST" },
      );
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /HTTP 404/);
      const redirected = await call(
        `${s.managementUrl}/models?url=${encodeURIComponent(`${fs.base}/m/elsewhere.mar`)}`,
        { method: "POST" },
      );
      assert.equal(redirected.status, 403, "each redirect hop is checked again");
      assert.match(redirected.body.message, /example.com\/elsewhere.mar/);
    }, { allowedUrls: allowed, allowPrivateUrls: true });
  } finally {
    await fs.close();
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("POST /models synchronous: workers that cannot start answer 500 and leave nothing", async () => {
  await withServer(async (s, store) => {
    await makeArchive(store, "digits.mar");
    const r = await call(
      `${s.managementUrl}/models?url=digits.mar&initial_workers=1&synchronous=true&startup_timeout=0.001`,
      { method: "POST" },
    );
    assert.equal(r.status, 500);
    assert.match(r.body.message, /Workers of "digits" failed to start: .*startup_timeout/);
    assert.deepEqual((await call(`${s.managementUrl}/models`)).body.models, []);
    await register(s, "digits.mar");
    assert.equal((await call(`${s.managementUrl}/models/digits`)).body[0].workers.length, 1);
  });
});

Deno.test("management OPTIONS / describes the API; unknown routes are 404/405", async () => {
  await withServer(async (s) => {
    const api = await call(`${s.managementUrl}/`, { method: "OPTIONS" });
    assert.equal(api.body.openapi, "3.0.1");
    assert.ok(
      Object.keys(api.body.paths).includes("/models/{model_name}/{model_version}/set-default"),
    );
    assert.equal((await call(`${s.managementUrl}/models`, { method: "PATCH" })).status, 405);
    assert.equal((await call(`${s.managementUrl}/other`)).status, 404);
  });
});
