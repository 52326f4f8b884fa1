/**
 * Node attributes: a tagged union that keeps ONNX's attribute kinds apart
 * (an int `1` is not a float `1`), plus the plain-value form builders accept.
 *
 * @module
 */

import type { AttributeProto, GraphProto } from "onnx-buf";
import type { Tensor } from "./tensor.ts";

/**
 * One attribute value. Ints are JavaScript numbers (exact up to 2^53; values
 * beyond are clamped to the int64 range when saved). Subgraphs (If/Loop/Scan)
 * stay as their `GraphProto` so they pass through untouched; kinds this layer
 * does not model (sparse tensors, type protos, function references) stay as
 * the whole `AttributeProto` under `"raw"`.
 */
export type Attribute =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: Tensor }
  | { type: "graph"; value: GraphProto }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] }
  | { type: "tensors"; value: Tensor[] }
  | { type: "graphs"; value: GraphProto[] }
  | { type: "raw"; value: AttributeProto };

/** The kinds of `Attribute`. */
export type AttributeType = Attribute["type"];

/**
 * A plain attribute value as builders take it: numbers (ints unless the name is
 * a known float attribute or the value is fractional), number lists, strings,
 * string lists, tensors, or an explicit `Attribute` such as
 * `{ type: "float", value: 1 }` where the kind must be forced.
 */
export type AttrValue = number | boolean | string | number[] | string[] | Tensor | Attribute;

/** Attribute names that hold floats in the standard op set. */
const FLOAT_ATTRS = new Set([
  "alpha",
  "beta",
  "gamma",
  "epsilon",
  "momentum",
  "lambd",
  "bias",
  "scale",
  "ratio",
  "value_float",
  "value_floats",
  "threshold",
  "spatial_scale",
  "extrapolation_value",
  "cubic_coeff_a",
  "seed",
  "mean",
  "low",
  "high",
  "max",
  "min",
  "fmod_float",
]);

/** Attribute names that hold ints even if they sound like floats for some ops. */
const INT_ONLY: Record<string, Set<string>> = {
  LRN: new Set(["size"]),
  Dropout: new Set(["seed"]),
};

/**
 * Turns a plain value into an `Attribute`, choosing int or float the way ONNX's
 * standard ops expect.
 *
 * @param name The attribute name (decides int vs float for whole numbers).
 * @param value The value.
 * @param opType Optional op type for op-specific kinds.
 * @returns The tagged attribute.
 * @throws {TypeError} For a value of no attribute kind, or a mixed list.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(toAttribute("axis", 1), { type: "int", value: 1 });
 * assert.deepEqual(toAttribute("alpha", 1), { type: "float", value: 1 });
 * ```
 */
export function toAttribute(name: string, value: AttrValue, opType = ""): Attribute {
  if (isAttribute(value)) return value;
  const floaty = FLOAT_ATTRS.has(name) && !INT_ONLY[opType]?.has(name);
  if (typeof value === "boolean") return { type: "int", value: value ? 1 : 0 };
  if (typeof value === "number") {
    return floaty || !Number.isInteger(value) ? { type: "float", value } : { type: "int", value };
  }
  if (typeof value === "string") return { type: "string", value };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) {
      return { type: "strings", value: value as string[] };
    }
    if (value.every((v) => typeof v === "number")) {
      const nums = value as number[];
      const isFloat = floaty || nums.some((v) => !Number.isInteger(v));
      return isFloat ? { type: "floats", value: nums } : { type: "ints", value: nums };
    }
    throw new TypeError(
      `Invalid attribute "${name}": a list must hold only numbers or only strings`,
    );
  }
  if (isTensorLike(value)) return { type: "tensor", value };
  throw new TypeError(`Invalid attribute "${name}": expected a number, string, list or tensor`);
}

function isAttribute(value: unknown): value is Attribute {
  return typeof value === "object" && value !== null && "type" in value && "value" in value &&
    !("dtype" in value);
}

function isTensorLike(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && "dtype" in value && "dims" in value &&
    "data" in value;
}
