// Typed helpers for ops that reshape, reorder and select data.

import type { GraphBuilder, OpInput, Value } from "./builder.ts";
import type { Tensor } from "./tensor.ts";
import { checkInt, checkInts } from "./_ops_check.ts";

function intsOrValue(g: GraphBuilder, v: readonly number[] | Value): Value {
  return Array.isArray(v) ? g.ints(v as number[]) : (v as Value);
}

/** Reshapes to `shape` (0 copies a dim, -1 infers one), given as numbers or a value. */
export function reshape(
  g: GraphBuilder,
  x: OpInput,
  shape: readonly number[] | Value,
  attrs: { allowzero?: boolean } = {},
): Value {
  if (Array.isArray(shape)) {
    checkInts("Reshape", "shape", shape, { min: -1 });
    if (shape.filter((d) => d === -1).length > 1) {
      throw new RangeError(`Invalid Reshape shape [${shape.join(", ")}]: more than one -1`);
    }
  }
  return g.op("Reshape", [x, intsOrValue(g, shape)], {
    allowzero: attrs.allowzero ? 1 : undefined,
  });
}

/** Permutes axes (reverses them when `perm` is omitted). */
export function transpose(g: GraphBuilder, x: OpInput, perm?: number[]): Value {
  return g.op("Transpose", [x], { perm: checkInts("Transpose", "perm", perm, { min: 0 }) });
}

/** Joins tensors along `axis`. */
export function concat(g: GraphBuilder, xs: OpInput[], axis: number): Value {
  if (xs.length === 0) throw new RangeError("Cannot concat: no inputs");
  return g.op("Concat", xs, { axis: checkInt("Concat", "axis", axis) });
}

/** Splits along `axis` into the given sizes, or into `count` equal parts. */
export function split(g: GraphBuilder, x: OpInput, parts: number | number[], axis = 0): Value[] {
  checkInt("Split", "axis", axis);
  if (typeof parts === "number") {
    checkInt("Split", "count", parts, 1);
    if (g.opset >= 18) return g.op("Split", [x], { axis, num_outputs: parts }, { outputs: parts });
    return g.op("Split", [x], { axis }, { outputs: parts });
  }
  const sizes = checkInts("Split", "split", parts, { min: 0 })!;
  if (g.opset >= 13) return g.op("Split", [x, g.ints(sizes)], { axis }, { outputs: sizes.length });
  return g.op("Split", [x], { axis, split: sizes }, { outputs: sizes.length });
}

/** Slices `[starts, ends)` with `steps` on `axes` (inputs from opset 10). */
export function slice(
  g: GraphBuilder,
  x: OpInput,
  starts: number[],
  ends: number[],
  options: { axes?: number[]; steps?: number[] } = {},
): Value {
  const n = starts.length;
  checkInts("Slice", "starts", starts);
  checkInts("Slice", "ends", ends, { length: n });
  const axes = checkInts("Slice", "axes", options.axes, { length: n });
  const steps = checkInts("Slice", "steps", options.steps, { length: n });
  if (steps?.includes(0)) {
    throw new RangeError(`Invalid Slice steps [${steps.join(", ")}]: a step cannot be 0`);
  }
  if (g.opset < 10) {
    if (steps) throw new RangeError(`Slice steps need opset 10 or newer, got ${g.opset}`);
    return g.op("Slice", [x], { starts, ends, axes });
  }
  return g.op("Slice", [
    x,
    g.ints(starts),
    g.ints(ends),
    axes && g.ints(axes),
    steps && g.ints(steps),
  ]);
}

/** Picks entries along `axis` by index (a number gives a scalar index, dropping the axis). */
export function gather(g: GraphBuilder, x: OpInput, indices: OpInput | number[], axis = 0): Value {
  let idx: OpInput;
  if (Array.isArray(indices)) idx = g.ints(indices);
  else if (typeof indices === "number") {
    idx = g.constant({ dtype: "int64", dims: [], data: new BigInt64Array([BigInt(indices)]) });
  } else idx = indices;
  return g.op("Gather", [x, idx], { axis: checkInt("Gather", "axis", axis) });
}

/** Removes size-1 `axes` (all of them when omitted); axes are an input from opset 13. */
export function squeeze(g: GraphBuilder, x: OpInput, axes?: number[]): Value {
  checkInts("Squeeze", "axes", axes);
  if (g.opset >= 13) return g.op("Squeeze", [x, axes && g.ints(axes)]);
  return g.op("Squeeze", [x], { axes });
}

/** Inserts size-1 `axes`; axes are an input from opset 13. */
export function unsqueeze(g: GraphBuilder, x: OpInput, axes: number[]): Value {
  checkInts("Unsqueeze", "axes", axes);
  if (g.opset >= 13) return g.op("Unsqueeze", [x, g.ints(axes)]);
  return g.op("Unsqueeze", [x], { axes });
}

/** The shape of `x` as an int64 vector (dims `start` to `end`, opset 15+ for those). */
export function shape(
  g: GraphBuilder,
  x: OpInput,
  range: { start?: number; end?: number } = {},
): Value {
  if ((range.start !== undefined || range.end !== undefined) && g.opset < 15) {
    throw new RangeError(`Shape start/end need opset 15 or newer, got ${g.opset}`);
  }
  return g.op("Shape", [x], {
    start: checkInt("Shape", "start", range.start),
    end: checkInt("Shape", "end", range.end),
  });
}

/** A tensor of the given shape filled with `value` (a one-element tensor; float32 0 by default). */
export function constantOfShape(
  g: GraphBuilder,
  shapeValue: OpInput | number[],
  value?: Tensor,
): Value {
  if (value && value.data.length !== 1) {
    throw new RangeError(`ConstantOfShape value must have one element, got ${value.data.length}`);
  }
  const s = Array.isArray(shapeValue) ? g.ints(shapeValue) : shapeValue;
  return g.op("ConstantOfShape", [s], { value: value && { ...value, dims: [1] } });
}

/** Broadcasts `x` to `shape`. */
export function expand(g: GraphBuilder, x: OpInput, shapeValue: readonly number[] | Value): Value {
  return g.op("Expand", [x, intsOrValue(g, shapeValue)]);
}

/** Repeats `x` `repeats[i]` times along each axis. */
export function tile(g: GraphBuilder, x: OpInput, repeats: readonly number[] | Value): Value {
  return g.op("Tile", [x, intsOrValue(g, repeats)]);
}

/** Pads with a constant (pads `[begins…, ends…]`; inputs from opset 11). */
export function pad(g: GraphBuilder, x: Value, pads: number[], value = 0): Value {
  checkInts("Pad", "pads", pads, { length: x.rank === undefined ? undefined : 2 * x.rank });
  if (g.opset < 11) return g.op("Pad", [x], { pads, value: { type: "float", value } });
  return g.op("Pad", [
    x,
    g.ints(pads),
    value === 0 ? undefined : g.scalar(value, x.dtype ?? "float32"),
  ]);
}
