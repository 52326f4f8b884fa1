/**
 * Calibration: runs a model on sample batches and picks a real range per
 * tensor for static quantization.
 *
 * - "minmax": the smallest and largest value seen
 * - "percentile": clips |x| at a percentile of its histogram (default 99.999)
 * - "entropy": clips |x| where the quantized histogram loses the least
 *   information (smallest KL divergence, as TensorRT's calibrator)
 *
 * The histogram methods keep the sign structure: a tensor that is never
 * negative (a ReLU output) gets `[0, t]`, others `[max(min, -t), min(max, t)]`.
 *
 * @module
 */
import { type Model, Session, type Tensor } from "../onnx/mod.ts";

/** A calibration method. */
export type CalibrationMethod = "minmax" | "percentile" | "entropy";

/** The calibration methods, as the CLI spells them. */
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = [
  "minmax",
  "percentile",
  "entropy",
];

/** Options of {@linkcode calibrate}. */
export interface CalibrateOptions {
  method?: CalibrationMethod;
  /** Percentile of |x| kept by "percentile" (default 99.999). */
  percentile?: number;
  /** Histogram bins (default 2048). */
  bins?: number;
}

/** A real range per tensor name. */
export type Ranges = Map<string, [number, number]>;

interface Stats {
  min: number;
  max: number;
  hist?: Float64Array;
  amax?: number;
}

/**
 * Collects ranges of the named float tensors over the sample batches.
 *
 * @param model The float model.
 * @param tensors Value names to calibrate (inputs, intermediates or outputs).
 * @param samples Feeds, one record per batch.
 * @param options Method, percentile, bins.
 * @returns The range of each tensor.
 * @throws {RangeError} When there are no samples or a name is not a value of the graph.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { calibrate } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 2] });
 * g.output(g.op("Relu", [x]), "y");
 * const r = await calibrate(g.build(), ["x", "y"], [{ x: tensor("float32", [2, 2], [-1, 2, 3, -4]) }]);
 * assert.deepEqual(r.get("x"), [-4, 3]);
 * assert.deepEqual(r.get("y"), [0, 3]);
 * ```
 */
export async function calibrate(
  model: Model,
  tensors: readonly string[],
  samples: readonly Record<string, Tensor>[],
  options: CalibrateOptions = {},
): Promise<Ranges> {
  const { method = "minmax", percentile = 99.999, bins = 2048 } = options;
  if (samples.length === 0) throw new RangeError("Cannot calibrate: no sample batches were given");
  if (!(percentile > 0 && percentile <= 100)) {
    throw new RangeError(`Invalid percentile ${percentile}: expected a value in (0, 100]`);
  }
  const augmented = withOutputs(model, tensors);
  const session = await Session.create(augmented, { graphOptimizationLevel: "basic" });
  const stats = new Map<string, Stats>(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
  try {
    for (const feeds of samples) {
      const out = await session.run(feeds, { outputs: [...tensors] });
      for (const t of tensors) minMax(stats.get(t)!, out[t]!.data as Float32Array);
    }
    if (method !== "minmax") {
      for (const s of stats.values()) {
        s.amax = Math.max(Math.abs(s.min), Math.abs(s.max));
        s.hist = new Float64Array(bins);
      }
      for (const feeds of samples) {
        const out = await session.run(feeds, { outputs: [...tensors] });
        for (const t of tensors) histogram(stats.get(t)!, out[t]!.data as Float32Array);
      }
    }
  } finally {
    await session.release();
  }
  const ranges: Ranges = new Map();
  for (const [t, s] of stats) {
    if (method === "minmax" || !s.hist || s.amax === 0) {
      ranges.set(t, [s.min, s.max]);
      continue;
    }
    const width = s.amax! / bins;
    const thr = method === "percentile"
      ? percentileThreshold(s.hist, percentile) * width
      : entropyThreshold(s.hist, s.min >= 0 ? 256 : 128) * width;
    ranges.set(
      t,
      s.min >= 0 ? [0, Math.min(s.max, thr)] : [Math.max(s.min, -thr), Math.min(s.max, thr)],
    );
  }
  return ranges;
}

/** A copy of the model that also outputs the named values. */
function withOutputs(model: Model, tensors: readonly string[]): Model {
  const m = model.clone();
  const g = m.graph;
  for (const t of tensors) {
    if (g.isOutput(t)) continue;
    if (!g.producer(t) && !g.isInput(t)) {
      throw new RangeError(`Cannot calibrate "${t}": no value of that name in graph "${g.name}"`);
    }
    const info = g.typeOf(t);
    g.addOutput({ name: t, dtype: info?.dtype ?? "float32", dims: info?.dims });
  }
  return m;
}

function minMax(s: Stats, data: Float32Array): void {
  let lo = s.min, hi = s.max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  s.min = lo;
  s.max = hi;
}

function histogram(s: Stats, data: Float32Array): void {
  const hist = s.hist!;
  const scale = hist.length / s.amax!;
  const last = hist.length - 1;
  for (let i = 0; i < data.length; i++) {
    const b = Math.floor(Math.abs(data[i]!) * scale);
    hist[b > last ? last : b]!++;
  }
}

/** Bin edge (in bins) below which `p` percent of the mass lies.  * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentileThreshold } from "./mod.ts";
 * assert.equal(percentileThreshold(new Float64Array(100).fill(1), 90), 90);
 * ```
 */
export function percentileThreshold(hist: Float64Array, p: number): number {
  let total = 0;
  for (const c of hist) total += c;
  const want = (total * p) / 100;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= want) return i + 1;
  }
  return hist.length;
}

/**
 * The clipping bin (in bins) with the smallest KL divergence between the
 * clipped histogram and its `levels`-level quantization.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { entropyThreshold } from "./mod.ts";
 * const hist = new Float64Array(2048);
 * for (let i = 0; i < 300; i++) hist[i] = 300 - i;
 * hist[2047] = 1; // one outlier far out
 * assert.ok(entropyThreshold(hist, 128) < 1024);
 * ```
 */
export function entropyThreshold(hist: Float64Array, levels: number): number {
  const n = hist.length;
  if (n <= levels) return n;
  let best = n;
  let bestKl = Infinity;
  const step = Math.max(1, Math.floor((n - levels) / 256));
  for (let i = levels; i <= n; i += step) {
    const kl = klAt(hist, i, levels);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

function klAt(hist: Float64Array, i: number, levels: number): number {
  const p = hist.slice(0, i);
  let outliers = 0;
  for (let k = i; k < hist.length; k++) outliers += hist[k]!;
  p[i - 1] = p[i - 1]! + outliers;
  const q = new Float64Array(i);
  const per = i / levels;
  for (let l = 0; l < levels; l++) {
    const a = Math.floor(l * per);
    const b = l === levels - 1 ? i : Math.floor((l + 1) * per);
    let sum = 0, nonzero = 0;
    for (let k = a; k < b; k++) {
      sum += hist[k]!;
      if (hist[k]! > 0) nonzero++;
    }
    for (let k = a; k < b; k++) if (hist[k]! > 0) q[k] = sum / nonzero;
  }
  let ps = 0, qs = 0;
  for (let k = 0; k < i; k++) {
    ps += p[k]!;
    qs += q[k]!;
  }
  if (ps === 0 || qs === 0) return Infinity;
  let kl = 0;
  for (let k = 0; k < i; k++) {
    const pk = p[k]! / ps;
    if (pk === 0) continue;
    const qk = q[k]! / qs;
    kl += qk === 0 ? pk * 20 : pk * Math.log(pk / qk);
  }
  return kl;
}
