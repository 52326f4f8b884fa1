// The one place where gradients of broadcast inputs are summed back to the
// input's shape.

import type { Dim, GraphBuilder, Value } from "../onnx/mod.ts";

/**
 * Sums `grad` (the shape of a broadcast result) back to the shape of `x`:
 * ReduceSum over the leading axes `x` lacks and over the axes where `x` has
 * size 1, then Reshape to drop the leading ones.
 *
 * NOTE: static dims decide the axes. An axis is ambiguous only when `x`'s dim
 * is symbolic or unknown and differs from `grad`'s (it may be 1 at run time);
 * then the axes are computed in the graph: `NonZero(shape(x) == 1 and
 * shape(grad) != 1)` feeds ReduceSum with `noop_with_empty_axes`.
 *
 * @param g The builder.
 * @param grad The gradient, shaped as the broadcast result.
 * @param x The broadcast input.
 * @param shapeOf Gives a value's shape as an int64 vector.
 * @returns The gradient with `x`'s shape.
 */
export function reduceToShape(
  g: GraphBuilder,
  grad: Value,
  x: Value,
  shapeOf: (v: Value) => Value,
): Value {
  const xd = x.dims;
  const gd = grad.dims;
  if (xd === undefined || gd === undefined) {
    throw new RangeError(
      `Cannot sum the gradient "${grad.name}" to the shape of "${x.name}": rank unknown`,
    );
  }
  if (sameDims(xd, gd)) return grad;
  const lead = gd.length - xd.length;
  if (lead < 0) {
    throw new RangeError(
      `Cannot sum the gradient "${grad.name}" to the shape of "${x.name}": ` +
        `rank ${gd.length} < ${xd.length}`,
    );
  }
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  let ambiguous = false;
  xd.forEach((d, i) => {
    const e = gd[i + lead]!;
    if (d === 1) {
      if (e !== 1) axes.push(i + lead); // a size-1 axis of x was broadcast
    } else if (!(d === e && d !== null) && !(typeof d === "number" && d > 1) && e !== 1) {
      ambiguous = true;
    }
  });
  if (ambiguous) return dynamicReduce(g, grad, x, lead, shapeOf);
  if (axes.length === 0) return grad;
  const keepAll = axes.length > lead;
  const sum = reduceSum(g, grad, axes, keepAll);
  if (!keepAll || lead === 0) return sum;
  return g.op("Reshape", [sum, shapeOf(x)]);
}

function dynamicReduce(
  g: GraphBuilder,
  grad: Value,
  x: Value,
  lead: number,
  shapeOf: (v: Value) => Value,
): Value {
  let xs = shapeOf(x);
  if (lead > 0) xs = g.op("Concat", [g.ints(new Array(lead).fill(1)), xs], { axis: 0 });
  const one = g.ints([1]);
  const broadcast = g.op("And", [
    g.op("Equal", [xs, one]),
    g.op("Not", [g.op("Equal", [shapeOf(grad), one])]),
  ]);
  const axes = g.op("Reshape", [g.op("NonZero", [broadcast]), g.ints([-1])]);
  const sum = g.op("ReduceSum", [grad, axes], { keepdims: 1, noop_with_empty_axes: 1 });
  return g.op("Reshape", [sum, shapeOf(x)]);
}

function reduceSum(g: GraphBuilder, v: Value, axes: number[], keepdims: boolean): Value {
  const k = keepdims ? 1 : 0;
  if (g.opset >= 13) return g.op("ReduceSum", [v, g.ints(axes)], { keepdims: k });
  return g.op("ReduceSum", [v], { axes, keepdims: k });
}

function sameDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] && d !== null);
}
