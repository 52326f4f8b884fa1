// Triton's model configuration schema, transcribed from its protobuf/model_config.proto (the
// messages a config of ours can hold), and a small parser of protobuf text format to check a
// config.pbtxt against it: field names, scalar types, enum values, repeated fields.

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
export const SCHEMA: Record<string, Record<string, Field>> = {
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

export type PbValue = string | PbMessage;
export interface PbMessage {
  fields: [string, PbValue[], boolean][]; // name, values, written as a [ ] list
}

/** A small parser of protobuf text format: `a: 1`, `a: [1, 2]`, `a { … }`, `a [ {…}, {…} ]`. */
export function parsePbtxt(text: string): PbMessage {
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

export function validate(msg: PbMessage, type: string, path = type): string[] {
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

export function field(msg: PbMessage, name: string): PbValue[] {
  return msg.fields.filter(([n]) => n === name).flatMap(([, v]) => v);
}
