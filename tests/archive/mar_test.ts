import assert from "node:assert/strict";
import { strToU8, unzipSync, zipSync } from "fflate";
import { join } from "node:path";
import {
  ArchiveFormatError,
  archiveFromBytes,
  archiveToBytes,
  CHECKSUMS_PATH,
  createManifest,
  type HandlerSpec,
  MANIFEST_PATH,
  type ModelArchive,
  readArchive,
  sha256Hex,
  verifyArchive,
  writeArchive,
} from "../../lib/archive/mod.ts";
import { sharedPath } from "../_shared.ts";

const HANDLER: HandlerSpec = {
  handler: "image_classifier",
  input: { name: "input", dims: ["batch", 1, 28, 28] },
  output: { name: "logits" },
  preprocess: { colorMode: "L", mean: [0.1307], std: [0.3081] },
};

function sample(model = new Uint8Array(4096).map((_, i) => i % 251)): ModelArchive {
  return {
    manifest: createManifest("digits", { modelVersion: "2.0" }),
    model,
    labels: ["zero", "one", "two"],
    handler: HANDLER,
    params: { lr: 0.01 },
    metrics: { accuracy: 0.98 },
  };
}

function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(bytes);
  edit(files);
  return zipSync(files);
}

Deno.test("archiveToBytes() lays files out as TorchServe's archiver", () => {
  const files = unzipSync(archiveToBytes(sample()));
  const manifest = JSON.parse(new TextDecoder().decode(files[MANIFEST_PATH]));
  assert.equal(manifest.runtime, "python");
  assert.equal(manifest.model.modelName, "digits");
  assert.equal(manifest.model.modelVersion, "2.0");
  assert.equal(manifest.model.serializedFile, "model.onnx");
  assert.equal(manifest.model.handler, "image_classifier");
  assert.match(manifest.createdOn, /^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
  const labels = JSON.parse(new TextDecoder().decode(files["index_to_name.json"]));
  assert.deepEqual(labels, { "0": "zero", "1": "one", "2": "two" });
  const sums = JSON.parse(new TextDecoder().decode(files[CHECKSUMS_PATH]));
  assert.equal(sums["model.onnx"], sha256Hex(files["model.onnx"]));
});

Deno.test("writeArchive() and readArchive() round-trip a real ONNX model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = await Deno.readFile(sharedPath("data/models/mnist/mlp.eval.onnx"));
    const path = join(dir, "store", "digits.mar");
    await writeArchive(path, sample(model));
    const back = await readArchive(path);
    assert.deepEqual(back.model, model);
    assert.deepEqual(back.labels, ["zero", "one", "two"]);
    assert.equal(back.handler.postprocess?.topK, 5);
    assert.deepEqual(back.metrics, { accuracy: 0.98 });
    const names = [...Deno.readDirSync(join(dir, "store"))].map((e) => e.name);
    assert.deepEqual(names, ["digits.mar"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeArchive() leaves the previous archive when the write fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "digits.mar");
    await writeArchive(path, sample());
    const before = await Deno.readFile(path);
    const bad = sample();
    bad.manifest.model.serializedFile = "model.onnx";
    // A circular params object cannot be serialized: the write throws before renaming.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    bad.params = circular;
    await assert.rejects(() => writeArchive(path, bad), TypeError);
    assert.deepEqual(await Deno.readFile(path), before);
    assert.equal([...Deno.readDirSync(dir)].length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verifyArchive() accepts an intact archive", () => {
  const report = verifyArchive(archiveToBytes(sample()), "digits.mar");
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);
});

Deno.test("verifyArchive() names the file whose hash differs", () => {
  const bytes = rezip(archiveToBytes(sample()), (f) => {
    f["model.onnx"] = f["model.onnx"].slice();
    f["model.onnx"][10] ^= 0xff;
  });
  const report = verifyArchive(bytes, "digits.mar");
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems, ["digits.mar: sha256 of model.onnx differs"]);
});

Deno.test("verifyArchive() names a missing required file", () => {
  const bytes = rezip(archiveToBytes(sample()), (f) => delete f["handler.json"]);
  const report = verifyArchive(bytes, "digits.mar");
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems, ["digits.mar: missing handler.json"]);
});

Deno.test("archiveFromBytes() rejects a truncated zip with the archive's name", () => {
  const bytes = archiveToBytes(sample()).slice(0, 100);
  assert.throws(() => archiveFromBytes(bytes, "cut.mar"), (err: Error) => {
    assert.ok(err instanceof ArchiveFormatError);
    assert.match(err.message, /^cut\.mar: not a readable zip archive/);
    return true;
  });
});

Deno.test("archiveFromBytes() rejects a manifest that is not JSON", () => {
  const bytes = rezip(archiveToBytes(sample()), (f) => f[MANIFEST_PATH] = strToU8("{nope"));
  assert.throws(
    () => archiveFromBytes(bytes, "d.mar"),
    /^ArchiveFormatError: d\.mar: MAR-INF\/MANIFEST\.json is not JSON/,
  );
});

Deno.test("archiveFromBytes() rejects an unknown handler, listing the known ones", () => {
  const bytes = rezip(
    archiveToBytes(sample()),
    (f) => f["handler.json"] = strToU8(JSON.stringify({ ...HANDLER, handler: "object_detector" })),
  );
  assert.throws(
    () => archiveFromBytes(bytes, "d.mar"),
    /handler\.json: unknown handler "object_detector": expected one of image_classifier, tensor/,
  );
});

Deno.test("checkHandlerSpec() rejects channels that disagree with the colour mode", () => {
  const bad = { ...HANDLER, preprocess: { colorMode: "RGB" } };
  const bytes = rezip(
    archiveToBytes(sample()),
    (f) => f["handler.json"] = strToU8(JSON.stringify(bad)),
  );
  assert.throws(
    () => archiveFromBytes(bytes, "d.mar"),
    /colorMode RGB gives 3 channel\(s\) but input has 1/,
  );
});

Deno.test("readArchive() says when the file does not exist", async () => {
  await assert.rejects(
    () => readArchive("/nonexistent/x.mar"),
    /x\.mar: cannot read archive: no such file/,
  );
});

Deno.test("createManifest() refuses names TorchServe refuses", () => {
  assert.throws(() => createManifest("../evil"), RangeError);
  assert.throws(() => createManifest("ok", { modelVersion: "1 0" }), RangeError);
});

Deno.test("index_to_name.json keys must be 0..n-1", () => {
  const bytes = rezip(
    archiveToBytes(sample()),
    (f) => f["index_to_name.json"] = strToU8(JSON.stringify({ "0": "a", "5": "b" })),
  );
  assert.throws(() => archiveFromBytes(bytes, "d.mar"), /key "5" is not 0…1/);
});
