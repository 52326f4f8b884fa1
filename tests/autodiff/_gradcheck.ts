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
import { assertClose, finiteDifferenceCheck, rng, WORST } from "./_finite_difference.ts";

export { assertClose, directionalCheck, finiteDifferenceCheck, rng } from "./_finite_difference.ts";

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
