/**
 * Finite-difference gradient checks. A case builds a forward graph (in float64
 * and in float32 from the same function); the harness projects its outputs
 * onto fixed random weights to get a scalar loss, differentiates it with
 * `buildGradients`, and checks:
 *
 * 1. float64, reference evaluator: the analytic gradient against a 5-point
 *    central difference (h = 1e-3, error O(h⁴)), each element's error
 *    `|a - n| / max(|a|, |n|, FLOOR)` below the case's tolerance (1e-6);
 * 2. float64, onnxruntime, where its CPU kernels have float64 (the ops
 *    lacking them are reported): equal to the evaluator within 1e-9;
 * 3. float32, onnxruntime: the gradient graph built from the float32 forward
 *    runs, agrees with the float64 gradient (normwise 1e-4), and with the
 *    evaluator run on the same float32 graph (normwise 1e-4), which
 *    cross-checks the evaluator against onnxruntime on every op of the case.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type DType,
  GraphBuilder,
  type Model,
  Session,
  type Tensor,
  tensor,
  type Value,
} from "../../lib/onnx/mod.ts";
import { evaluate } from "../../lib/onnx/reference/mod.ts";
import { buildGradients } from "../../lib/autodiff/mod.ts";

/** Elements whose gradient is below this are compared absolutely (error / FLOOR). */
export const FLOOR = 1e-3;

/** A float input: dims, and how to draw its values. */
export interface InputSpec {
  dims: number[];
  /** Dims declared on the graph input (symbols allowed), when they differ from `dims`. */
  declare?: (number | string)[];
  dtype?: "float" | "int64" | "bool";
  /** Exact values (row-major). */
  values?: number[];
  /** Uniform range for random values (default [-1, 1]). */
  range?: [number, number];
  /** Redraw values closer than this to any kink listed in `kinks` (default 0.05). */
  margin?: number;
  kinks?: number[];
  /** Values pairwise at least this far apart (for max/min selections). */
  distinct?: number;
}

/** A gradient-check case. */
export interface GradCase {
  inputs: Record<string, InputSpec | number[]>;
  build: (g: GraphBuilder, v: Record<string, Value>, dtype: DType) => Value | Value[];
  /** Inputs to differentiate (default: every float input). */
  wrt?: string[];
  opset?: number;
  tolerance?: number;
  /** Elements checked per input at most (default 64; the rest are sampled). */
  maxElements?: number;
  seed?: number;
  /** Skip the onnxruntime runs (for random ops whose draws differ from the evaluator's). */
  evaluatorOnly?: boolean;
}

/** What a check found. */
export interface GradReport {
  maxError: number;
  /** The op onnxruntime has no float64 kernel for, when it could not run the float64 graph. */
  ortFloat64Missing?: string;
}

/** ORT ops found without float64 kernels, across all checks of a test file. */
export const MISSING_FLOAT64 = new Set<string>();

/** The largest float64 error seen, across all checks of a test file. */
export const WORST = { error: 0 };

/**
 * Registers a last test that prints what the file's checks found: the largest
 * relative error and the ops onnxruntime ran without float64 kernels (those
 * checks relied on the evaluator alone in float64).
 *
 * @param file For the printout.
 */
export function summarize(file: string): void {
  Deno.test(`${file}: summary of the gradient checks`, () => {
    assert.ok(WORST.error < 1e-6);
    console.log(
      `max relative error ${
        WORST.error.toExponential(2)
      }; onnxruntime lacked float64 kernels for: ${
        [...MISSING_FLOAT64].sort().join(", ") || "none"
      }`,
    );
  });
}

/**
 * A seeded generator of uniform numbers in [0, 1).
 *
 * @param seed The seed.
 * @returns The generator.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function spec(s: InputSpec | number[]): InputSpec {
  return Array.isArray(s) ? { dims: s } : s;
}

function draw(s: InputSpec, rand: () => number): number[] {
  const n = s.dims.reduce((a, b) => a * b, 1);
  if (s.values) return s.values;
  const [lo, hi] = s.range ?? [-1, 1];
  const kinks = s.kinks ?? [];
  const margin = s.margin ?? 0.05;
  const out: number[] = [];
  while (out.length < n) {
    const v = lo + (hi - lo) * rand();
    if (kinks.some((k) => Math.abs(v - k) < margin)) continue;
    if (s.distinct && out.some((u) => Math.abs(u - v) < s.distinct!)) continue;
    out.push(v);
  }
  return out;
}

function feedsOf(
  c: GradCase,
  values: Record<string, number[]>,
  float: "float32" | "float64",
): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, raw] of Object.entries(c.inputs)) {
    const s = spec(raw);
    const dtype = s.dtype === "int64" ? "int64" : s.dtype === "bool" ? "bool" : float;
    feeds[name] = tensor(dtype, s.dims, values[name]!);
  }
  return feeds;
}

/** The forward graph with `loss = Σ_k ΣΣ out_k · R_k`. */
function forward(c: GradCase, dtype: "float32" | "float64", weights: () => number): Model {
  const g = new GraphBuilder({ opset: c.opset ?? 17 });
  const vals: Record<string, Value> = {};
  for (const [name, raw] of Object.entries(c.inputs)) {
    const s = spec(raw);
    const t = s.dtype === "int64" ? "int64" : s.dtype === "bool" ? "bool" : dtype;
    vals[name] = g.input(name, { dtype: t, dims: s.declare ?? s.dims });
  }
  const outs = [c.build(g, vals, dtype)].flat();
  const terms = outs.map((o, k) => {
    const dims = o.dims;
    if (!dims || !dims.every((d) => typeof d === "number")) {
      throw new Error(`Case output ${k} "${o.name}" needs static dims, got ${dims}`);
    }
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    const r = g.constant(
      tensor(dtype, dims as number[], Array.from({ length: n }, () => 2 * weights() - 1)),
    );
    return g.op("ReduceSum", [g.op("Mul", [o, r])], { keepdims: 0 });
  });
  g.output(terms.length === 1 ? terms[0]! : g.op("Sum", terms), "loss");
  return g.build();
}

function lossAt(model: Model, feeds: Record<string, Tensor>): number {
  const { loss } = evaluate(model, feeds, { outputs: ["loss"] });
  let sum = 0;
  for (const v of loss!.data as Float64Array) sum += v;
  return sum;
}

/**
 * Runs the three checks of a case and asserts them.
 *
 * @param c The case.
 * @returns The largest float64 error and what onnxruntime lacked.
 */
export async function gradCheck(c: GradCase): Promise<GradReport> {
  const rand = rng(c.seed ?? 1234);
  const values: Record<string, number[]> = {};
  for (const [name, raw] of Object.entries(c.inputs)) values[name] = draw(spec(raw), rand);
  const wrt = c.wrt ?? Object.entries(c.inputs)
    .filter(([, s]) => (spec(s).dtype ?? "float") === "float").map(([n]) => n);
  const m64 = forward(c, "float64", rng(99));
  const feeds = feedsOf(c, values, "float64");
  const { model, analytic, names, maxError } = finiteDifferenceCheck(m64, feeds, wrt, {
    tolerance: c.tolerance,
    maxElements: c.maxElements,
    rand,
  });
  const report: GradReport = { maxError };
  if (c.evaluatorOnly) return report;
  const missing = await ortFloat64(model, feeds, analytic, names);
  if (missing) {
    report.ortFloat64Missing = missing;
    MISSING_FLOAT64.add(missing);
  }
  await ortFloat32(c, values, wrt, analytic, names);
  return report;
}

/** What `finiteDifferenceCheck` computed. */
export interface FiniteDifferenceResult {
  /** The gradient model. */
  model: Model;
  /** Gradient output → its float64 value from the evaluator. */
  analytic: Record<string, Tensor>;
  /** Gradient output names, in `wrt` order. */
  names: string[];
  maxError: number;
}

/**
 * Differentiates a float64 model's `loss` output with `buildGradients`,
 * evaluates the gradients with the reference evaluator and asserts them
 * against 5-point central differences of the evaluated loss.
 *
 * @param m64 A float64 model with a scalar `loss` output.
 * @param feeds Its feeds.
 * @param wrt Inputs or initializers to differentiate against.
 * @param o Tolerance (1e-6), elements per tensor (64), random source.
 * @returns The gradient model, gradients and the largest error.
 */
export function finiteDifferenceCheck(
  m64: Model,
  feeds: Record<string, Tensor>,
  wrt: string[],
  o: {
    tolerance?: number;
    maxElements?: number;
    rand?: () => number;
    /** Step (default 1e-3; smaller where kinks of Relu or MaxPool may lie near). */
    step?: number;
    /** Parameters whose elements are checked one by one (default all of `wrt`). */
    elementwise?: string[];
  } = {},
): FiniteDifferenceResult {
  const rand = o.rand ?? rng(4321);
  const g64 = buildGradients(m64, { loss: "loss", wrt });
  const names = wrt.map((p) => g64.gradients.get(p)!);
  const full: Record<string, Tensor> = { ...feeds };
  for (const p of wrt) full[p] ??= m64.graph.initializers.get(p)!;
  for (const [stat] of g64.updates) full[stat] ??= m64.graph.initializers.get(stat)!;
  const analytic = evaluate(g64.model, full, { outputs: names });
  const tolerance = o.tolerance ?? 1e-6;
  let maxError = 0;
  for (const [k, p] of wrt.entries()) {
    if (o.elementwise && !o.elementwise.includes(p)) continue;
    const a = analytic[names[k]!]!.data as Float64Array;
    for (const i of pick(a.length, o.maxElements ?? 64, rand)) {
      const n = centralDifference(m64, full, (f) => moveOne(f, p, i), o.step ?? 1e-3);
      const err = Math.abs(a[i]! - n) / Math.max(Math.abs(a[i]!), Math.abs(n), FLOOR);
      maxError = Math.max(maxError, err);
      assert.ok(
        err < tolerance,
        `d loss / d ${p}[${i}]: analytic ${a[i]}, finite difference ${n}, relative error ${err}`,
      );
    }
  }
  WORST.error = Math.max(WORST.error, maxError);
  return { model: g64.model, analytic, names, maxError };
}

function pick(n: number, max: number, rand: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, max);
}

/** Feeds with element `i` of `p` moved by `delta`. */
function moveOne(feeds: Record<string, Tensor>, p: string, i: number) {
  return (delta: number): Record<string, Tensor> => {
    const moved = Float64Array.from(feeds[p]!.data as Float64Array);
    moved[i] = moved[i]! + delta;
    return { ...feeds, [p]: { ...feeds[p]!, data: moved } };
  };
}

type Move = (f: Record<string, Tensor>) => (delta: number) => Record<string, Tensor>;

/** `d loss / d t` at 0 of `loss(move(t))`, by the 5-point central difference. */
function centralDifference(
  model: Model,
  feeds: Record<string, Tensor>,
  move: Move,
  h: number,
): number {
  const at = (delta: number) => lossAt(model, move(feeds)(delta));
  return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
}

/**
 * Checks every gradient at once along one direction v = ĝ + r̂ (the unit
 * analytic gradient plus a unit random direction over all parameters):
 * `Σ_p ⟨grad_p, v_p⟩` against the finite difference of `loss(θ + t·v)`. The
 * step moves the parameters by about 2t in all, so kinks (Relu, MaxPool) are
 * rarely crossed.
 *
 * @param model The float64 forward model with a `loss` output.
 * @param feeds Feeds with every parameter.
 * @param grads Parameter → its analytic gradient.
 * @param o Step, tolerance, random source.
 * @returns The relative error.
 */
export function directionalCheck(
  model: Model,
  feeds: Record<string, Tensor>,
  grads: Map<string, Tensor>,
  o: { step?: number; tolerance?: number; rand?: () => number } = {},
): number {
  const rand = o.rand ?? rng(77);
  const random = new Map<string, Float64Array>();
  let gNorm = 0;
  let rNorm = 0;
  for (const [p, g] of grads) {
    const r = Float64Array.from({ length: g.data.length }, () => 2 * rand() - 1);
    random.set(p, r);
    (g.data as Float64Array).forEach((x, i) => {
      gNorm += x * x;
      rNorm += r[i]! * r[i]!;
    });
  }
  gNorm = Math.sqrt(gNorm);
  rNorm = Math.sqrt(rNorm);
  const dir = new Map<string, Float64Array>();
  let predicted = 0;
  for (const [p, g] of grads) {
    const r = random.get(p)!;
    const v = (g.data as Float64Array).map((x, i) => x / gNorm + r[i]! / rNorm);
    dir.set(p, v);
    (g.data as Float64Array).forEach((x, i) => (predicted += x * v[i]!));
  }
  const move: Move = (f) => (t) => {
    const out = { ...f };
    for (const [p, v] of dir) {
      const base = f[p]!.data as Float64Array;
      out[p] = { ...f[p]!, data: base.map((x, i) => x + t * v[i]!) };
    }
    return out;
  };
  const n = centralDifference(model, feeds, move, o.step ?? 1e-5);
  const err = Math.abs(predicted - n) / Math.max(Math.abs(predicted), Math.abs(n), FLOOR);
  assert.ok(
    err < (o.tolerance ?? 1e-6),
    `directional derivative: analytic ${predicted}, finite difference ${n}, relative error ${err}`,
  );
  WORST.error = Math.max(WORST.error, err);
  return err;
}

async function ortFloat64(
  model: Model,
  feeds: Record<string, Tensor>,
  analytic: Record<string, Tensor>,
  names: string[],
): Promise<string | undefined> {
  let s: Session;
  try {
    s = await Session.create(model, { graphOptimizationLevel: "disabled" });
  } catch (err) {
    const m = /implementation for (\w+)\(/.exec(String((err as Error).message));
    if (m) return m[1];
    throw err;
  }
  try {
    const out = await s.run(feeds, { outputs: names });
    for (const n of names) assertClose(out[n]!, analytic[n]!, 1e-9, `onnxruntime float64 "${n}"`);
  } finally {
    await s.release();
  }
  return undefined;
}

async function ortFloat32(
  c: GradCase,
  values: Record<string, number[]>,
  wrt: string[],
  analytic: Record<string, Tensor>,
  names64: string[],
): Promise<void> {
  const m32 = forward(c, "float32", rng(99));
  const g32 = buildGradients(m32, { loss: "loss", wrt });
  const feeds = feedsOf(c, values, "float32");
  const names = wrt.map((p) => g32.gradients.get(p)!);
  const s = await Session.create(g32.model, { graphOptimizationLevel: "all" });
  try {
    const out = await s.run(feeds, { outputs: names });
    const ref32 = evaluate(g32.model, feeds, { outputs: names });
    names.forEach((n, k) => {
      assertClose(out[n]!, analytic[names64[k]!]!, 1e-4, `onnxruntime float32 "${n}" vs float64`);
      assertClose(out[n]!, ref32[n]!, 1e-4, `onnxruntime float32 "${n}" vs the evaluator`);
    });
  } finally {
    await s.release();
  }
}

/**
 * Asserts `max|a - b| <= tol · max(max|b|, 1e-3)`.
 *
 * @param a Tensor checked.
 * @param b Reference.
 * @param tol Relative tolerance (normwise).
 * @param what For the message.
 */
export function assertClose(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.dims, b.dims, `${what}: dims`);
  const x = a.data as ArrayLike<number>;
  const y = b.data as ArrayLike<number>;
  let scale = 1e-3;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(Number(y[i])));
  for (let i = 0; i < y.length; i++) {
    const d = Math.abs(Number(x[i]) - Number(y[i]));
    assert.ok(
      d <= tol * scale,
      `${what}: element ${i} is ${x[i]}, expected ${y[i]} (scale ${scale})`,
    );
  }
}
