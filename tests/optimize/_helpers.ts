/**
 * Helpers of the optimize tests: seeded inputs, running a model in
 * onnxruntime-node and comparing outputs before/after a pass.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Model,
  modelFromBytes,
  modelToBytes,
  Session,
  type Tensor,
  tensor,
} from "../../lib/onnx/mod.ts";
import { sharedPath } from "../_shared.ts";

/** A float32 tensor of seeded values in [lo, hi). */
export function seeded(dims: number[], seed = 7, lo = -1, hi = 1): Tensor {
  let s = seed >>> 0;
  const n = dims.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return tensor("float32", dims, x);
}

/** Runs a model once in ORT (saved and reloaded first, so it must serialize). */
export async function run(
  model: Model,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const bytes = modelToBytes(model);
  modelFromBytes(bytes);
  const s = await Session.create(bytes, { executionProviders: ["cpu"] });
  try {
    const out = await s.run(feeds);
    const copy: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(out)) copy[k] = { ...t, data: t.data.slice() } as Tensor;
    return copy;
  } finally {
    await s.release();
  }
}

/** Largest absolute difference between two float tensors. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.dims, b.dims);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  }
  return m;
}

/**
 * Asserts that both models give the same outputs on the feeds: the largest
 * absolute difference within `tol` times the output's scale (its largest
 * magnitude, at least 1). Returns that scaled difference.
 */
export async function assertSameOutputs(
  before: Model,
  after: Model,
  feeds: Record<string, Tensor>,
  tol: number,
): Promise<number> {
  const a = await run(before, feeds);
  const b = await run(after, feeds);
  let worst = 0;
  for (const o of before.graph.outputs) {
    assert.ok(b[o.name], `output "${o.name}" is missing after the pass`);
    const ref = a[o.name]!;
    let scale = 1;
    for (const v of ref.data as Float32Array) scale = Math.max(scale, Math.abs(v));
    const d = maxAbsDiff(ref, b[o.name]!) / scale;
    worst = Math.max(worst, d);
    assert.ok(
      d <= tol,
      `output "${o.name}" differs by ${d} > ${tol} (relative to its scale ${scale})`,
    );
  }
  return worst;
}

/** Op types of a model's nodes, in order. */
export function opTypes(model: Model): string[] {
  return model.graph.nodes.map((n) => n.opType);
}

/** The first `n` digits of the shared 2,000-digit test split: x [n,1,28,28] in 0..1, labels. */
export async function testDigits(n = 2000): Promise<{ x: Tensor; y: Int32Array }> {
  const xb = await Deno.readFile(sharedPath("data/models/mnist/test.x.f32.bin"));
  const yb = await Deno.readFile(sharedPath("data/models/mnist/test.y.i64.bin"));
  const x = new Float32Array(xb.buffer, xb.byteOffset, 2000 * 784).slice(0, n * 784);
  const y = Int32Array.from(new BigInt64Array(yb.buffer, yb.byteOffset, 2000).slice(0, n), Number);
  return { x: tensor("float32", [n, 1, 28, 28], x), y };
}

/** Accuracy of logits [n, classes] against labels. */
export function accuracyOf(logits: Tensor, y: Int32Array): number {
  const [n, k] = logits.dims as [number, number];
  let ok = 0;
  const d = logits.data as Float32Array;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j]! > d[i * k + best]!) best = j;
    if (best === y[i]) ok++;
  }
  return ok / n;
}
