// Helpers shared by the nn tests: running a model in onnxruntime-node, the
// reference MNIST digits, seeded test inputs and sample moments.

import { loadModel, type Model, Session, type Tensor, tensor } from "../../lib/onnx/mod.ts";
import { sharedPath } from "../_shared.ts";

/** Runs `model` once on `feeds` and returns its outputs. */
export async function runModel(
  model: Model,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const s = await Session.create(model, { intraOpThreads: 2 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** A reference model from shared/data/models/mnist. */
export function loadReference(file: string): Promise<Model> {
  return loadModel(sharedPath("data", "models", "mnist", file));
}

/** The first `n` test digits as `[n, 784]` or `[n, 1, 28, 28]`. */
export async function digits(n: number, image: boolean): Promise<Tensor> {
  const bytes = await Deno.readFile(sharedPath("data", "models", "mnist", "test.x.f32.bin"));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return tensor("float32", image ? [n, 1, 28, 28] : [n, 784], all.slice(0, n * 784));
}

/** The test labels. */
export async function labels(): Promise<BigInt64Array> {
  const bytes = await Deno.readFile(sharedPath("data", "models", "mnist", "test.y.i64.bin"));
  return new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/** Deterministic values in [-1, 1) from a small LCG (independent of lib/nn's generator). */
export function lcg(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Largest absolute difference of two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length}, ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Sample size, mean, variance (1/n) and fourth central moment. */
export function moments(x: ArrayLike<number>): { n: number; mean: number; v: number; m4: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let v = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i]! - mean) ** 2;
    v += d;
    m4 += d * d;
  }
  return { n, mean, v: v / n, m4: m4 / n };
}

/**
 * Standard error of the sample variance: `√((μ₄ − σ⁴) / n)`, estimated from
 * the sample's own moments (valid for any law with a finite fourth moment).
 */
export function varianceSE(m: { n: number; v: number; m4: number }): number {
  return Math.sqrt(Math.max(m.m4 - m.v * m.v, 0) / m.n);
}

/** Arg-max per row of a `[n, k]` tensor. */
export function argmaxRows(t: Tensor): number[] {
  const [n, k] = t.dims as [number, number];
  const d = t.data as Float32Array;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j]! > d[i * k + best]!) best = j;
    out.push(best);
  }
  return out;
}
