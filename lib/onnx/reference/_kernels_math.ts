// Kernels of matrix products, reductions, softmax and normalizations.

import type { Node } from "../node.ts";
import { numel } from "../tensor.ts";
import {
  around,
  attrFloat,
  axisOf,
  broadcastDims,
  broadcastIndex,
  intsOf,
  type Kernel,
  type KernelContext,
  nd,
  type NdArray,
  storeAs,
} from "./_array.ts";

const matmul: Kernel = (node, [a0, b0]) => {
  const a = a0!.dims.length === 1 ? { ...a0!, dims: [1, a0!.dims[0]!] } : a0!;
  const b = b0!.dims.length === 1 ? { ...b0!, dims: [b0!.dims[0]!, 1] } : b0!;
  const [m, k] = a.dims.slice(-2) as [number, number];
  const [k2, n] = b.dims.slice(-2) as [number, number];
  if (k !== k2) throw new RangeError(`Node ${node.label}: inner dims differ (${k} and ${k2})`);
  const batch = broadcastDims(node, [a.dims.slice(0, -2), b.dims.slice(0, -2)]);
  const ia = broadcastIndex(batch, a.dims.slice(0, -2));
  const ib = broadcastIndex(batch, b.dims.slice(0, -2));
  const out = new Float64Array(ia.length * m * n);
  for (let t = 0; t < ia.length; t++) {
    const pa = ia[t]! * m * k;
    const pb = ib[t]! * k * n;
    const po = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a.data[pa + i * k + q]! * b.data[pb + q * n + j]!;
        out[po + i * n + j] = s;
      }
    }
  }
  let dims = [...batch, m, n];
  if (a0!.dims.length === 1) dims = [...batch, n];
  if (b0!.dims.length === 1) dims = a0!.dims.length === 1 ? batch : [...batch, m];
  return [nd(a.dtype, dims, storeAs(a.dtype, out))];
};

const gemm: Kernel = (node, [a, b, c]) => {
  const ta = node.getInt("transA", 0) === 1;
  const tb = node.getInt("transB", 0) === 1;
  const alpha = attrFloat(node, "alpha", 1);
  const beta = attrFloat(node, "beta", 1);
  const [m, k] = ta ? [a!.dims[1]!, a!.dims[0]!] : [a!.dims[0]!, a!.dims[1]!];
  const n = tb ? b!.dims[0]! : b!.dims[1]!;
  const at = (i: number, q: number) => (ta ? a!.data[q * m + i]! : a!.data[i * k + q]!);
  const bt = (q: number, j: number) => (tb ? b!.data[j * k + q]! : b!.data[q * n + j]!);
  const ic = c ? broadcastIndex([m, n], c.dims) : undefined;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += at(i, q) * bt(q, j);
      out[i * n + j] = alpha * s + (c ? beta * c.data[ic![i * n + j]!]! : 0);
    }
  }
  return [nd(a!.dtype, [m, n], storeAs(a!.dtype, out))];
};

/** Reduction axes (input from opset 13 for ReduceSum, 18 for the others), or undefined for a no-op. */
function reduceAxes(node: Node, inputs: (NdArray | undefined)[], ctx: KernelContext, rank: number) {
  const fromInput = node.opType === "ReduceSum" ? ctx.opset >= 13 : ctx.opset >= 18;
  const axes = fromInput ? intsOf(inputs[1]) : node.getInts("axes", []);
  if (!axes || axes.length === 0) {
    if (node.getInt("noop_with_empty_axes", 0) === 1) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return axes.map((a) => axisOf(node, a, rank));
}

function reduction(
  init: number,
  step: (acc: number, x: number) => number,
  finish: (acc: number, count: number) => number = (acc) => acc,
  pre: (x: number) => number = (x) => x,
): Kernel {
  return (node, inputs, ctx) => {
    const x = inputs[0]!;
    const r = x.dims.length;
    const axes = reduceAxes(node, inputs, ctx, r);
    if (!axes) return [x];
    const keep = node.getInt("keepdims", 1) === 1;
    const outKept = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
    const idx = broadcastIndex(x.dims, outKept);
    const n = numel(outKept);
    const acc = new Float64Array(n).fill(init);
    for (let i = 0; i < x.data.length; i++) acc[idx[i]!] = step(acc[idx[i]!]!, pre(x.data[i]!));
    const count = x.data.length / Math.max(n, 1);
    for (let i = 0; i < n; i++) acc[i] = finish(acc[i]!, count);
    const dims = keep ? outKept : x.dims.filter((_, i) => !axes.includes(i));
    return [nd(x.dtype, dims, storeAs(x.dtype, acc))];
  };
}

function argExtreme(better: (a: number, b: number) => boolean): Kernel {
  return (node, [x]) => {
    const axis = axisOf(node, node.getInt("axis", 0), x!.dims.length);
    const last = node.getInt("select_last_index", 0) === 1;
    const [outer, n, inner] = around(x!.dims, axis);
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let j = 1; j < n; j++) {
          const v = x!.data[(o * n + j) * inner + i]!;
          const b = x!.data[(o * n + best) * inner + i]!;
          if (better(v, b) || (last && v === b)) best = j;
        }
        out[o * inner + i] = best;
      }
    }
    const dims = x!.dims.map((d, i) => (i === axis ? 1 : d));
    return [
      nd("int64", node.getInt("keepdims", 1) === 1 ? dims : dims.filter((_, i) => i !== axis), out),
    ];
  };
}

/** Softmax or LogSoftmax over one axis (opset 13+) or the flattened tail (before). */
function softmax(log: boolean): Kernel {
  return (node, [x], ctx) => {
    const r = x!.dims.length;
    const axis = axisOf(node, node.getInt("axis", ctx.opset >= 13 ? -1 : 1), r);
    let outer: number, n: number, inner: number;
    if (ctx.opset >= 13) [outer, n, inner] = around(x!.dims, axis);
    else [outer, n, inner] = [numel(x!.dims.slice(0, axis)), numel(x!.dims.slice(axis)), 1];
    const out = new Float64Array(x!.data.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => (o * n + j) * inner + i;
        let max = -Infinity;
        for (let j = 0; j < n; j++) max = Math.max(max, x!.data[at(j)]!);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(x!.data[at(j)]! - max);
        for (let j = 0; j < n; j++) {
          const z = x!.data[at(j)]! - max;
          out[at(j)] = log ? z - Math.log(sum) : Math.exp(z) / sum;
        }
      }
    }
    return [nd(x!.dtype, x!.dims, storeAs(x!.dtype, out))];
  };
}

/** BatchNormalization; in training mode it also returns ONNX's running statistics. */
const batchNorm: Kernel = (node, [x, scale, bias, mean, variance], ctx) => {
  const eps = attrFloat(node, "epsilon", 1e-5);
  const training = ctx.opset >= 14 && node.getInt("training_mode", 0) === 1;
  const c = x!.dims[1] ?? 1;
  const inner = numel(x!.dims.slice(2));
  const groups = x!.data.length / (c * inner);
  let m = mean!.data;
  let v = variance!.data;
  if (training) {
    m = new Float64Array(c);
    v = new Float64Array(c);
    const cnt = groups * inner;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let n = 0; n < groups; n++) {
        for (let i = 0; i < inner; i++) s += x!.data[(n * c + ch) * inner + i]!;
      }
      m[ch] = s / cnt;
      let q = 0;
      for (let n = 0; n < groups; n++) {
        for (let i = 0; i < inner; i++) q += (x!.data[(n * c + ch) * inner + i]! - m[ch]!) ** 2;
      }
      v[ch] = q / cnt;
    }
  }
  const out = new Float64Array(x!.data.length);
  for (let n = 0; n < groups; n++) {
    for (let ch = 0; ch < c; ch++) {
      const k = scale!.data[ch]! / Math.sqrt(v[ch]! + eps);
      for (let i = 0; i < inner; i++) {
        const at = (n * c + ch) * inner + i;
        out[at] = (x!.data[at]! - m[ch]!) * k + bias!.data[ch]!;
      }
    }
  }
  const y = nd(x!.dtype, x!.dims, storeAs(x!.dtype, out));
  if (!training) return [y];
  const mom = attrFloat(node, "momentum", 0.9);
  const run = (r: NdArray, b: Float64Array) =>
    nd(r.dtype, r.dims, r.data.map((p, i) => p * mom + b[i]! * (1 - mom)));
  return [y, run(mean!, m), run(variance!, v)];
};

/** LayerNormalization with its Mean and InvStdDev outputs (computed in float64). */
const layerNorm: Kernel = (node, [x, scale, bias]) => {
  const r = x!.dims.length;
  const axis = axisOf(node, node.getInt("axis", -1), r);
  const eps = attrFloat(node, "epsilon", 1e-5);
  const outer = numel(x!.dims.slice(0, axis));
  const n = numel(x!.dims.slice(axis));
  const is = broadcastIndex(x!.dims.slice(axis), scale!.dims);
  const ib = bias ? broadcastIndex(x!.dims.slice(axis), bias.dims) : undefined;
  const out = new Float64Array(x!.data.length);
  const means = new Float64Array(outer);
  const invs = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x!.data[o * n + j]!;
    const mu = s / n;
    let q = 0;
    for (let j = 0; j < n; j++) q += (x!.data[o * n + j]! - mu) ** 2;
    const inv = 1 / Math.sqrt(q / n + eps);
    means[o] = mu;
    invs[o] = inv;
    for (let j = 0; j < n; j++) {
      const b = ib ? bias!.data[ib[j]!]! : 0;
      out[o * n + j] = (x!.data[o * n + j]! - mu) * inv * scale!.data[is[j]!]! + b;
    }
  }
  const statDims = x!.dims.map((d, i) => (i < axis ? d : 1));
  const stash = node.getInt("stash_type", 1) === 1 ? "float32" : x!.dtype;
  return [
    nd(x!.dtype, x!.dims, storeAs(x!.dtype, out)),
    nd(stash, statDims, storeAs(stash, means)),
    nd(stash, statDims, storeAs(stash, invs)),
  ];
};

export const MATH_KERNELS: Record<string, Kernel> = {
  MatMul: matmul,
  Gemm: gemm,
  ReduceSum: reduction(0, (a, x) => a + x),
  ReduceMean: reduction(0, (a, x) => a + x, (a, n) => a / n),
  ReduceMax: reduction(-Infinity, Math.max),
  ReduceMin: reduction(Infinity, Math.min),
  ReduceProd: reduction(1, (a, x) => a * x),
  ReduceSumSquare: reduction(0, (a, x) => a + x, undefined, (x) => x * x),
  ReduceL2: reduction(0, (a, x) => a + x, Math.sqrt, (x) => x * x),
  ReduceLogSumExp: reduction(0, (a, x) => a + x, Math.log, Math.exp),
  ArgMax: argExtreme((a, b) => a > b),
  ArgMin: argExtreme((a, b) => a < b),
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
};
