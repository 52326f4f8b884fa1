// Inference rules of elementwise ops: unary (same type and dims), broadcasting
// binary and variadic ops, comparisons, Where, Cast, and value propagation for
// the small integer tensors of shape computations.

import { type DType, dtypeFromOnnx, isFloatDType } from "./dtype.ts";
import { numel } from "./tensor.ts";
import { type Dim, formatDims, isStaticDims } from "./value_info.ts";
import { broadcastDims, dimAdd, dimDivide, dimProduct } from "./_dims.ts";
import { MAX_TRACKED, type RuleContext, type ShapeRule, type TypeInfo } from "./_infer.ts";

const SAME_AS_INPUT = [
  "Relu",
  "Sigmoid",
  "Tanh",
  "Erf",
  "Exp",
  "Log",
  "Sqrt",
  "Abs",
  "Reciprocal",
  "Floor",
  "Ceil",
  "Round",
  "Sign",
  "Sin",
  "Cos",
  "Tan",
  "Asin",
  "Acos",
  "Atan",
  "Sinh",
  "Cosh",
  "Asinh",
  "Acosh",
  "Atanh",
  "HardSigmoid",
  "HardSwish",
  "LeakyRelu",
  "Elu",
  "Selu",
  "Celu",
  "Softplus",
  "Softsign",
  "Gelu",
  "Mish",
  "ThresholdedRelu",
  "Softmax",
  "LogSoftmax",
  "Hardmax",
  "Clip",
  "Shrink",
  "LRN",
  "InstanceNormalization",
  "LpNormalization",
  "CumSum",
  "Trilu",
  "MeanVarianceNormalization",
  "BitwiseNot",
  "ScatterND",
  "ScatterElements",
  "Scatter",
  "ReverseSequence",
  "Bernoulli",
] as const;

const BROADCAST_SAME = [
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Mod",
  "PRelu",
  "BitShift",
  "BitwiseAnd",
  "BitwiseOr",
  "BitwiseXor",
];
const BROADCAST_BOOL = [
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "And",
  "Or",
  "Xor",
];
const VARIADIC = ["Sum", "Mean", "Max", "Min"];

/** Same type and dims as input 0 (with the value kept for Identity). */
function sameAsInput(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  return [{ dtype: x.dtype, dims: x.dims }];
}

/** Broadcast of several inputs, failing with both shapes when they cannot. */
export function broadcastInputs(ctx: RuleContext, indices: number[]): Dim[] | undefined {
  let dims: Dim[] | undefined = ctx.in(indices[0]!).dims;
  for (const i of indices.slice(1)) {
    const next = broadcastDims(dims, ctx.in(i).dims);
    if (next === false) {
      ctx.fail(`cannot broadcast ${formatDims(dims)} with ${ctx.describe(i)}: sizes differ`);
    }
    dims = next;
  }
  return dims;
}

/** Fails when given inputs have known, different dtypes. */
export function sameDType(ctx: RuleContext, indices: number[]): DType | undefined {
  let dtype: DType | undefined;
  let first = -1;
  for (const i of indices) {
    const d = ctx.has(i) ? ctx.in(i).dtype : undefined;
    if (d === undefined) continue;
    if (dtype !== undefined && d !== dtype) {
      ctx.failType(`input types differ: ${ctx.describe(first)} and ${ctx.describe(i)}`);
    }
    dtype = d;
    first = i;
  }
  return dtype;
}

type Scalar = (a: Dim, b: Dim, int: boolean) => Dim;

const BINARY_VALUE: Record<string, Scalar> = {
  Add: (a, b) => dimAdd(a, b),
  Sub: (a, b) => (typeof a === "number" && typeof b === "number" ? a - b : b === 0 ? a : null),
  Mul: (a, b) => dimProduct([a, b]),
  Div: (a, b, int) =>
    typeof a === "number" && typeof b === "number"
      ? (int ? Math.trunc(a / b) : a / b)
      : int
      ? dimDivide(a, b)
      : null,
  Equal: (a, b) =>
    a === b && a !== null
      ? 1
      : typeof a === "number" && typeof b === "number"
      ? 0
      : negVsSymbol(a, b)
      ? 0
      : null,
  Less: (a, b) => (typeof a === "number" && typeof b === "number" ? Number(a < b) : null),
  Greater: (a, b) => (typeof a === "number" && typeof b === "number" ? Number(a > b) : null),
  Max: (a, b) => (typeof a === "number" && typeof b === "number" ? Math.max(a, b) : null),
  Min: (a, b) => (typeof a === "number" && typeof b === "number" ? Math.min(a, b) : null),
};

/** A symbolic size never equals a negative number. */
function negVsSymbol(a: Dim, b: Dim): boolean {
  return (typeof a === "string" && typeof b === "number" && b < 0) ||
    (typeof b === "string" && typeof a === "number" && a < 0);
}

/** Evaluates an elementwise op over known small values with broadcasting. */
export function evalBroadcast(
  dims: Dim[] | undefined,
  args: TypeInfo[],
  f: (xs: Dim[]) => Dim,
): Dim[] | undefined {
  if (!isStaticDims(dims) || args.some((a) => !a.value || !isStaticDims(a.dims))) return undefined;
  const n = numel(dims);
  if (n > MAX_TRACKED) return undefined;
  const out: Dim[] = new Array(n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    const xs = args.map((a) => a.value![offsetOf(idx, dims, a.dims as number[])]!);
    out[k] = f(xs);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function offsetOf(idx: number[], outDims: number[], dims: number[]): number {
  let off = 0;
  const lead = outDims.length - dims.length;
  for (let d = 0; d < dims.length; d++) off = off * dims[d]! + (dims[d] === 1 ? 0 : idx[d + lead]!);
  return off;
}

function binary(bool: boolean): ShapeRule {
  return (ctx) => {
    const dtype =
      ctx.node.opType === "Pow" || ctx.node.opType === "BitShift" || ctx.node.opType === "PRelu"
        ? ctx.in(0).dtype
        : sameDType(ctx, [0, 1]);
    const dims = broadcastInputs(ctx, [0, 1]);
    const f = BINARY_VALUE[ctx.node.opType];
    const int = dtype !== undefined && !isFloatDType(dtype);
    const value = f
      ? evalBroadcast(dims, [ctx.in(0), ctx.in(1)], ([a, b]) => f(a!, b!, int))
      : undefined;
    return [{ dtype: bool ? "bool" : dtype, dims, value }];
  };
}

function variadic(ctx: RuleContext): TypeInfo[] {
  const all = ctx.node.inputs.map((_, i) => i);
  return [{ dtype: sameDType(ctx, all), dims: broadcastInputs(ctx, all) }];
}

function where(ctx: RuleContext): TypeInfo[] {
  const dtype = sameDType(ctx, [1, 2]);
  const dims = broadcastInputs(ctx, [0, 1, 2]);
  const value = evalBroadcast(
    dims,
    [ctx.in(0), ctx.in(1), ctx.in(2)],
    ([c, a, b]) => typeof c === "number" ? (c ? a! : b!) : null,
  );
  return [{ dtype, dims, value }];
}

function cast(ctx: RuleContext): TypeInfo[] {
  const code = ctx.node.getInt("to");
  const dtype = dtypeFromOnnx(code);
  const x = ctx.in(0);
  let value = x.value;
  if (value && dtype && !isFloatDType(dtype)) {
    value = value.map((
      v,
    ) => (typeof v === "number" ? (dtype === "bool" ? Number(v !== 0) : Math.trunc(v)) : v));
  }
  return [{ dtype, dims: x.dims, value }];
}

function unaryValue(ctx: RuleContext, f: (x: number) => number): TypeInfo[] {
  const x = ctx.in(0);
  const value = x.value?.map((v) => (typeof v === "number" ? f(v) : null));
  return [{ dtype: x.dtype, dims: x.dims, value }];
}

/** Rules of this family. */
export const ELEMENTWISE_RULES: Record<string, ShapeRule> = {
  Identity: (ctx) => [{ ...ctx.in(0) }],
  Neg: (ctx) => unaryValue(ctx, (x) => -x),
  Abs: (ctx) => unaryValue(ctx, Math.abs),
  Not: (ctx) => [{ dtype: "bool", dims: ctx.in(0).dims }],
  IsNaN: (ctx) => [{ dtype: "bool", dims: ctx.in(0).dims }],
  IsInf: (ctx) => [{ dtype: "bool", dims: ctx.in(0).dims }],
  Where: where,
  Cast: cast,
  CastLike: (ctx) => [{ dtype: ctx.in(1).dtype, dims: ctx.in(0).dims }],
  Dropout: (ctx) => {
    const x = ctx.in(0);
    return [{ dtype: x.dtype, dims: x.dims }, { dtype: "bool", dims: x.dims }];
  },
};
for (const op of SAME_AS_INPUT) ELEMENTWISE_RULES[op] ??= sameAsInput;
for (const op of BROADCAST_SAME) ELEMENTWISE_RULES[op] = binary(false);
for (const op of BROADCAST_BOOL) ELEMENTWISE_RULES[op] = binary(true);
for (const op of VARIADIC) ELEMENTWISE_RULES[op] = variadic;
