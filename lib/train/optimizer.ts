/**
 * Optimizers as ONNX graph pieces (standard ops only), with PyTorch's update
 * rules so that trajectories match `torch.optim`:
 *
 * - SGD: `g = grad + wd·p`; with momentum `buf = μ·buf + (1-dampening)·g`
 *   (`buf = g` on the first step), `g = nesterov ? g + μ·buf : buf`; `p -= lr·g`.
 * - Adam: `g = grad + wd·p`; `m = β1·m + (1-β1)·g`; `v = β2·v + (1-β2)·g²`;
 *   `p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + eps)`.
 * - AdamW: as Adam with `p *= 1 - lr·wd` first and no `wd·p` in `g`.
 * - Gradient clipping as `clip_grad_norm_`: every gradient times
 *   `min(1, max_norm / (‖g‖₂ + 1e-6))` over the global L2 norm.
 *
 * The learning rate and the 1-based step count are graph inputs (float32
 * scalars), so schedulers need no new graph.
 *
 * @module
 */
import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "onnx-buf";
import { GraphBuilder, modelToBytes, type Value } from "../onnx/mod.ts";

/** Optimizer names. */
export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;
/** An optimizer name. */
export type OptimizerName = typeof OPTIMIZERS[number];

/** Optimizer hyper-parameters (PyTorch's names and defaults). */
export interface OptimizerSpec {
  name: OptimizerName;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
  /** Clip gradients to this global L2 norm before the update (off when absent or 0). */
  maxGradNorm?: number;
}

/** Name of the learning-rate input. */
export const LR_INPUT = "learning_rate";
/** Name of the step-count input (1 on the first update). */
export const STEP_INPUT = "step";
/** Name of the gradient-norm output (before clipping). */
export const GRAD_NORM_OUTPUT = "grad_norm";
/**
 * Name of the bool scalar input that asks for the gradient norm (graphs
 * without clipping only; with clipping the norm is always computed). When
 * false, `grad_norm` is NaN and the squared sums are skipped.
 */
export const GRAD_NORM_WANTED_INPUT = "compute_grad_norm";

/**
 * Names of the state tensors an optimizer keeps per parameter
 * (`<param>.momentum_buffer`, `<param>.exp_avg`, `<param>.exp_avg_sq`).
 *
 * @param spec the optimizer
 * @param param a parameter name
 * @returns state names, empty for plain SGD
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerStateNames } from "./optimizer.ts";
 * assert.deepEqual(optimizerStateNames({ name: "adam" }, "w"), ["w.exp_avg", "w.exp_avg_sq"]);
 * assert.deepEqual(optimizerStateNames({ name: "sgd" }, "w"), []);
 * ```
 */
export function optimizerStateNames(spec: OptimizerSpec, param: string): string[] {
  if (spec.name === "sgd") return (spec.momentum ?? 0) !== 0 ? [`${param}.momentum_buffer`] : [];
  return [`${param}.exp_avg`, `${param}.exp_avg_sq`];
}

/**
 * Checks hyper-parameters and fills PyTorch's defaults.
 *
 * @throws {RangeError} naming the field and its valid range
 */
export function checkOptimizerSpec(spec: OptimizerSpec): Required<OptimizerSpec> {
  if (!OPTIMIZERS.includes(spec.name)) {
    throw new RangeError(
      `Unknown optimizer ${JSON.stringify(spec.name)}: expected one of ${OPTIMIZERS.join(", ")}`,
    );
  }
  const full: Required<OptimizerSpec> = {
    name: spec.name,
    momentum: spec.momentum ?? 0,
    dampening: spec.dampening ?? 0,
    nesterov: spec.nesterov ?? false,
    weightDecay: spec.weightDecay ?? (spec.name === "adamw" ? 0.01 : 0),
    betas: spec.betas ?? [0.9, 0.999],
    eps: spec.eps ?? 1e-8,
    maxGradNorm: spec.maxGradNorm ?? 0,
  };
  const check = (ok: boolean, field: string, value: unknown, range: string) => {
    if (!ok) throw new RangeError(`Invalid optimizer.${field} ${JSON.stringify(value)}: ${range}`);
  };
  check(full.momentum >= 0, "momentum", full.momentum, "expected >= 0");
  check(full.weightDecay >= 0, "weight_decay", full.weightDecay, "expected >= 0");
  check(full.eps >= 0, "eps", full.eps, "expected >= 0");
  check(full.maxGradNorm >= 0, "max_grad_norm", full.maxGradNorm, "expected >= 0");
  for (const b of full.betas) check(b >= 0 && b < 1, "betas", full.betas, "expected in [0, 1)");
  check(
    !full.nesterov || (full.momentum > 0 && full.dampening === 0),
    "nesterov",
    true,
    "needs momentum > 0 and dampening 0",
  );
  return full;
}

/** One parameter's slot in an update. */
export interface UpdateEntry {
  param: Value;
  grad: Value;
  /** State values in the order of {@linkcode optimizerStateNames}. */
  states: Value[];
}

/** What {@linkcode appendOptimizerUpdate} emits. */
export interface UpdateResult {
  /** New parameter values, in entry order. */
  params: Value[];
  /** New state values, per entry, in state order. */
  states: Value[][];
  /** Global gradient L2 norm (before clipping). */
  gradNorm: Value;
}

/**
 * Emits one optimizer update for every entry into a graph.
 *
 * @param g the builder to emit into
 * @param spec optimizer and hyper-parameters
 * @param entries parameters with their gradients and states
 * @param lr learning-rate value (float32 scalar)
 * @param step step-count value (float32 scalar, 1 on the first update)
 * @param wantNorm without clipping, a bool scalar that says whether to
 *   compute the gradient norm (NaN when false); unset: always computed
 * @returns the new parameters and states
 */
export function appendOptimizerUpdate(
  g: GraphBuilder,
  spec: OptimizerSpec,
  entries: UpdateEntry[],
  lr: Value,
  step: Value,
  wantNorm?: Value,
): UpdateResult {
  const s = checkOptimizerSpec(spec);
  // momentum taken into the Gemm that makes the gradient, where it may be
  const momenta = entries.map((e) => momentumInGemm(g, s, e, !wantNorm));
  const normTerms = (b: GraphBuilder, inner: Value[]) =>
    inner.map((gr, i) => {
      const m = momenta[i];
      // the gradient is buf' - μ·buf (the norm is computed only on the steps that ask)
      return m ? b.op("Sub", [m, b.op("Mul", [entries[i]!.states[0]!, s.momentum])]) : gr;
    });
  const gradNorm = s.maxGradNorm > 0 || !wantNorm
    ? globalNorm(g, entries.map((e) => e.grad))
    : normOnRequest(
      g,
      entries.map((e, i) => momenta[i] ?? e.grad),
      wantNorm,
      normTerms,
      entries.filter((_, i) => momenta[i]).map((e) => e.states[0]!),
    );
  let grads = entries.map((e) => e.grad);
  if (s.maxGradNorm > 0) {
    const coef = g.op("Min", [g.op("Div", [s.maxGradNorm, g.op("Add", [gradNorm, 1e-6])]), 1]);
    grads = grads.map((gr) => g.op("Mul", [gr, coef]));
  }
  const params: Value[] = [];
  const states: Value[][] = [];
  const ctx = s.name === "sgd" ? sgdContext(g, s, step) : adamContext(g, s, lr, step);
  entries.forEach((e, i) => {
    const m = momenta[i];
    const out = m
      ? { param: g.op("Sub", [e.param, g.op("Mul", [m, lr])]), states: [m] }
      : s.name === "sgd"
      ? sgdUpdate(g, s, e, grads[i]!, lr, ctx)
      : adamUpdate(g, s, e, grads[i]!, lr, ctx);
    params.push(out.param);
    states.push(out.states);
  });
  return { params, states, gradNorm };
}

/**
 * SGD with plain momentum (no dampening, Nesterov, weight decay or clipping)
 * on a gradient that a Gemm without C makes and nothing else reads: the new
 * buffer `μ·buf + g` as that Gemm with `C = buf, beta = μ`, two full-size
 * passes fewer. Undefined where it does not apply.
 */
function momentumInGemm(
  g: GraphBuilder,
  s: Required<OptimizerSpec>,
  e: UpdateEntry,
  normAlways: boolean,
): Value | undefined {
  if (
    s.name !== "sgd" || s.momentum === 0 || s.dampening !== 0 || s.nesterov ||
    s.weightDecay !== 0 || s.maxGradNorm > 0 || normAlways
  ) return undefined;
  const graph = g.graph;
  const gemm = graph.producer(e.grad.name);
  if (
    !gemm || gemm.opType !== "Gemm" || gemm.domain !== "" || (gemm.inputs[2] ?? "") !== "" ||
    graph.consumers(e.grad.name).length > 0 || graph.isOutput(e.grad.name)
  ) return undefined;
  return g.op("Gemm", [gemm.inputs[0]!, gemm.inputs[1]!, e.states[0]!], {
    alpha: { type: "float", value: gemm.getFloat("alpha", 1) },
    beta: { type: "float", value: s.momentum },
    transA: gemm.getInt("transA", 0),
    transB: gemm.getInt("transB", 0),
  });
}

function globalNorm(g: GraphBuilder, grads: Value[]): Value {
  const squares = grads.map((gr) => g.op("ReduceSumSquare", [gr], { keepdims: 0 }));
  const total = squares.length === 1 ? squares[0]! : g.op("Sum", squares);
  return g.op("Sqrt", [total]);
}

/**
 * The global norm inside an `If` on `want` (NaN otherwise): onnxruntime runs
 * every node of a graph whatever outputs are fetched, but only the taken
 * branch of an `If`, so steps that do not log the norm skip a pass over every
 * gradient.
 */
function normOnRequest(
  g: GraphBuilder,
  grads: Value[],
  want: Value,
  terms: (b: GraphBuilder, inner: Value[]) => Value[],
  outerStates: Value[],
): Value {
  const prefix = g.graph.uniqueName("grad_norm_branch");
  const branch = (name: string, body: (b: GraphBuilder, inner: Value[]) => Value) => {
    const b = new GraphBuilder({ opset: g.opset, name: `${prefix}/${name}` });
    // the gradients come from the enclosing graph: declared here only to build
    const inner = grads.map((v) => b.input(v.name, { dtype: "float32", dims: v.dims }));
    for (const v of outerStates) b.input(v.name, { dtype: "float32", dims: v.dims });
    b.scope(`${prefix}/${name}`, () => b.output(body(b, inner), `${prefix}/${name}/norm`));
    const proto = fromBinary(ModelProtoSchema, modelToBytes(b.build())).graph!;
    proto.input = [];
    return { type: "graph" as const, value: proto };
  };
  const norm = g.op("If", [want], {
    then_branch: branch("then", (b, inner) => globalNorm(b, terms(b, inner))),
    else_branch: branch("else", (b) => b.op("Identity", [b.scalar(NaN)])),
  });
  return norm;
}

type Ctx = Record<string, Value>;

function sgdContext(g: GraphBuilder, s: Required<OptimizerSpec>, step: Value): Ctx {
  // With dampening 0 a zero-initialized buffer already equals the first gradient
  // after one update, so the first-step special case costs nothing to skip.
  if (s.momentum === 0 || s.dampening === 0) return {};
  // PyTorch starts the buffer as a copy of the first gradient, not from zero.
  const first = g.op("Equal", [step, 1]);
  return { gradCoef: g.op("Where", [first, 1, g.scalar(1 - s.dampening)]) };
}

function sgdUpdate(
  g: GraphBuilder,
  s: Required<OptimizerSpec>,
  e: UpdateEntry,
  grad: Value,
  lr: Value,
  ctx: Ctx,
): { param: Value; states: Value[] } {
  let d = s.weightDecay !== 0 ? g.op("Add", [grad, g.op("Mul", [e.param, s.weightDecay])]) : grad;
  const states: Value[] = [];
  if (s.momentum !== 0) {
    const scaled = ctx.gradCoef ? g.op("Mul", [d, ctx.gradCoef]) : d;
    const buf = g.op("Add", [g.op("Mul", [e.states[0]!, s.momentum]), scaled]);
    states.push(buf);
    d = s.nesterov ? g.op("Add", [d, g.op("Mul", [buf, s.momentum])]) : buf;
  }
  return { param: g.op("Sub", [e.param, g.op("Mul", [d, lr])]), states };
}

function adamContext(g: GraphBuilder, s: Required<OptimizerSpec>, lr: Value, step: Value): Ctx {
  const [b1, b2] = s.betas;
  const bc1 = g.op("Sub", [1, g.op("Pow", [g.scalar(b1), step])]);
  const bc2 = g.op("Sub", [1, g.op("Pow", [g.scalar(b2), step])]);
  // m / (√v/√bc2 + eps) · lr/bc1 == m / (√v + eps·√bc2) · (lr·√bc2/bc1): the
  // scalar work moves out of the per-element chain (one full-size op fewer).
  const bc2Sqrt = g.op("Sqrt", [bc2]);
  const ctx: Ctx = {
    stepSize: g.op("Div", [g.op("Mul", [lr, bc2Sqrt]), bc1]),
    epsScaled: g.op("Mul", [bc2Sqrt, s.eps]),
  };
  if (s.name === "adamw" && s.weightDecay !== 0) {
    ctx.decay = g.op("Sub", [1, g.op("Mul", [lr, s.weightDecay])]);
  }
  return ctx;
}

function adamUpdate(
  g: GraphBuilder,
  s: Required<OptimizerSpec>,
  e: UpdateEntry,
  grad: Value,
  _lr: Value,
  ctx: Ctx,
): { param: Value; states: Value[] } {
  const [b1, b2] = s.betas;
  let p = e.param;
  let d = grad;
  if (s.name === "adamw" && ctx.decay) p = g.op("Mul", [p, ctx.decay]);
  else if (s.weightDecay !== 0) d = g.op("Add", [d, g.op("Mul", [p, s.weightDecay])]);
  const m = g.op("Add", [g.op("Mul", [e.states[0]!, b1]), g.op("Mul", [d, 1 - b1])]);
  const v = g.op("Add", [
    g.op("Mul", [e.states[1]!, b2]),
    g.op("Mul", [g.op("Mul", [d, d]), 1 - b2]),
  ]);
  const denom = g.op("Add", [g.op("Sqrt", [v]), ctx.epsScaled!]);
  const upd = g.op("Mul", [g.op("Div", [m, denom]), ctx.stepSize!]);
  return { param: g.op("Sub", [p, upd]), states: [m, v] };
}

/**
 * Adds the {@linkcode GRAD_NORM_WANTED_INPUT} input to an update graph when
 * the optimizer does not clip (clipping always needs the norm).
 *
 * @param g the builder of the update graph
 * @param spec the optimizer
 * @returns the bool input, or undefined when the norm is always computed
 */
export function gradNormWantedInput(g: GraphBuilder, spec: OptimizerSpec): Value | undefined {
  if ((spec.maxGradNorm ?? 0) > 0) return undefined;
  return g.input(GRAD_NORM_WANTED_INPUT, { dtype: "bool", dims: [] });
}

/** A parameter's name and static dims, for {@linkcode buildOptimizerModel}. */
export interface ParamInfo {
  name: string;
  dims: number[];
}

/**
 * The standalone `optimizer_model.onnx`: inputs `learning_rate`, `step`, and
 * per parameter `<p>`, `<p>_grad` and its states; outputs `<p>.updated`, the
 * states' `.updated`, and `grad_norm`.
 *
 * @param spec optimizer and hyper-parameters
 * @param params parameter names and dims
 * @returns the builder's model
 */
export function buildOptimizerModel(spec: OptimizerSpec, params: ParamInfo[]) {
  const g = new GraphBuilder({ opset: 17, name: "optimizer" });
  const lr = g.input(LR_INPUT, { dtype: "float32", dims: [] });
  const step = g.input(STEP_INPUT, { dtype: "float32", dims: [] });
  const want = gradNormWantedInput(g, spec);
  const entries: UpdateEntry[] = params.map((p) => ({
    param: g.input(p.name, { dtype: "float32", dims: p.dims }),
    grad: g.input(`${p.name}_grad`, { dtype: "float32", dims: p.dims }),
    states: optimizerStateNames(spec, p.name).map((n) =>
      g.input(n, { dtype: "float32", dims: p.dims })
    ),
  }));
  const out = appendOptimizerUpdate(g, spec, entries, lr, step, want);
  params.forEach((p, i) => {
    g.output(out.params[i]!, `${p.name}.updated`);
    optimizerStateNames(spec, p.name).forEach((n, j) =>
      g.output(out.states[i]![j]!, `${n}.updated`)
    );
  });
  g.output(out.gradNorm, GRAD_NORM_OUTPUT);
  return g.build();
}
