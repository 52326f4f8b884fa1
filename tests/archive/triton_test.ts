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

type FieldType =
  | { kind: "scalar"; type: "string" | "int32" | "int64" | "uint32" | "uint64" | "bool" }
  | { kind: "enum"; values: string[] }
  | { kind: "message"; message: string };
type Field = FieldType & { repeated?: boolean };

const DATA_TYPES = [
  "TYPE_INVALID",
  "TYPE_BOOL",
  "TYPE_UINT8",
  "TYPE_UINT16",
  "TYPE_UINT32",
  "TYPE_UINT64",
  "TYPE_INT8",
  "TYPE_INT16",
  "TYPE_INT32",
  "TYPE_INT64",
  "TYPE_FP16",
  "TYPE_FP32",
  "TYPE_FP64",
  "TYPE_STRING",
  "TYPE_BF16",
];
const s = (
  type: "string" | "int32" | "int64" | "uint32" | "uint64" | "bool",
  repeated = false,
): Field => ({ kind: "scalar", type, repeated });
const m = (message: string, repeated = false): Field => ({ kind: "message", message, repeated });

/** Transcribed from Triton's protobuf/model_config.proto (the messages a config of ours can hold). */
const SCHEMA: Record<string, Record<string, Field>> = {
  ModelConfig: {
    name: s("string"),
    platform: s("string"),
    backend: s("string"),
    runtime: s("string"),
    max_batch_size: s("int32"),
    input: m("ModelInput", true),
    output: m("ModelOutput", true),
    dynamic_batching: m("ModelDynamicBatching"),
    instance_group: m("ModelInstanceGroup", true),
    default_model_filename: s("string"),
  },
  ModelInput: {
    name: s("string"),
    data_type: { kind: "enum", values: DATA_TYPES },
    format: { kind: "enum", values: ["FORMAT_NONE", "FORMAT_NHWC", "FORMAT_NCHW"] },
    dims: s("int64", true),
    reshape: m("ModelTensorReshape"),
    is_shape_tensor: s("bool"),
    allow_ragged_batch: s("bool"),
    optional: s("bool"),
  },
  ModelOutput: {
    name: s("string"),
    data_type: { kind: "enum", values: DATA_TYPES },
    dims: s("int64", true),
    reshape: m("ModelTensorReshape"),
    label_filename: s("string"),
    is_shape_tensor: s("bool"),
  },
  ModelTensorReshape: { shape: s("int64", true) },
  ModelDynamicBatching: {
    preferred_batch_size: s("int32", true),
    max_queue_delay_microseconds: s("uint64"),
    preserve_ordering: s("bool"),
    priority_levels: s("uint64"),
    default_priority_level: s("uint64"),
  },
  ModelInstanceGroup: {
    name: s("string"),
    kind: { kind: "enum", values: ["KIND_AUTO", "KIND_GPU", "KIND_CPU", "KIND_MODEL"] },
    count: s("int32"),
    gpus: s("int32", true),
    profile: s("string", true),
    passive: s("bool"),
    host_policy: s("string"),
  },
};

type PbValue = string | PbMessage;
interface PbMessage {
  fields: [string, PbValue[], boolean][]; // name, values, written as a [ ] list
}

/** A small parser of protobuf text format: `a: 1`, `a: [1, 2]`, `a { … }`, `a [ {…}, {…} ]`. */
function parsePbtxt(text: string): PbMessage {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,]+/g) ?? [];
  let i = 0;
  function message(end?: string): PbMessage {
    const out: PbMessage = { fields: [] };
    while (i < tokens.length && tokens[i] !== end) {
      const name = tokens[i++]!;
      if (tokens[i] === ":") i++;
      if (tokens[i] === "[") {
        i++;
        const values: PbValue[] = [];
        while (tokens[i] !== "]") {
          if (tokens[i] === "{") {
            i++;
            values.push(message("}"));
            i++;
          } else values.push(tokens[i++]!);
          if (tokens[i] === ",") i++;
        }
        i++;
        out.fields.push([name, values, true]);
      } else if (tokens[i] === "{") {
        i++;
        out.fields.push([name, [message("}")], false]);
        i++;
      } else {
        out.fields.push([name, [tokens[i++]!], false]);
      }
    }
    return out;
  }
  return message();
}

function validate(msg: PbMessage, type: string, path = type): string[] {
  const errors: string[] = [];
  const schema = SCHEMA[type]!;
  for (const [name, values, isList] of msg.fields) {
    const f = schema[name];
    if (!f) {
      errors.push(`${path}.${name}: no such field in ${type}`);
      continue;
    }
    if (isList && !f.repeated) errors.push(`${path}.${name}: a list for a singular field`);
    for (const v of values) {
      if (f.kind === "message") {
        if (typeof v === "string") errors.push(`${path}.${name}: expected a ${f.message} block`);
        else errors.push(...validate(v, f.message, `${path}.${name}`));
      } else if (typeof v !== "string") {
        errors.push(`${path}.${name}: expected a scalar`);
      } else if (f.kind === "enum") {
        if (!f.values.includes(v)) errors.push(`${path}.${name}: ${v} is not a value of the enum`);
      } else if (f.type === "string") {
        if (!/^".*"$/.test(v)) errors.push(`${path}.${name}: expected a quoted string, got ${v}`);
      } else if (f.type === "bool") {
        if (v !== "true" && v !== "false") errors.push(`${path}.${name}: expected true/false`);
      } else {
        const ok = /^-?\d+$/.test(v) && (!f.type.startsWith("u") || !v.startsWith("-"));
        if (!ok) errors.push(`${path}.${name}: expected ${f.type}, got ${v}`);
      }
    }
  }
  return errors;
}

function field(msg: PbMessage, name: string): PbValue[] {
  return msg.fields.filter(([n]) => n === name).flatMap(([, v]) => v);
}

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
