/**
 * Finite differences of a float64 model's `loss` output, evaluated by the
 * reference evaluator: element by element (5-point central difference,
 * error O(h⁴)) and along one direction over all parameters.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Model, Tensor } from "../../lib/onnx/mod.ts";
import { evaluate } from "../../lib/onnx/reference/mod.ts";
import { buildGradients } from "../../lib/autodiff/mod.ts";

/** Elements whose gradient is below this are compared absolutely (error / FLOOR). */
export const FLOOR = 1e-3;

/** The largest float64 error seen, across all checks of a test file. */
export const WORST = { error: 0 };

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

function lossAt(model: Model, feeds: Record<string, Tensor>): number {
  const { loss } = evaluate(model, feeds, { outputs: ["loss"] });
  let sum = 0;
  for (const v of loss!.data as Float64Array) sum += v;
  return sum;
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
