// Elementwise kernels: unary functions, broadcasting binary and variadic ops,
// comparisons, Where, Clip, Cast.

import { dtypeFromOnnx } from "../dtype.ts";
import type { Node } from "../node.ts";
import {
  attrFloat,
  broadcastDims,
  broadcastIndex,
  type Kernel,
  nd,
  type NdArray,
  storeAs,
} from "./_array.ts";
import { erf } from "./_erf.ts";

function unary(f: (x: number, node: Node) => number): Kernel {
  return (node, [x]) => {
    const out = new Float64Array(x!.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(x!.data[i]!, node);
    return [nd(x!.dtype, x!.dims, storeAs(x!.dtype, out))];
  };
}

/** Applies `f` over broadcast inputs; the result has `dtype` (default: the first input's). */
function nary(
  f: (args: number[]) => number,
  dtype?: (inputs: NdArray[]) => NdArray["dtype"],
): Kernel {
  return (node, inputs) => {
    const xs = inputs.filter((x): x is NdArray => x !== undefined);
    const dims = broadcastDims(node, xs.map((x) => x.dims));
    const idx = xs.map((x) => broadcastIndex(dims, x.dims));
    const out = new Float64Array(idx[0]!.length);
    const args = new Array<number>(xs.length);
    for (let i = 0; i < out.length; i++) {
      for (let k = 0; k < xs.length; k++) args[k] = xs[k]!.data[idx[k]![i]!]!;
      out[i] = f(args);
    }
    const t = dtype ? dtype(xs) : xs[0]!.dtype;
    return [nd(t, dims, storeAs(t, out))];
  };
}

const bool = () => "bool" as const;

function isInt(x: NdArray): boolean {
  return x.dtype !== "float32" && x.dtype !== "float64";
}

const div: Kernel = (node, inputs) => {
  const [a] = inputs;
  const f = isInt(a!) ? ([p, q]: number[]) => Math.trunc(p! / q!) : ([p, q]: number[]) => p! / q!;
  return nary(f)(node, inputs, { opset: 0 });
};

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function hardSigmoid(x: number, alpha: number, beta: number): number {
  return Math.max(0, Math.min(1, alpha * x + beta));
}

const cast: Kernel = (node, [x]) => {
  const to = dtypeFromOnnx(node.getInt("to"));
  if (to === undefined) {
    throw new TypeError(`Node ${node.label}: unknown Cast target ${node.getInt("to")}`);
  }
  return [nd(to, x!.dims, storeAs(to, Float64Array.from(x!.data)))];
};

const clip: Kernel = (_node, [x, lo, hi]) => {
  const min = lo ? lo.data[0]! : -Infinity;
  const max = hi ? hi.data[0]! : Infinity;
  const out = x!.data.map((v) => Math.min(Math.max(v, min), max));
  return [nd(x!.dtype, x!.dims, out)];
};

const where: Kernel = (node, [c, a, b]) => {
  const dims = broadcastDims(node, [c!.dims, a!.dims, b!.dims]);
  const [ic, ia, ib] = [c!, a!, b!].map((x) => broadcastIndex(dims, x.dims));
  const out = new Float64Array(ic!.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = c!.data[ic![i]!] ? a!.data[ia![i]!]! : b!.data[ib![i]!]!;
  }
  return [nd(a!.dtype, dims, out)];
};

export const ELEMENTWISE_KERNELS: Record<string, Kernel> = {
  Identity: (_n, [x]) => [x],
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Sign: unary(Math.sign),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Round: unary((x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r; // half to even
  }),
  Relu: unary((x) => (x > 0 ? x : 0)),
  LeakyRelu: unary((x, n) => (x >= 0 ? x : x * attrFloat(n, "alpha", 0.01))),
  Elu: unary((x, n) => (x > 0 ? x : attrFloat(n, "alpha", 1) * Math.expm1(x))),
  Sigmoid: unary(sigmoid),
  Softplus: unary(softplus),
  Tanh: unary(Math.tanh),
  Erf: unary(erf),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((x) => 1 / x),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  HardSigmoid: unary((x, n) =>
    hardSigmoid(x, attrFloat(n, "alpha", 0.2), attrFloat(n, "beta", 0.5))
  ),
  HardSwish: unary((x) => x * hardSigmoid(x, 1 / 6, 0.5)),
  Not: unary((x) => (x ? 0 : 1)),
  IsNaN: (_n, [x]) => [nd("bool", x!.dims, x!.data.map((v) => (Number.isNaN(v) ? 1 : 0)))],
  Add: nary(([a, b]) => a! + b!),
  Sub: nary(([a, b]) => a! - b!),
  Mul: nary(([a, b]) => a! * b!),
  Div: div,
  Pow: nary(([a, b]) => Math.pow(a!, b!)),
  PRelu: nary(([x, s]) => (x! >= 0 ? x! : x! * s!)),
  Max: nary((xs) => Math.max(...xs)),
  Min: nary((xs) => Math.min(...xs)),
  Sum: nary((xs) => xs.reduce((p, q) => p + q, 0)),
  Mean: nary((xs) => xs.reduce((p, q) => p + q, 0) / xs.length),
  Equal: nary(([a, b]) => (a === b ? 1 : 0), bool),
  Greater: nary(([a, b]) => (a! > b! ? 1 : 0), bool),
  GreaterOrEqual: nary(([a, b]) => (a! >= b! ? 1 : 0), bool),
  Less: nary(([a, b]) => (a! < b! ? 1 : 0), bool),
  LessOrEqual: nary(([a, b]) => (a! <= b! ? 1 : 0), bool),
  And: nary(([a, b]) => (a && b ? 1 : 0), bool),
  Or: nary(([a, b]) => (a || b ? 1 : 0), bool),
  Xor: nary(([a, b]) => (!a !== !b ? 1 : 0), bool),
  Where: where,
  Clip: clip,
  Cast: cast,
  CastLike: (
    _node,
    [x, like],
  ) => [nd(like!.dtype, x!.dims, storeAs(like!.dtype, Float64Array.from(x!.data)))],
};
