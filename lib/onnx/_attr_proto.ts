// AttributeProto <-> Attribute.

import { create } from "@bufbuild/protobuf";
import {
  type AttributeProto,
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
} from "onnx-buf";
import type { Attribute } from "./attribute.ts";
import type { ExternalWriter } from "./_external.ts";
import { tensorFromProto, type TensorReadContext, tensorToProto } from "./_tensor_proto.ts";

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Reads an attribute; kinds this IR does not model stay as the proto. */
export function attrFromProto(a: AttributeProto, ctx: TensorReadContext): Attribute {
  if (a.refAttrName) return { type: "raw", value: a };
  switch (a.type) {
    case AT.FLOAT:
      return { type: "float", value: a.f };
    case AT.INT:
      return { type: "int", value: Number(a.i) };
    case AT.STRING: {
      const s = decodeStrict(a.s);
      return s === undefined ? { type: "raw", value: a } : { type: "string", value: s };
    }
    case AT.TENSOR:
      return { type: "tensor", value: tensorFromProto(a.t!, ctx) };
    case AT.GRAPH:
      return { type: "graph", value: a.g! };
    case AT.FLOATS:
      return { type: "floats", value: [...a.floats] };
    case AT.INTS:
      return { type: "ints", value: a.ints.map(Number) };
    case AT.STRINGS: {
      const list = a.strings.map(decodeStrict);
      if (list.some((s) => s === undefined)) return { type: "raw", value: a };
      return { type: "strings", value: list as string[] };
    }
    case AT.TENSORS:
      return { type: "tensors", value: a.tensors.map((t) => tensorFromProto(t, ctx)) };
    case AT.GRAPHS:
      return { type: "graphs", value: a.graphs };
    default:
      return { type: "raw", value: a };
  }
}

/** Writes an attribute back as a proto. */
export function attrToProto(name: string, a: Attribute, external?: ExternalWriter): AttributeProto {
  if (a.type === "raw") return a.value;
  const p = create(AttributeProtoSchema, { name });
  switch (a.type) {
    case "float":
      return Object.assign(p, { type: AT.FLOAT, f: a.value });
    case "int":
      return Object.assign(p, { type: AT.INT, i: toInt64(a.value) });
    case "string":
      return Object.assign(p, { type: AT.STRING, s: UTF8.encode(a.value) });
    case "tensor":
      return Object.assign(p, { type: AT.TENSOR, t: tensorToProto("", a.value, external) });
    case "graph":
      return Object.assign(p, { type: AT.GRAPH, g: a.value });
    case "floats":
      return Object.assign(p, { type: AT.FLOATS, floats: a.value });
    case "ints":
      return Object.assign(p, { type: AT.INTS, ints: a.value.map(toInt64) });
    case "strings":
      return Object.assign(p, { type: AT.STRINGS, strings: a.value.map((s) => UTF8.encode(s)) });
    case "tensors":
      return Object.assign(p, {
        type: AT.TENSORS,
        tensors: a.value.map((t) => tensorToProto("", t, external)),
      });
    case "graphs":
      return Object.assign(p, { type: AT.GRAPHS, graphs: a.value });
  }
}

function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

function toInt64(v: number): bigint {
  if (!Number.isFinite(v)) return v > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(v));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}
