// Gradient rules of elementwise ops. Broadcast inputs get their gradient
// summed back to their shape by `c.reduceTo`.

import { dtypeToOnnx, isFloatDType, type Value } from "../onnx/mod.ts";
import type { GradContext, GradRule } from "./grad_context.ts";

/** `dy · f'(x)` for a unary op, with `f'` built by `deriv`. */
function unary(deriv: (c: GradContext, dy: Value) => Value): GradRule {
  return (c) => [c.needs(0) ? deriv(c, c.dy0) : undefined];
}

/** For binary broadcasting ops: each wanted gradient, summed to its input's shape. */
function binary(
  da: ((c: GradContext, dy: Value) => Value) | undefined,
  db: ((c: GradContext, dy: Value) => Value) | undefined,
): GradRule {
  return (c) => {
    const dy = c.dy0;
    return [
      c.needs(0) && da ? c.reduceTo(da(c, dy), c.x(0)) : undefined,
      c.needs(1) && db ? c.reduceTo(db(c, dy), c.x(1)) : undefined,
    ];
  };
}

/**
 * `dy` where `cond` holds, else 0, as `dy · cast(cond)`.
 *
 * NOTE: in onnxruntime Mul and Cast take about half the time of Where(cond,
 * dy, 0) or dy · Sign(y) on large tensors; the difference is only for an
 * infinite or NaN dy, which gives NaN instead of 0 where cond is false.
 */
function gate(c: GradContext, cond: Value, dy: Value): Value {
  return c.op("Mul", [dy, c.cast(cond)]);
}

export const ELEMENTWISE_GRADIENTS: Record<string, GradRule> = {
  Add: binary((_, dy) => dy, (_, dy) => dy),
  Sub: binary((_, dy) => dy, (c, dy) => c.op("Neg", [dy])),
  Mul: binary((c, dy) => c.op("Mul", [dy, c.x(1)]), (c, dy) => c.op("Mul", [dy, c.x(0)])),
  // d(a/b)/db = -a/b² = -y/b
  Div: binary(
    (c, dy) => c.op("Div", [dy, c.x(1)]),
    (c, dy) => c.op("Neg", [c.op("Div", [c.op("Mul", [dy, c.y()]), c.x(1)])]),
  ),
  // d(a^b)/da = b·a^(b-1); d(a^b)/db = y·ln(a)
  Pow: binary(
    (c, dy) => {
      const b = c.x(1);
      const exponent = c.constInts(1);
      if (exponent?.length === 1 && exponent[0] === 2) {
        return c.op("Mul", [dy, c.op("Mul", [c.x(0), c.scalar(2)])]);
      }
      const bm1 = c.op("Sub", [b, c.g.scalar(1, b.dtype ?? c.dtype)]);
      const power = c.op("Pow", [c.x(0), bm1]);
      return c.op("Mul", [dy, c.op("Mul", [c.cast(b), power])]);
    },
    (c, dy) => c.op("Mul", [dy, c.op("Mul", [c.y(), c.op("Log", [c.x(0)])])]),
  ),
  Neg: unary((c, dy) => c.op("Neg", [dy])),
  Identity: unary((_, dy) => dy),
  // the mask from y, not x, so that onnxruntime can still fuse Conv and Relu;
  // MaxPool's rule applies the mask itself when it reads a Relu (see there)
  Relu: unary((c, dy) =>
    c.isReluMasked(dy) ? dy : gate(c, c.op("Greater", [c.y(), c.scalar(0)]), dy)
  ),
  LeakyRelu: unary((c, dy) => {
    const slope = c.op("Where", [
      c.op("Greater", [c.x(), c.scalar(0)]),
      c.scalar(1),
      c.scalar(c.attrFloat("alpha", 0.01)),
    ]);
    return c.op("Mul", [dy, slope]);
  }),
  PRelu: (c) => {
    const positive = c.op("Greater", [c.x(0), c.scalar(0)]);
    const dy = c.dy0;
    return [
      c.needs(0) ? c.op("Where", [positive, dy, c.op("Mul", [dy, c.x(1)])]) : undefined,
      c.needs(1)
        ? c.reduceTo(c.op("Where", [positive, c.scalar(0), c.op("Mul", [dy, c.x(0)])]), c.x(1))
        : undefined,
    ];
  },
  // σ' = y(1 - y)
  Sigmoid: unary((c, dy) => {
    const y = c.y();
    return c.op("Mul", [dy, c.op("Mul", [y, c.op("Sub", [c.scalar(1), y])])]);
  }),
  // tanh' = 1 - y²
  Tanh: unary((c, dy) => {
    const y = c.y();
    return c.op("Mul", [dy, c.op("Sub", [c.scalar(1), c.op("Mul", [y, y])])]);
  }),
  // erf'(x) = 2/√π · exp(-x²)
  Erf: unary((c, dy) => {
    const x = c.x();
    const e = c.op("Exp", [c.op("Neg", [c.op("Mul", [x, x])])]);
    return c.op("Mul", [dy, c.op("Mul", [e, c.scalar(2 / Math.sqrt(Math.PI))])]);
  }),
  Exp: unary((c, dy) => c.op("Mul", [dy, c.y()])),
  Log: unary((c, dy) => c.op("Div", [dy, c.x()])),
  // √x' = 1 / (2y)
  Sqrt: unary((c, dy) => c.op("Div", [c.op("Mul", [dy, c.scalar(0.5)]), c.y()])),
  // (1/x)' = -y²
  Reciprocal: unary((c, dy) => {
    const y = c.y();
    return c.op("Neg", [c.op("Mul", [dy, c.op("Mul", [y, y])])]);
  }),
  Abs: unary((c, dy) => c.op("Mul", [dy, c.op("Sign", [c.x()])])),
  Softplus: unary((c, dy) => c.op("Mul", [dy, c.op("Sigmoid", [c.x()])])),
  // x > 0: 1, else y + alpha
  Elu: unary((c, dy) => {
    const alpha = c.attrFloat("alpha", 1);
    const slope = c.op("Where", [
      c.op("Greater", [c.x(), c.scalar(0)]),
      c.scalar(1),
      c.op("Add", [c.y(), c.scalar(alpha)]),
    ]);
    return c.op("Mul", [dy, slope]);
  }),
  // y = clip(αx + β, 0, 1): α where 0 < αx + β < 1
  HardSigmoid: unary((c, dy) => {
    const alpha = c.attrFloat("alpha", 0.2);
    const t = c.op("Add", [
      c.op("Mul", [c.x(), c.scalar(alpha)]),
      c.scalar(c.attrFloat("beta", 0.5)),
    ]);
    const inside = c.op("And", [c.op("Greater", [t, c.scalar(0)]), c.op("Less", [t, c.scalar(1)])]);
    return gate(c, inside, c.op("Mul", [dy, c.scalar(alpha)]));
  }),
  // y = x·hardsigmoid(x) (α = 1/6, β = 1/2): 0 below -3, 1 above 3, x/3 + 1/2 between
  HardSwish: unary((c, dy) => {
    const x = c.x();
    const mid = c.op("Add", [c.op("Mul", [x, c.scalar(1 / 3)]), c.scalar(0.5)]);
    const upper = c.op("Where", [c.op("Greater", [x, c.scalar(3)]), c.scalar(1), mid]);
    const slope = c.op("Where", [c.op("Less", [x, c.scalar(-3)]), c.scalar(0), upper]);
    return c.op("Mul", [dy, slope]);
  }),
  // PyTorch's clamp: the gradient passes where min <= x <= max
  Clip: unary((c, dy) => {
    let inside: Value | undefined;
    if (c.has(1)) inside = c.op("GreaterOrEqual", [c.x(0), c.x(1)]);
    if (c.has(2)) {
      const below = c.op("LessOrEqual", [c.x(0), c.x(2)]);
      inside = inside ? c.op("And", [inside, below]) : below;
    }
    return inside ? gate(c, inside, dy) : dy;
  }),
  Sum: (c) => c.node.inputs.map((_, i) => (c.needs(i) ? c.reduceTo(c.dy0, c.x(i)) : undefined)),
  Mean: (c) => {
    const share = c.op("Div", [c.dy0, c.scalar(c.node.inputs.length)]);
    return c.node.inputs.map((_, i) => (c.needs(i) ? c.reduceTo(share, c.x(i)) : undefined));
  },
  Max: extremum,
  Min: extremum,
  Where: (c) => {
    const cond = c.x(0);
    const dy = c.dy0;
    return [
      undefined,
      c.needs(1) ? c.reduceTo(c.op("Where", [cond, dy, c.scalar(0)]), c.x(1)) : undefined,
      c.needs(2) ? c.reduceTo(c.op("Where", [cond, c.scalar(0), dy]), c.x(2)) : undefined,
    ];
  },
  Cast: unary((c, dy) => {
    const from = c.x().dtype;
    if (from === undefined || !isFloatDType(from)) {
      return c.fail(`cannot cast a gradient back to ${from ?? "?"}`);
    }
    return from === dy.dtype ? dy : c.op("Cast", [dy], { to: dtypeToOnnx(from) });
  }),
  Dropout: unary(dropout),
};

/** Max/Min: the gradient goes to the inputs equal to the result, split evenly on ties. */
function extremum(c: GradContext): (Value | undefined)[] {
  const y = c.y();
  const n = c.node.inputs.length;
  if (n === 1) return [c.dy0];
  const masks = c.node.inputs.map((_, i) => c.cast(c.op("Equal", [c.x(i), y])));
  const share = c.op("Div", [c.dy0, c.op("Sum", masks)]);
  return masks.map((
    m,
    i,
  ) => (c.needs(i) ? c.reduceTo(c.op("Mul", [share, m]), c.x(i)) : undefined));
}

/**
 * Dropout: identity unless in training mode with a ratio that may be non-zero;
 * then `dy · mask / (1 - ratio)` with the mask the forward node now outputs.
 */
function dropout(c: GradContext, dy: Value): Value {
  const training = c.constInts(2);
  const trainingKnown = !c.has(2) || training !== undefined;
  if (trainingKnown && (!c.has(2) || training![0] === 0)) return dy;
  const ratio = c.has(1) ? constFloat(c, 1) : 0.5;
  if (ratio === 0) return dy;
  const mask = c.requestOutput(1, { dtype: "bool", dims: c.y().dims });
  let scale: Value;
  if (ratio !== undefined) scale = c.scalar(1 / (1 - ratio));
  else {
    const r = c.cast(c.x(1));
    scale = c.op("Div", [c.scalar(1), c.op("Sub", [c.scalar(1), r])]);
  }
  if (!trainingKnown) scale = c.op("Where", [c.x(2), scale, c.scalar(1)]);
  return c.op("Where", [mask, c.op("Mul", [dy, scale]), c.scalar(0)]);
}

/** Value of a one-element float constant input, when known. */
function constFloat(c: GradContext, i: number): number | undefined {
  const name = c.node.inputs[i]!;
  const init = c.g.graph.initializers.get(name);
  if (init && init.data.length === 1) return Number(init.data[0]);
  const producer = c.g.graph.producer(name);
  if (producer?.opType === "Constant" && producer.hasAttr("value")) {
    const t = producer.getTensor("value");
    if (t.data.length === 1) return Number(t.data[0]);
  }
  const v = c.g.typeOf(name).value;
  return v?.length === 1 && typeof v[0] === "number" ? v[0] : undefined;
}
