/**
 * The exported Triton repository: config.pbtxt parsed as protobuf text format
 * and checked field by field against Triton's documented ModelConfig schema
 * (model_config.proto: field names, scalar types, enums, repeated fields).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  archiveFromBytes,
  createManifest,
  exportTriton,
  kserveManifest,
  tritonConfig,
  tritonVersion,
} from "../../lib/archive/mod.ts";
import { parse as parseYaml } from "yaml";
import type { ModelArchive } from "../../lib/archive/mod.ts";
import { sharedPath } from "../_shared.ts";
import { field, parsePbtxt, type PbMessage, validate } from "./_triton_schema.ts";

async function digits(version = "2.0"): Promise<ModelArchive> {
  return {
    manifest: createManifest("digits", { modelVersion: version }),
    model: await Deno.readFile(sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx")),
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    handler: {
      handler: "image_classifier",
      input: { name: "input", dims: ["batch", 1, 28, 28] },
      output: { name: "logits" },
      preprocess: { colorMode: "L" },
    },
  };
}

Deno.test("tritonConfig() writes a config.pbtxt that Triton's ModelConfig schema accepts", async () => {
  const text = tritonConfig(await digits(), { preferredBatchSizes: [8, 16] });
  const cfg = parsePbtxt(text);
  assert.deepEqual(validate(cfg, "ModelConfig"), []);
  assert.deepEqual(field(cfg, "platform"), ['"onnxruntime_onnx"']);
  assert.deepEqual(field(cfg, "max_batch_size"), ["64"]);
  const input = field(cfg, "input")[0] as PbMessage;
  assert.deepEqual(field(input, "dims"), ["1", "28", "28"], "batch dim left out");
  assert.deepEqual(field(input, "data_type"), ["TYPE_FP32"]);
  const output = field(cfg, "output")[0] as PbMessage;
  assert.deepEqual(field(output, "dims"), ["10"]);
  assert.deepEqual(field(output, "label_filename"), ['"labels.txt"']);
  const batching = field(cfg, "dynamic_batching")[0] as PbMessage;
  assert.deepEqual(field(batching, "preferred_batch_size"), ["8", "16"]);
});

Deno.test("the schema check catches a wrong field name, type or enum value", () => {
  const bad = parsePbtxt(
    'name: "x"\nmax_batch: 4\ninput [ { name: "a" data_type: FP32 dims: [ 1 ] } ]\nmax_batch_size: "8"\n',
  );
  assert.deepEqual(validate(bad, "ModelConfig"), [
    "ModelConfig.max_batch: no such field in ModelConfig",
    "ModelConfig.input.data_type: FP32 is not a value of the enum",
    'ModelConfig.max_batch_size: expected int32, got "8"',
  ]);
});

Deno.test("a model with a fixed batch dim gets max_batch_size 0 and full dims", async () => {
  const archive = await digits();
  archive.model = await Deno.readFile(
    sharedPath("data/models/torchvision/squeezenet1_1.eval.onnx"),
  );
  const model = (await import("../../lib/onnx/mod.ts")).modelFromBytes(archive.model);
  const batchDim = model.graph.inputs[0]!.dims![0];
  const cfg = parsePbtxt(tritonConfig(archive));
  assert.deepEqual(validate(cfg, "ModelConfig"), []);
  if (typeof batchDim === "number") {
    assert.deepEqual(field(cfg, "max_batch_size"), ["0"]);
    assert.deepEqual(field(field(cfg, "input")[0] as PbMessage, "dims"), ["1", "3", "224", "224"]);
    assert.deepEqual(field(cfg, "dynamic_batching"), []);
  } else {
    assert.deepEqual(field(field(cfg, "input")[0] as PbMessage, "dims"), ["3", "224", "224"]);
  }
});

Deno.test("exportTriton() lays out the repository with an integer version folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const archive = await digits("3.0");
    const modelDir = await exportTriton(archive, dir);
    assert.equal(modelDir, join(dir, "digits"));
    assert.deepEqual(await Deno.readFile(join(dir, "digits", "3", "model.onnx")), archive.model);
    const labels = await Deno.readTextFile(join(dir, "digits", "labels.txt"));
    assert.equal(labels.split("\n")[9], "9");
    const cfg = parsePbtxt(await Deno.readTextFile(join(dir, "digits", "config.pbtxt")));
    assert.deepEqual(validate(cfg, "ModelConfig"), []);
    assert.equal(tritonVersion("1.0"), 1);
    assert.equal(tritonVersion("v2"), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kserveManifest() points an InferenceService at the repository", () => {
  // deno-lint-ignore no-explicit-any
  const doc = parseYaml(kserveManifest("Digits_v2", "s3://models/triton")) as Record<string, any>;
  assert.equal(doc.apiVersion, "serving.kserve.io/v1beta1");
  assert.equal(doc.kind, "InferenceService");
  assert.equal(doc.metadata.name, "digits-v2");
  assert.equal(doc.spec.predictor.model.modelFormat.name, "triton");
  assert.equal(doc.spec.predictor.model.protocolVersion, "v2");
  assert.equal(doc.spec.predictor.model.storageUri, "s3://models/triton");
});

Deno.test("tritonConfig() reads archives written by archiveToBytes", async () => {
  const { archiveToBytes } = await import("../../lib/archive/mod.ts");
  const back = archiveFromBytes(archiveToBytes(await digits()), "d.mar");
  assert.deepEqual(validate(parsePbtxt(tritonConfig(back)), "ModelConfig"), []);
});
