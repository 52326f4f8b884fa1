/**
 * Measuring models the way a deployment sees them: file size, latency at a
 * batch size (several models measured in interleaved rounds, so that a
 * shared machine's load falls on all of them alike), accuracy on a labelled
 * split, and ONNX Runtime's own profile of which operators take the time.
 *
 * @module
 */
import {
  type Model,
  modelToBytes,
  Session,
  type SessionOptions,
  type Tensor,
} from "../onnx/mod.ts";

/** Latency figures in milliseconds. */
export interface LatencyStats {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  /** Timed runs. */
  runs: number;
}

/** Options of {@linkcode measureLatency}. */
export interface LatencyOptions {
  /** Timed runs per model (default 100). */
  iterations?: number;
  /** Untimed runs per model first, and per round (default 10). */
  warmup?: number;
  /** Rounds the runs are split into, models taking turns (default 5). */
  rounds?: number;
  /** Intra-op threads (default 1: at batch 1, thread hand-offs cost more than they give). */
  threads?: number;
}

/** The session options the measurements use.  * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionOptions } from "./mod.ts";
 * assert.equal(sessionOptions().intraOpThreads, 1);
 * ```
 */
export function sessionOptions(threads = 1): SessionOptions {
  return {
    intraOpThreads: threads,
    interOpThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
  };
}

/**
 * Measures the latency of several models on the same feeds, interleaved.
 *
 * @param models Name -> model or `.onnx` bytes.
 * @param feeds The input of one call (e.g. one sample: batch 1).
 * @param options Iterations, warmup, rounds, threads.
 * @returns Name -> latency figures.
 * @throws {RangeError} For iterations or rounds below 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { measureLatency } from "./mod.ts";
 * const g = new GraphBuilder();
 * g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: [1, 4] })]), "y");
 * const r = await measureLatency({ relu: g.build() }, { x: tensor("float32", [1, 4]) }, { iterations: 20 });
 * assert.equal(r.relu!.runs, 20);
 * assert.ok(r.relu!.min <= r.relu!.p50 && r.relu!.p50 <= r.relu!.max);
 * ```
 */
export async function measureLatency(
  models: Record<string, Model | Uint8Array>,
  feeds: Record<string, Tensor>,
  options: LatencyOptions = {},
): Promise<Record<string, LatencyStats>> {
  const { iterations = 100, warmup = 10, rounds = 5, threads = 1 } = options;
  if (!(iterations >= 1) || !(rounds >= 1)) {
    throw new RangeError(
      `Invalid latency settings: iterations ${iterations} and rounds ${rounds} must be at least 1`,
    );
  }
  const sessions: [string, Session][] = [];
  try {
    for (const [name, m] of Object.entries(models)) {
      sessions.push([name, await Session.create(m, sessionOptions(threads))]);
    }
    const samples = new Map<string, number[]>(sessions.map(([n]) => [n, []]));
    for (const [, s] of sessions) for (let i = 0; i < warmup; i++) await s.run(feeds);
    const per = Math.max(1, Math.ceil(iterations / rounds));
    for (let r = 0; r < rounds; r++) {
      for (const [name, s] of sessions) {
        const times = samples.get(name)!;
        for (let i = 0; i < Math.min(warmup, 3); i++) await s.run(feeds);
        for (let i = 0; i < per && times.length < iterations; i++) {
          const t0 = performance.now();
          await s.run(feeds);
          times.push(performance.now() - t0);
        }
      }
    }
    return Object.fromEntries([...samples].map(([n, t]) => [n, latencyStats(t)]));
  } finally {
    for (const [, s] of sessions) await s.release();
  }
}

/**
 * Summary figures of a list of times.
 *
 * @param times Milliseconds.
 * @returns Average, min, max, median and 95th percentile.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyStats } from "./mod.ts";
 * const s = latencyStats(Array.from({ length: 100 }, (_, i) => i + 1));
 * assert.deepEqual([s.min, s.p50, s.p95, s.max, s.avg], [1, 50.5, 95, 100, 50.5]);
 * ```
 */
export function latencyStats(times: readonly number[]): LatencyStats {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  const q = (p: number) => {
    if (n === 0) return NaN;
    const at = p * (n - 1);
    const lo = Math.floor(at);
    return s[lo]! + (s[Math.min(lo + 1, n - 1)]! - s[lo]!) * (at - lo);
  };
  return {
    avg: n ? s.reduce((a, b) => a + b, 0) / n : NaN,
    min: s[0] ?? NaN,
    max: s[n - 1] ?? NaN,
    p50: q(0.5),
    p95: n ? s[Math.max(0, Math.ceil(0.95 * n) - 1)]! : NaN,
    runs: n,
  };
}

/**
 * Top-1 accuracy of a classifier over labelled batches.
 *
 * @param model The model (its first input takes `x`, its first output gives logits).
 * @param batches `x` inputs and int64 `y` labels.
 * @returns The fraction of correct predictions (NaN without samples).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { accuracy } from "./mod.ts";
 * const g = new GraphBuilder();
 * g.output(g.op("Identity", [g.input("x", { dtype: "float32", dims: ["N", 2] })]), "logits");
 * const batch = { x: tensor("float32", [2, 2], [1, 0, 1, 0]), y: tensor("int64", [2], [0, 1]) };
 * assert.equal(await accuracy(g.build(), [batch]), 0.5);
 * ```
 */
export async function accuracy(
  model: Model | Uint8Array,
  batches: Iterable<{ x: Tensor; y: Tensor }> | AsyncIterable<{ x: Tensor; y: Tensor }>,
): Promise<number> {
  const s = await Session.create(model, sessionOptions(navigator.hardwareConcurrency));
  let ok = 0;
  let n = 0;
  try {
    const input = s.inputs[0]!.name;
    const output = s.outputs[0]!.name;
    for await (const { x, y } of batches) {
      const logits = (await s.run({ [input]: x }, { outputs: [output] }))[output]!;
      const k = logits.dims[logits.dims.length - 1]!;
      const d = logits.data as Float32Array;
      for (let i = 0; i < y.dims[0]!; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (d[i * k + j]! > d[i * k + best]!) best = j;
        if (BigInt(best) === (y.data as BigInt64Array)[i]) ok++;
      }
      n += y.dims[0]!;
    }
  } finally {
    await s.release();
  }
  return n ? ok / n : NaN;
}

/** Time spent in one operator type, from ORT's profile. */
export interface OperatorTime {
  opType: string;
  /** Nodes of that type that ran. */
  nodes: number;
  /** Microseconds per model run (per node the median over the runs). */
  us: number;
  /** Share of all kernel time. */
  share: number;
}

/**
 * Runs a model with ORT's profiler on and sums kernel time per operator type
 * (the kernels ORT chose after its own fusions, e.g. QLinearConv, FusedGemm).
 *
 * @param model The model or its bytes.
 * @param feeds One call's input.
 * @param options `runs` (default 100), `top` (default 8), `threads` (default 1).
 * @returns The top operator types by time.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { topOperators } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [1, 64] });
 * g.output(g.op("Relu", [g.op("MatMul", [x, g.initializer("w", tensor("float32", [64, 64]))])]), "y");
 * const ops = await topOperators(g.build(), { x: tensor("float32", [1, 64]) }, { runs: 5 });
 * assert.ok(ops.some((o) => o.opType === "MatMul" || o.opType === "FusedMatMul"));
 * ```
 */
export async function topOperators(
  model: Model | Uint8Array,
  feeds: Record<string, Tensor>,
  options: { runs?: number; top?: number; threads?: number } = {},
): Promise<OperatorTime[]> {
  const { runs = 100, top = 8, threads = 1 } = options;
  const dir = await Deno.makeTempDir({ prefix: "ort_profile_" });
  const s = await Session.create(model instanceof Uint8Array ? model : modelToBytes(model), {
    ...sessionOptions(threads),
    enableProfiling: true,
    profileFilePrefix: `${dir}/profile`,
  });
  try {
    for (let i = 0; i < runs; i++) await s.run(feeds);
    const file = s.endProfiling();
    const events = file ? JSON.parse(await Deno.readTextFile(file)) as TraceEvent[] : [];
    return summarize(events, runs, top);
  } finally {
    await s.release();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

/** Per node the median kernel time over the runs (robust to a stall), summed per op type. */
function summarize(events: TraceEvent[], runs: number, top: number): OperatorTime[] {
  const perNode = new Map<string, { op: string; durs: number[] }>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || !e.args?.op_name) continue;
    const entry = perNode.get(e.name) ?? { op: e.args.op_name, durs: [] };
    entry.durs.push(e.dur ?? 0);
    perNode.set(e.name, entry);
  }
  const by = new Map<string, { us: number; nodes: number }>();
  let total = 0;
  for (const { op, durs } of perNode.values()) {
    // A node that runs k times per model run counts k medians.
    const us = latencyStats(durs).p50 * Math.max(1, Math.round(durs.length / runs));
    const entry = by.get(op) ?? { us: 0, nodes: 0 };
    entry.us += us;
    entry.nodes++;
    by.set(op, entry);
    total += us;
  }
  return [...by]
    .map(([opType, e]) => ({ opType, nodes: e.nodes, us: e.us, share: total ? e.us / total : 0 }))
    .sort((a, b) => b.us - a.us)
    .slice(0, top);
}
