// Gradient rules of ops that pick elements: Slice, Gather, GatherElements.
// Their gradients put dy back where the elements came from.

import { dtypeToOnnx, type Tensor, tensor, type Value } from "../onnx/mod.ts";
import { type GradContext, type GradRule, normAxis, range } from "./grad_context.ts";

/**
 * Slice: dy placed back where the slice came from. Unit steps: one Pad
 * (pads from the normalized starts; computed in the graph when the starts are
 * not constant). Other steps: ScatterElements along each such axis.
 */
function slice(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const x = c.x();
  const r = c.rank(x);
  const legacy = c.opset < 10;
  const startsC = legacy ? c.node.getInts("starts") : c.constInts(1);
  const n = startsC?.length ?? c.x(1).dims?.[0];
  if (typeof n !== "number") c.fail("the number of sliced axes must be static");
  const axesRaw = legacy ? c.node.getInts("axes", range(n)) : c.has(3) ? c.constInts(3) : range(n);
  const steps = legacy
    ? new Array<number>(n).fill(1)
    : c.has(4)
    ? c.constInts(4)
    : new Array<number>(n).fill(1);
  if (!axesRaw || !steps) c.fail("the axes and steps must be constant");
  const axes = axesRaw.map((a) => normAxis(a, r));
  const y = c.y();
  const starts = axes.map((a, k) => normalizedStart(c, x, a, k, startsC?.[k], steps[k]!));
  let grad = c.dy0;
  const unit = axes.map((_, k) => k).filter((k) => steps[k] === 1);
  if (unit.length > 0) grad = padBack(c, grad, x, y, unit.map((k) => [axes[k]!, starts[k]!]));
  for (let k = 0; k < axes.length; k++) {
    if (steps[k] !== 1) grad = scatterBack(c, grad, x, axes[k]!, starts[k]!, steps[k]!);
  }
  return [grad];
}

/** The start of a slice clamped as ONNX does: a number when known, else an int64 [1] value. */
function normalizedStart(
  c: GradContext,
  x: Value,
  axis: number,
  k: number,
  start: number | undefined,
  step: number,
): number | Value {
  const dim = x.dims?.[axis];
  if (start !== undefined && typeof dim === "number") {
    const s = start < 0 ? start + dim : start;
    return step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
  }
  const s = c.op("Gather", [c.x(1), c.ints([k])]);
  const d = c.op("Gather", [c.shapeOf(x), c.ints([axis])]);
  const shifted = c.op("Where", [c.op("Less", [s, c.ints([0])]), c.op("Add", [s, d]), s]);
  const hi = step > 0 ? d : c.op("Sub", [d, c.ints([1])]);
  return c.op("Max", [c.op("Min", [shifted, hi]), c.ints([0])]);
}

/** Pads dy back to x's dims along unit-step axes (pairs of axis and start). */
function padBack(
  c: GradContext,
  grad: Value,
  x: Value,
  y: Value,
  at: [number, number | Value][],
): Value {
  const r = c.rank(x);
  const begins: (number | Value)[] = new Array(r).fill(0);
  const ends: (number | Value)[] = new Array(r).fill(0);
  for (const [axis, start] of at) {
    const dim = x.dims![axis];
    const len = y.dims![axis];
    begins[axis] = start;
    if (typeof start === "number" && typeof dim === "number" && typeof len === "number") {
      ends[axis] = dim - start - len;
    } else {
      const d = c.op("Gather", [c.shapeOf(x), c.ints([axis])]);
      const l = c.op("Gather", [c.shapeOf(y), c.ints([axis])]);
      const s = typeof start === "number" ? c.ints([start]) : start;
      ends[axis] = c.op("Sub", [c.op("Sub", [d, s]), l]);
    }
  }
  const all = [...begins, ...ends];
  const pads = all.every((p) => typeof p === "number")
    ? c.ints(all as number[])
    : c.op("Concat", all.map((p) => (typeof p === "number" ? c.ints([p]) : p)), { axis: 0 });
  return c.op("Pad", [grad, pads]);
}

/** Scatters dy along `axis` to positions `start + i·step` of a zero tensor with x's dim there. */
function scatterBack(
  c: GradContext,
  grad: Value,
  x: Value,
  axis: number,
  start: number | Value,
  step: number,
): Value {
  if (c.opset < 11) c.fail(`steps other than 1 need opset 11 or newer, got ${c.opset}`);
  const r = c.rank(x);
  const gshape = c.op("Shape", [grad]);
  const len = c.op("Gather", [gshape, c.ints([axis])]);
  const s = typeof start === "number" ? c.ints([start]) : start;
  const idx = c.op("Range", [
    c.op("Reshape", [s, c.ints([])]),
    c.op("Reshape", [c.op("Add", [s, c.op("Mul", [len, c.ints([step])])]), c.ints([])]),
    c.g.constant(tensor("int64", [], [step]) as Tensor),
  ]);
  const shape = range(r).map((i) => (i === axis ? -1 : 1));
  const indices = c.op("Expand", [c.op("Reshape", [idx, c.ints(shape)]), gshape]);
  const target = c.op("Concat", [
    c.op("Slice", [gshape, c.ints([0]), c.ints([axis])]),
    c.op("Gather", [c.shapeOf(x), c.ints([axis])]),
    c.op("Slice", [gshape, c.ints([axis + 1]), c.ints([r])]),
  ], { axis: 0 });
  const zeros = c.op("ConstantOfShape", [target], { value: tensor(c.dtype, [1], [0]) as Tensor });
  return c.op("ScatterElements", [zeros, indices, grad], { axis });
}

/**
 * Gather: dy added into zeros of data's shape at the gathered positions. A
 * constant scalar index is a one-element slice (Pad); axis 0 uses ScatterND;
 * other axes ScatterElements over the flattened indices.
 */
function gather(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const x = c.x(0);
  const r = c.rank(x);
  const axis = normAxis(c.node.getInt("axis", 0), r);
  const ind = c.x(1);
  const known = c.constInts(1);
  const dim = x.dims?.[axis];
  if (ind.dims?.length === 0 && known && typeof dim === "number") {
    const at = known[0]! < 0 ? known[0]! + dim : known[0]!;
    const pads = new Array<number>(2 * r).fill(0);
    pads[axis] = at;
    pads[axis + r] = dim - at - 1;
    return [c.op("Pad", [c.unsqueeze(c.dy0, [axis]), c.ints(pads)])];
  }
  if (c.opset < 16) {
    c.fail(`gathers need opset 16 or newer (scatter with reduction), got ${c.opset}`);
  }
  const indices = nonNegative(c, ind, x, axis, known);
  const zeros = c.zerosLike(x);
  if (axis === 0) {
    return [
      c.op("ScatterND", [zeros, c.unsqueeze(indices, [c.rank(ind)]), c.dy0], { reduction: "add" }),
    ];
  }
  const flatIdx = c.op("Reshape", [indices, c.ints([-1])]);
  const xs = c.shapeOf(x);
  const dyShape = c.op("Concat", [
    c.op("Slice", [xs, c.ints([0]), c.ints([axis])]),
    c.ints([-1]),
    c.op("Slice", [xs, c.ints([axis + 1]), c.ints([r])]),
  ], { axis: 0 });
  const dy2 = c.op("Reshape", [c.dy0, dyShape]);
  const shape = range(r).map((i) => (i === axis ? -1 : 1));
  const idx = c.op("Expand", [c.op("Reshape", [flatIdx, c.ints(shape)]), c.op("Shape", [dy2])]);
  return [c.op("ScatterElements", [zeros, idx, dy2], { axis, reduction: "add" })];
}

/** Indices with negative entries wrapped (left as they are when known to be non-negative). */
function nonNegative(
  c: GradContext,
  ind: Value,
  x: Value,
  axis: number,
  known: number[] | undefined,
): Value {
  if (known && known.every((k) => k >= 0)) return ind;
  const dim = c.op("Gather", [c.shapeOf(x), c.ints([axis])]);
  const dtype = ind.dtype ?? "int64";
  const d = dtype === "int64" ? dim : c.op("Cast", [dim], { to: dtypeToOnnx(dtype) });
  const zero = c.g.constant(tensor(dtype, [], [0]) as Tensor);
  return c.op("Where", [c.op("Less", [ind, zero]), c.op("Add", [ind, d]), ind]);
}

/** GatherElements: ScatterElements with add, same indices and axis. */
function gatherElements(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  if (c.opset < 16) c.fail(`needs opset 16 or newer (scatter with reduction), got ${c.opset}`);
  const x = c.x(0);
  const axis = normAxis(c.node.getInt("axis", 0), c.rank(x));
  const indices = nonNegative(c, c.x(1), x, axis, c.constInts(1));
  return [c.op("ScatterElements", [c.zerosLike(x), indices, c.dy0], { axis, reduction: "add" })];
}

export const SELECT_GRADIENTS: Record<string, GradRule> = {
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
};
