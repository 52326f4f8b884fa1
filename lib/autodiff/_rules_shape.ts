// Gradient rules of ops that move data without arithmetic: reshapes,
// transposes, joins and splits, tiles and pads.

import type { Value } from "../onnx/mod.ts";
import { type GradContext, type GradRule, normAxis, range } from "./grad_context.ts";

/** Reshape-like ops: `dx = Reshape(dy, shape(x))`. */
const reshapeBack: GradRule = (c) => [c.needs(0) ? c.reshapeTo(c.dy0, c.x()) : undefined];

function transpose(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const r = c.rank(c.x());
  const perm = c.node.getInts("perm", range(r).reverse());
  const inverse = new Array<number>(r);
  perm.forEach((p, i) => (inverse[p] = i));
  return [c.op("Transpose", [c.dy0], { perm: inverse })];
}

/** Concat: each input's part of dy, by Split when the sizes are static, else by Slice. */
function concat(c: GradContext): (Value | undefined)[] {
  const r = c.rank(c.x(0));
  const axis = normAxis(c.node.getInt("axis"), r);
  const xs = c.node.inputs.map((_, i) => c.x(i));
  const sizes = xs.map((x) => x.dims?.[axis]);
  if (sizes.every((s) => typeof s === "number")) {
    const parts = splitStatic(c, c.dy0, sizes as number[], axis);
    return parts.map((p, i) => (c.needs(i) ? p : undefined));
  }
  let start: Value = c.ints([0]);
  return xs.map((x, i) => {
    const len = c.op("Gather", [c.shapeOf(x), c.ints([axis])]);
    const end = c.op("Add", [start, len]);
    const part = c.needs(i) ? c.op("Slice", [c.dy0, start, end, c.ints([axis])]) : undefined;
    start = end;
    return part;
  });
}

function splitStatic(c: GradContext, v: Value, sizes: number[], axis: number): Value[] {
  if (sizes.length === 1) return [v];
  if (c.opset >= 13) {
    return c.g.op("Split", [v, c.ints(sizes)], { axis }, { outputs: sizes.length });
  }
  return c.g.op("Split", [v], { axis, split: sizes }, { outputs: sizes.length });
}

/** Split: the parts' gradients concatenated, zeros for parts nothing used. */
function split(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const axis = normAxis(c.node.getInt("axis", 0), c.rank(c.x()));
  const parts = c.node.outputs.map((_, i) => c.dy(i) ?? c.zerosLike(c.y(i)));
  return [parts.length === 1 ? parts[0] : c.op("Concat", parts, { axis })];
}

/** Tile (static repeats and dims): dy viewed as `[r₀, d₀, r₁, d₁, …]`, summed over the r's. */
function tile(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const dims = c.staticDims(c.x());
  const reps = c.constInts(1);
  if (!dims || !reps) c.fail("the dims and repeats must be static");
  const view = c.op("Reshape", [c.dy0, c.ints(dims.flatMap((d, i) => [reps[i]!, d]))]);
  return [c.reduce("ReduceSum", view, range(dims.length).map((i) => 2 * i), false)];
}

/** Pad (constant mode, non-negative constant pads): the inner part of dy. */
function pad(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  if (c.node.getString("mode", "constant") !== "constant") c.fail("only constant mode has a rule");
  const r = c.rank(c.x());
  const pads = c.opset < 11 ? c.node.getInts("pads") : c.constInts(1);
  if (!pads || pads.some((p) => p < 0)) c.fail("the pads must be constant and non-negative");
  const axes = c.opset >= 18 && c.has(3) ? c.constInts(3) : range(r);
  if (!axes) c.fail("the axes must be constant");
  const n = axes.length;
  const ends = axes.map((_, k) => (pads[k + n] === 0 ? Number.MAX_SAFE_INTEGER : -pads[k + n]!));
  return [
    c.op("Slice", [
      c.dy0,
      c.ints(pads.slice(0, n)),
      c.ints(ends),
      c.ints(axes.map((a) => normAxis(a, r))),
    ]),
  ];
}

export const SHAPE_GRADIENTS: Record<string, GradRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Expand: (c) => [c.needs(0) ? c.reduceTo(c.dy0, c.x()) : undefined],
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Tile: tile,
  Pad: pad,
};
