/**
 * Types and shapes of graph values.
 *
 * @module
 */

import type { TypeProto } from "onnx-buf";
import type { DType } from "./dtype.ts";

/** One dimension: a size, a symbol (`"N"`, `"batch"`), or null when unknown. */
export type Dim = number | string | null;

/**
 * The type of a named value. `dims: undefined` means unknown rank; `dtype:
 * undefined` unknown element type. Values that are not tensors (sequences,
 * maps, optionals) keep their `TypeProto` in `type` and have no dtype.
 */
export interface ValueInfo {
  name: string;
  dtype?: DType;
  dims?: Dim[];
  docString?: string;
  /** The original type for non-tensor values, written back as it was. */
  type?: TypeProto;
}

/**
 * Formats dims for messages: `[N, 3, ?]`, or `[?...]` for unknown rank.
 *
 * @param dims Dims or undefined.
 * @returns A short text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatDims(["N", 3, null]), "[N, 3, ?]");
 * ```
 */
export function formatDims(dims: readonly Dim[] | undefined): string {
  if (dims === undefined) return "[?...]";
  return `[${dims.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/**
 * Whether every dim is a known number.
 *
 * @param dims Dims or undefined.
 * @returns True when the shape is fully static.
 */
export function isStaticDims(dims: readonly Dim[] | undefined): dims is number[] {
  return dims !== undefined && dims.every((d) => typeof d === "number");
}
