import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createManifest,
  listStore,
  planArchive,
  runArchiveIdentity,
  writeArchive,
} from "../../lib/archive/mod.ts";

async function put(store: string, file: string, name: string, version: string) {
  await writeArchive(join(store, file), {
    manifest: createManifest(name, { modelVersion: version }),
    model: new Uint8Array([1]),
    labels: ["a"],
    handler: { handler: "tensor", input: { name: "x", dims: ["N", 1] }, output: { name: "y" } },
  });
}

Deno.test("planArchive() starts at 1.0 and takes the next major version of the same model name", async () => {
  const store = await Deno.makeTempDir();
  try {
    const id = runArchiveIdentity({
      model: "cnn",
      experiment: "default",
      run: "run_2026-01-01_10-00-00",
      opt: "int8_dynamic",
    });
    assert.deepEqual(id, {
      modelName: "cnn_int8_dynamic",
      stem: "cnn_default_run_2026-01-01_10-00-00_int8_dynamic",
    });
    const first = await planArchive(store, id);
    assert.equal(first.modelVersion, "1.0");
    assert.equal(first.fileName, "cnn_default_run_2026-01-01_10-00-00_int8_dynamic.mar");
    await put(store, first.fileName, id.modelName, first.modelVersion);
    await put(store, "other.mar", "vit_fused", "7.0");
    await Deno.writeTextFile(join(store, "broken.mar"), "not a zip");
    const later = runArchiveIdentity({
      model: "cnn",
      experiment: "default",
      run: "run_2026-01-02_10-00-00",
      opt: "int8_dynamic",
    });
    const second = await planArchive(store, later);
    assert.equal(second.modelVersion, "2.0");
    assert.equal(second.fileName, `${later.stem}.mar`);
    const again = await planArchive(store, id);
    assert.equal(again.modelVersion, "2.0");
    assert.equal(
      again.fileName,
      `${id.stem}_v2.0.mar`,
      "the same run again does not overwrite the first archive",
    );
    assert.deepEqual((await listStore(store)).map((a) => [a.modelName, a.modelVersion]), [
      ["cnn_int8_dynamic", "1.0"],
      ["vit_fused", "7.0"],
    ]);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("planArchive() refuses a fixed version the store already holds, naming the file", async () => {
  const store = await Deno.makeTempDir();
  try {
    await put(store, "a.mar", "digits", "3.0");
    await assert.rejects(
      () => planArchive(store, { modelName: "digits", stem: "b", version: "3.0" }),
      /Cannot archive "digits" version 3.0: ".*a.mar" already holds it/,
    );
    assert.equal(
      (await planArchive(store, { modelName: "digits", stem: "b", version: "3.1" })).modelVersion,
      "3.1",
    );
    assert.deepEqual(await listStore(join(store, "missing")), []);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
