import assert from "node:assert/strict";
import {
  avgPool2d,
  batchNorm2d,
  classToken,
  conv2d,
  dropout,
  gelu,
  layerNorm,
  linear,
  loadParameters,
  maxPool2d,
  multiheadSelfAttention,
  NnContext,
  positionEmbedding,
  sigmoid,
  tanh,
} from "../../lib/nn/mod.ts";
import { type Model, numel, type Tensor, tensor, type Value } from "../../lib/onnx/mod.ts";
import { lcg, maxAbsDiff, runModel } from "./_util.ts";
import {
  attentionNaive,
  conv2dNaive,
  erf,
  layerNormNaive,
  linearNaive,
  pool2dNaive,
} from "./_naive.ts";

/** A one-layer model on input `x` of `dims`; weights replaced by seeded values. */
async function runLayer(
  dims: number[],
  layer: (ctx: NnContext, x: Value) => Value,
  options: { training?: boolean; input?: Float32Array; positive?: boolean } = {},
): Promise<{ y: Tensor; x: Float32Array; weights: Map<string, Float32Array>; model: Model }> {
  const ctx = new NnContext({ training: options.training ?? false });
  const input = ctx.g.input("x", { dtype: "float32", dims });
  ctx.g.output(layer(ctx, input), "y");
  const model = ctx.build();
  const weights = new Map<string, Float32Array>();
  const tensors = new Map<string, Tensor>();
  ctx.params.forEach((p, i) => {
    const data = lcg(numel(p.dims), 100 + i);
    if (options.positive) data.forEach((v, j) => data[j] = Math.abs(v) + 0.5);
    weights.set(p.name, data);
    tensors.set(p.name, tensor("float32", p.dims, data));
  });
  loadParameters(model, tensors);
  const x = options.input ?? lcg(numel(dims), 7);
  const { y } = await runModel(model, { x: tensor("float32", dims, x) });
  return { y: y!, x, weights, model };
}

Deno.test("conv2d() matches a direct convolution with groups, stride, padding, dilation", async () => {
  for (
    const o of [
      { stride: 1, pad: 1, dilation: 1, groups: 1 },
      { stride: 2, pad: 2, dilation: 2, groups: 2 },
      { stride: 3, pad: 0, dilation: 1, groups: 4 },
    ]
  ) {
    const { y, x, weights } = await runLayer([2, 4, 9, 9], (ctx, x) =>
      conv2d(ctx, x, {
        name: "c",
        outChannels: 8,
        kernelSize: 3,
        stride: o.stride,
        padding: o.pad,
        dilation: o.dilation,
        groups: o.groups,
      }));
    const ref = conv2dNaive(
      x,
      [2, 4, 9, 9],
      weights.get("c.weight")!,
      [8, 4 / o.groups, 3, 3],
      weights.get("c.bias"),
      o,
    );
    assert.deepEqual(y.dims, ref.dims, JSON.stringify(o));
    assert.ok(maxAbsDiff(y.data as Float32Array, ref.data) < 1e-5, JSON.stringify(o));
  }
});

Deno.test("conv2d() rejects groups that do not divide the channels", () => {
  const ctx = new NnContext();
  const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 3, 8, 8] });
  assert.throws(
    () => conv2d(ctx, x, { name: "c", outChannels: 4, kernelSize: 3, groups: 2 }),
    /Invalid Conv2d "c" option "groups": 2 must divide in channels 3 and out channels 4/,
  );
  const flat = ctx.g.input("f", { dtype: "float32", dims: ["N", 3] });
  assert.throws(
    () => conv2d(ctx, flat, { name: "c", outChannels: 4, kernelSize: 3 }),
    /Cannot build Conv2d "c" on "f": expected rank 4, got dims \[N, 3\]/,
  );
});

Deno.test("maxPool2d() and avgPool2d() match direct pooling (avg counts padding as PyTorch)", async () => {
  const dims = [2, 3, 7, 7];
  for (const max of [true, false]) {
    const o = { kernel: 3, stride: 2, pad: 1, max };
    const { y, x } = await runLayer(
      dims,
      (ctx, x) => (max ? maxPool2d : avgPool2d)(ctx, x, { kernelSize: 3, stride: 2, padding: 1 }),
    );
    assert.deepEqual(y.dims, [2, 3, 4, 4]);
    assert.ok(maxAbsDiff(y.data as Float32Array, pool2dNaive(x, dims, o)) < 1e-6, `max ${max}`);
  }
});

Deno.test("linear() matches x Wᵀ + b on 2-D (Gemm) and 3-D (MatMul) inputs", async () => {
  for (const dims of [[5, 6], [2, 5, 6]]) {
    const { y, x, weights, model } = await runLayer(
      dims,
      (ctx, x) => linear(ctx, x, { name: "fc", outFeatures: 4 }),
    );
    const ref = linearNaive(
      x,
      numel(dims) / 6,
      weights.get("fc.weight")!,
      weights.get("fc.bias")!,
      6,
      4,
    );
    assert.ok(maxAbsDiff(y.data as Float32Array, ref) < 1e-6);
    const ops = model.graph.nodes.map((n) => n.opType);
    assert.deepEqual(ops, dims.length === 2 ? ["Gemm"] : ["Transpose", "MatMul", "Add"]);
  }
});

Deno.test("gelu(), sigmoid(), tanh() match their formulas", async () => {
  const input = Float32Array.from({ length: 61 }, (_, i) => -3 + i * 0.1);
  const cases: [typeof gelu, (v: number) => number][] = [
    [gelu, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
    [sigmoid, (v) => 1 / (1 + Math.exp(-v))],
    [tanh, Math.tanh],
  ];
  for (const [layer, f] of cases) {
    const { y } = await runLayer([61], layer, { input });
    assert.ok(maxAbsDiff(y.data as Float32Array, Array.from(input, f)) < 2e-6, layer.name);
  }
});

Deno.test("layerNorm() matches a direct layer normalization", async () => {
  const { y, x, weights } = await runLayer(
    [3, 4, 8],
    (ctx, x) => layerNorm(ctx, x, { name: "ln", eps: 1e-6 }),
  );
  const ref = layerNormNaive(x, 8, weights.get("ln.weight")!, weights.get("ln.bias")!, 1e-6);
  assert.ok(maxAbsDiff(y.data as Float32Array, ref) < 1e-5);
});

Deno.test("batchNorm2d() uses batch statistics in training and running ones in eval", async () => {
  const dims = [4, 2, 3, 3];
  for (const training of [true, false]) {
    const { y, x, weights } = await runLayer(
      dims,
      (ctx, x) => batchNorm2d(ctx, x, { name: "bn" }),
      { training, positive: true },
    );
    const [scale, bias] = [weights.get("bn.weight")!, weights.get("bn.bias")!];
    const [rm, rv] = [weights.get("bn.running_mean")!, weights.get("bn.running_var")!];
    const ref = new Float64Array(x.length);
    for (let c = 0; c < 2; c++) {
      const idx = [];
      for (let b = 0; b < 4; b++) for (let k = 0; k < 9; k++) idx.push((b * 2 + c) * 9 + k);
      let mean = rm[c]!;
      let v = rv[c]!;
      if (training) {
        mean = idx.reduce((s, i) => s + x[i]!, 0) / idx.length;
        v = idx.reduce((s, i) => s + (x[i]! - mean) ** 2, 0) / idx.length;
      }
      for (const i of idx) ref[i] = ((x[i]! - mean) / Math.sqrt(v + 1e-5)) * scale[c]! + bias[c]!;
    }
    assert.ok(maxAbsDiff(y.data as Float32Array, ref) < 1e-5, `training ${training}`);
  }
});

Deno.test("multiheadSelfAttention() matches PyTorch's packed-projection attention", async () => {
  const dims = [2, 5, 8];
  const { y, x, weights } = await runLayer(
    dims,
    (ctx, x) => multiheadSelfAttention(ctx, x, { name: "attn", numHeads: 2 }),
  );
  const ref = attentionNaive(x, dims, 2, {
    inW: weights.get("attn.in_proj_weight")!,
    inB: weights.get("attn.in_proj_bias")!,
    outW: weights.get("attn.out_proj.weight")!,
    outB: weights.get("attn.out_proj.bias")!,
  });
  assert.deepEqual(y.dims, dims);
  assert.ok(maxAbsDiff(y.data as Float32Array, ref) < 1e-5);
});

Deno.test("multiheadSelfAttention() gives the same result in every token layout", async () => {
  const [n, s, d] = [3, 5, 8];
  const batchFirst = lcg(n * s * d, 9);
  // [N, S, D] -> [S, N, D] (also the row order of the flat layout).
  const seqFirst = new Float32Array(batchFirst.length);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < s; t++) {
      for (let e = 0; e < d; e++) seqFirst[(t * n + b) * d + e] = batchFirst[(b * s + t) * d + e]!;
    }
  }
  const run = (dims: number[], layout: "batch_first" | "seq_first" | "flat", input: Float32Array) =>
    runLayer(
      dims,
      (ctx, x) => multiheadSelfAttention(ctx, x, { name: "attn", numHeads: 4, layout, seqLen: s }),
      { input },
    );
  const a = await run([n, s, d], "batch_first", batchFirst);
  const ref = attentionNaive(batchFirst, [n, s, d], 4, {
    inW: a.weights.get("attn.in_proj_weight")!,
    inB: a.weights.get("attn.in_proj_bias")!,
    outW: a.weights.get("attn.out_proj.weight")!,
    outB: a.weights.get("attn.out_proj.bias")!,
  });
  assert.ok(maxAbsDiff(a.y.data as Float32Array, ref) < 1e-5);
  const b = await run([s, n, d], "seq_first", seqFirst);
  const c = await run([s * n, d], "flat", seqFirst);
  assert.deepEqual(b.y.dims, [s, n, d]);
  assert.deepEqual(c.y.dims, [s * n, d]);
  assert.ok(maxAbsDiff(b.y.data as Float32Array, c.y.data as Float32Array) < 1e-6);
  for (let bi = 0; bi < n; bi++) {
    for (let t = 0; t < s; t++) {
      for (let e = 0; e < d; e++) {
        const got = (b.y.data as Float32Array)[(t * n + bi) * d + e]!;
        assert.ok(Math.abs(got - ref[(bi * s + t) * d + e]!) < 1e-5);
      }
    }
  }
});

Deno.test("multiheadSelfAttention() rejects heads that do not divide the embedding", () => {
  const ctx = new NnContext();
  const x = ctx.g.input("x", { dtype: "float32", dims: ["N", 5, 8] });
  assert.throws(
    () => multiheadSelfAttention(ctx, x, { name: "attn", numHeads: 3 }),
    /Invalid MultiheadAttention "attn" option "numHeads": 3 must divide the embedding size 8/,
  );
});

Deno.test("classToken() and positionEmbedding() prepend the token and add positions", async () => {
  const { y, x, weights } = await runLayer(
    [2, 3, 4],
    (ctx, x) => positionEmbedding(ctx, classToken(ctx, x)),
  );
  const token = weights.get("class_token")!;
  const pos = weights.get("pos_embedding")!;
  const out = y.data as Float32Array;
  assert.deepEqual(y.dims, [2, 4, 4]);
  for (let b = 0; b < 2; b++) {
    for (let s = 0; s < 4; s++) {
      for (let d = 0; d < 4; d++) {
        const v = s === 0 ? token[d]! : x[(b * 3 + s - 1) * 4 + d]!;
        assert.ok(Math.abs(out[(b * 4 + s) * 4 + d]! - (v + pos[s * 4 + d]!)) < 1e-6);
      }
    }
  }
});

Deno.test("dropout() in training zeroes about p of the values and rescales the rest", async () => {
  const n = 100_000;
  const p = 0.3;
  const { y } = await runLayer([n], (ctx, x) => dropout(ctx, x, p), {
    training: true,
    input: new Float32Array(n).fill(1),
  });
  const out = y.data as Float32Array;
  const zeros = out.filter((v) => v === 0).length / n;
  assert.ok(Math.abs(zeros - p) < 5 * Math.sqrt((p * (1 - p)) / n), `zero fraction ${zeros}`);
  assert.ok(out.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6));
  const evalRun = await runLayer([4], (ctx, x) => dropout(ctx, x, p));
  assert.equal(evalRun.model.graph.nodes.length, 1); // only the Identity naming the output
  const ctx = new NnContext();
  const x = ctx.g.input("x", { dtype: "float32", dims: [4] });
  assert.throws(
    () => dropout(ctx, x, 1),
    /Invalid Dropout option "p": expected a probability in \[0, 1\), got 1/,
  );
});
