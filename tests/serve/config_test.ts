import assert from "node:assert/strict";
import { join } from "node:path";
import { loadServerConfig, readAppConfig, readTsConfig } from "../../lib/serve/mod.ts";
import { isPrivateAddress } from "../../lib/serve/_ip.ts";
import { ROOT_DIR } from "../_shared.ts";

Deno.test("readAppConfig() reads the server: section of the repository's app_config.yaml", async () => {
  const c = await readAppConfig(join(ROOT_DIR, "app_config.yaml"));
  assert.equal(c.inferenceAddress, "http://127.0.0.1:8080");
  assert.equal(c.managementAddress, "http://127.0.0.1:8081");
  assert.equal(c.modelStore, "model_store");
  assert.equal(c.batchSize, 8);
  assert.equal(c.maxBatchDelay, 5);
  assert.deepEqual(c.allowedUrls, []);
});

Deno.test("readAppConfig() names unknown keys and wrong kinds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "app.yaml");
    await Deno.writeTextFile(file, "server:\n  batch_sise: 4\n");
    await assert.rejects(readAppConfig(file), /Unknown key "batch_sise" in .*app.yaml \(server:\)/);
    await Deno.writeTextFile(file, "server:\n  batch_size: many\n");
    await assert.rejects(
      readAppConfig(file),
      /Invalid "batch_size" .*: expected a number, got "many"/,
    );
    await Deno.writeTextFile(file, "server: [1\n");
    await assert.rejects(readAppConfig(file), SyntaxError);
    await Deno.writeTextFile(file, "web:\n  address: x\n");
    assert.deepEqual(await readAppConfig(file), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTsConfig() reads a TorchServe config.properties and skips JVM-only keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "config.properties");
    await Deno.writeTextFile(
      file,
      "# TorchServe\ninference_address=http://127.0.0.1:9080\nvmargs=-Xmx4g\n" +
        "load_models=a=a.mar,b.mar\njob_queue_size = 7\ndisable_token_authorization=false\n",
    );
    const c = await readTsConfig(file);
    assert.deepEqual(c, {
      inferenceAddress: "http://127.0.0.1:9080",
      models: ["a=a.mar", "b.mar"],
      jobQueueSize: 7,
      disableTokenAuthorization: false,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadServerConfig(): files, then flags; logs, snapshot and pid file under log_location", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const yaml = join(dir, "app.yaml");
    const props = join(dir, "config.properties");
    await Deno.writeTextFile(
      yaml,
      "server:\n  batch_size: 4\n  job_queue_size: 9\n  log_location: L\n",
    );
    await Deno.writeTextFile(props, "job_queue_size=11\n");
    const c = await loadServerConfig({
      config: yaml,
      tsConfig: props,
      overrides: { batchSize: 2 },
    });
    assert.deepEqual([c.batchSize, c.jobQueueSize], [2, 11]);
    assert.equal(c.snapshotFile, "L/config/snapshot.json");
    assert.equal(c.pidFile, "L/model_server.pid");
    const ncs = await loadServerConfig({ config: yaml, snapshots: false });
    assert.equal(ncs.snapshotFile, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isPrivateAddress() covers loopback, private, link-local and mapped addresses", () => {
  const blocked = [
    "127.0.0.1",
    "10.1.2.3",
    "172.31.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::5",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::a9fe:a9fe",
    "not an ip",
  ];
  for (const ip of blocked) assert.equal(isPrivateAddress(ip), true, ip);
  for (
    const ip of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"]
  ) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});
