import assert from "node:assert/strict";
import { join } from "node:path";
import { type KeyFile, startServer } from "../../lib/serve/mod.ts";
import { call, digit, makeArchive, png, register, withServer } from "./_fixtures.ts";

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

Deno.test("token authorization: inference and management keys from the key file", async () => {
  const dir = await Deno.makeTempDir();
  const keyFile = join(dir, "key_file.json");
  try {
    await withServer(async (s, store) => {
      const keys = JSON.parse(await Deno.readTextFile(keyFile)) as KeyFile;
      assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
      const { inference, management, API } = { ...keys, API: keys.API.key };
      await makeArchive(store, "digits.mar");
      const reg = `${s.managementUrl}/models?url=digits.mar&initial_workers=1&synchronous=true`;
      const denied = await call(reg, { method: "POST" });
      assert.equal(denied.status, 401);
      assert.equal(denied.body.type, "InvalidKeyException");
      const wrongKind = await call(reg, { method: "POST", headers: bearer(inference.key) });
      assert.equal(wrongKind.status, 401);
      assert.equal(
        (await call(reg, { method: "POST", headers: bearer(management.key) })).status,
        200,
      );
      const image = await png((await digit(0)).pixels);
      const url = `${s.inferenceUrl}/predictions/digits`;
      assert.equal((await call(url, { method: "POST", body: image })).status, 401);
      assert.equal(
        (await call(url, { method: "POST", body: image, headers: bearer(management.key) })).status,
        401,
      );
      assert.equal(
        (await call(url, { method: "POST", body: image, headers: bearer(inference.key) })).status,
        200,
      );
      assert.equal(
        (await call(`${s.inferenceUrl}/ping`)).status,
        401,
        "every inference route needs the key",
      );
      const metrics = await fetch(`${s.metricsUrl}/metrics`);
      assert.equal(metrics.status, 200, "metrics need no key, as TorchServe's");
      await metrics.body?.cancel();
      // Renewal needs the API key and replaces the old key.
      const noApi = await call(`${s.managementUrl}/token?type=inference`, {
        headers: bearer(management.key),
      });
      assert.equal(noApi.status, 401);
      const renewed = await call(`${s.managementUrl}/token?type=inference`, {
        headers: bearer(API),
      });
      assert.equal(renewed.status, 200);
      const fresh = renewed.body.inference.key as string;
      assert.notEqual(fresh, inference.key);
      assert.equal(JSON.parse(await Deno.readTextFile(keyFile)).inference.key, fresh);
      assert.equal(
        (await call(url, { method: "POST", body: image, headers: bearer(inference.key) })).status,
        401,
      );
      assert.equal(
        (await call(url, { method: "POST", body: image, headers: bearer(fresh) })).status,
        200,
      );
      const badType = await call(`${s.managementUrl}/token?type=API`, { headers: bearer(API) });
      assert.equal(badType.status, 400);
    }, { disableTokenAuthorization: false, keyFile });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("token authorization: an expired key is refused", async () => {
  const dir = await Deno.makeTempDir();
  const keyFile = join(dir, "keys.json");
  const past = new Date(Date.now() - 60_000).toISOString();
  const future = new Date(Date.now() + 60_000).toISOString();
  await Deno.writeTextFile(
    keyFile,
    JSON.stringify({
      management: { key: "management-key-1", "expiration time": past },
      inference: { key: "inference-key-1", "expiration time": future },
      API: { key: "api-key-0001" },
    }),
  );
  try {
    await withServer(async (s) => {
      assert.equal(
        (await call(`${s.managementUrl}/models`, { headers: bearer("management-key-1") })).status,
        401,
      );
      assert.equal(
        (await call(`${s.inferenceUrl}/ping`, { headers: bearer("inference-key-1") })).status,
        200,
      );
    }, { disableTokenAuthorization: false, keyFile });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startServer() refuses a management API off loopback without token authorization", async () => {
  await assert.rejects(
    startServer({
      inferenceAddress: "http://127.0.0.1:0",
      managementAddress: "http://0.0.0.0:0",
      metricsAddress: "http://127.0.0.1:0",
    }),
    /Refusing management_address "http:\/\/0.0.0.0:0": .* needs token authorization/,
  );
});

Deno.test("registered models, default version and scaling survive a restart (snapshot)", async () => {
  const store = await Deno.makeTempDir();
  const logs = await Deno.makeTempDir();
  const snapshotFile = join(logs, "config", "snapshot.json");
  const options = { modelStore: store, snapshotFile, logLocation: logs };
  try {
    await makeArchive(store, "d1.mar", { version: "1.0" });
    await makeArchive(store, "d2.mar", { version: "2.0" });
    await withServer(async (s) => {
      await register(s, "d1.mar", "initial_workers=1&batch_size=4&max_batch_delay=9");
      await register(s, "d2.mar", "initial_workers=1");
      await fetch(
        `${s.managementUrl}/models/digits/2.0?min_worker=2&max_worker=3&synchronous=true`,
        {
          method: "PUT",
        },
      ).then((r) => r.body?.cancel());
      await fetch(`${s.managementUrl}/models/digits/2.0/set-default`, { method: "PUT" })
        .then((r) => r.body?.cancel());
    }, options);
    const snap = JSON.parse(await Deno.readTextFile(snapshotFile));
    assert.equal(snap.modelCount, 1);
    assert.equal(snap.models.digits["2.0"].defaultVersion, true);
    assert.equal(
      [...Deno.readDirSync(join(logs, "config"))].length,
      1,
      "written atomically: no temporary files left",
    );
    await withServer(async (s) => {
      const all = await call(`${s.managementUrl}/models/digits/all`);
      const byVersion = Object.fromEntries(
        all.body.map((d: Record<string, unknown>) => [d.modelVersion, d]),
      );
      assert.equal(byVersion["1.0"].batchSize, 4);
      assert.equal(byVersion["1.0"].maxBatchDelay, 9);
      assert.deepEqual([byVersion["2.0"].minWorkers, byVersion["2.0"].maxWorkers], [2, 3]);
      assert.equal(byVersion["2.0"].workers.length, 2);
      assert.equal((await call(`${s.managementUrl}/models/digits`)).body[0].modelVersion, "2.0");
      assert.equal(byVersion["2.0"].loadedAtStartup, true);
      const image = await png((await digit(9)).pixels);
      assert.equal(
        (await call(`${s.inferenceUrl}/predictions/digits`, { method: "POST", body: image }))
          .status,
        200,
      );
      // The access and model logs are JSON lines.
      await s.close();
      const access = (await Deno.readTextFile(join(logs, "access_log.jsonl"))).trim().split("\n");
      const last = JSON.parse(access.at(-1)!);
      assert.equal(last.path, "/predictions/digits");
      assert.equal(last.status, 200);
      const model = (await Deno.readTextFile(join(logs, "model_log.jsonl"))).trim().split("\n").map(
        (l) => JSON.parse(l),
      );
      assert.ok(model.some((e) => e.event === "model_registered" && e.version === "2.0"));
    }, options);
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(logs, { recursive: true });
  }
});
