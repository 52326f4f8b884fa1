import assert from "node:assert/strict";
import { GraphBuilder, loadModel, modelToBytes, Session, tensor } from "../../lib/onnx/mod.ts";
import {
  calibrate,
  compactNames,
  convertFp16,
  entropyThreshold,
  fuse,
  paramsFromRange,
  percentileThreshold,
  planStatic,
  quantizeDynamic,
  quantizeStatic,
  quantizeTensor,
} from "../../lib/optimize/mod.ts";
import { sharedPath } from "../_shared.ts";
import { accuracyOf, maxAbsDiff, opTypes, run, seeded, testDigits } from "./_helpers.ts";

Deno.test("quantizeTensor() matches ONNX Runtime's QuantizeLinear, per tensor and per channel", async () => {
  const x = seeded([4, 6], 3, -2, 3);
  for (const [qtype, axis] of [["uint8", undefined], ["int8", 0], ["int8", 1]] as const) {
    const ranges = axis === undefined
      ? [[-2, 3]]
      : Array.from({ length: x.dims[axis]! }, (_, i) => [-1 - i, 2 + i]);
    const params = ranges.map(([lo, hi]) => paramsFromRange(lo!, hi!, qtype, qtype === "int8"));
    const ours = quantizeTensor(x, params, qtype, axis ?? 0);
    const g = new GraphBuilder();
    const xin = g.input("x", { dtype: "float32", dims: [4, 6] });
    const s = g.constant(
      tensor("float32", params.length > 1 ? [params.length] : [], params.map((p) => p.scale)),
    );
    const zp = g.constant(
      tensor(qtype, params.length > 1 ? [params.length] : [], params.map((p) => p.zeroPoint)),
    );
    g.output(g.op("QuantizeLinear", [xin, s, zp], axis === undefined ? {} : { axis }), "q");
    const { q } = await run(g.build(), { x });
    assert.deepEqual(
      Array.from(ours.data as Int8Array),
      Array.from(q!.data as Int8Array),
      `${qtype} axis ${axis}`,
    );
  }
});

Deno.test("paramsFromRange() keeps zero exact and centres symmetric ranges", () => {
  assert.deepEqual(paramsFromRange(0, 2.55, "uint8"), { scale: Math.fround(0.01), zeroPoint: 0 });
  assert.deepEqual(paramsFromRange(-1.27, 1.27, "int8", true), {
    scale: Math.fround(0.01),
    zeroPoint: 0,
  });
  assert.equal(paramsFromRange(-1, 1, "uint8", true).zeroPoint, 128);
  assert.equal(paramsFromRange(1, 2, "uint8").zeroPoint, 0, "the range is widened to contain 0");
  assert.deepEqual(paramsFromRange(0, 0, "int8"), { scale: 1, zeroPoint: -128 });
  assert.throws(() => paramsFromRange(2, 1, "int8"), /Cannot quantize the range \[2, 1\]/);
});

function linearModel() {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 16] });
  const h = g.op("Relu", [
    g.op("Gemm", [x, g.constant(seeded([8, 16], 1)), g.constant(seeded([8], 2))], { transB: 1 }, {
      name: "fc1",
    }),
  ]);
  const m = g.op("MatMul", [h, g.constant(seeded([8, 4], 3))], {}, { name: "fc2" });
  g.output(m, "y");
  return g.build();
}

/** The bound on a quantized dot product's error: |x| |w| times half steps of both. */
function dotBound(k: number, xmax: number, wmax: number): number {
  return k * ((xmax * wmax) / 127 + (xmax * wmax) / 255 + (xmax * wmax) / (127 * 255));
}

Deno.test("quantizeDynamic() rewrites Gemm and MatMul into the integer chain, within its error bound", async () => {
  const model = linearModel();
  const r = quantizeDynamic(model);
  assert.ok(r.changed);
  assert.deepEqual(
    opTypes(r.model).filter((t) => t.endsWith("Integer") || t === "DynamicQuantizeLinear"),
    ["DynamicQuantizeLinear", "MatMulInteger", "DynamicQuantizeLinear", "MatMulInteger"],
  );
  const x = seeded([5, 16], 4);
  const a = await run(model, { x });
  const b = await run(r.model, { x });
  const bound = dotBound(16, 1, 1) * 8 + dotBound(8, 8, 1);
  assert.ok(maxAbsDiff(a.y!, b.y!) < bound, `${maxAbsDiff(a.y!, b.y!)} >= ${bound}`);
  assert.ok(maxAbsDiff(a.y!, b.y!) > 0, "the quantized model is not the float one");
});

Deno.test("quantizeDynamic() formats: qdq, uint8 weights, ConvInteger; all load and stay close", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [1, 2, 6, 6] });
  const c = g.op("Conv", [x, g.constant(seeded([4, 2, 3, 3], 5)), g.constant(seeded([4], 6))], {
    pads: [1, 1, 1, 1],
  });
  g.output(g.op("MatMul", [g.op("Flatten", [c]), g.constant(seeded([144, 3], 7))]), "y");
  const model = g.build();
  const feeds = { x: seeded([1, 2, 6, 6], 8) };
  const ref = await run(model, feeds);
  for (
    const options of [{ format: "qdq" as const }, { weightType: "uint8" as const }, {
      opTypes: ["Conv", "MatMul"],
    }]
  ) {
    const q = quantizeDynamic(model, options).model;
    const out = await run(q, feeds);
    const scale = Math.max(...Array.from(ref.y!.data as Float32Array, Math.abs));
    assert.ok(maxAbsDiff(ref.y!, out.y!) < 0.05 * scale, JSON.stringify(options));
  }
  assert.ok(opTypes(quantizeDynamic(model, { opTypes: ["Conv"] }).model).includes("ConvInteger"));
  assert.ok(opTypes(quantizeDynamic(model, { format: "qdq" }).model).includes("DequantizeLinear"));
});

Deno.test("quantizeDynamic() excludes first/last by word or name, and says why nodes stay float", () => {
  const model = linearModel();
  const r = quantizeDynamic(model, { exclude: ["last"] });
  assert.match(r.reason!, /"fc2" \(MatMul\): excluded/);
  assert.equal(opTypes(r.model).filter((t) => t === "MatMulInteger").length, 1);
  const both = quantizeDynamic(model, { exclude: ["first", "fc2"] });
  assert.equal(both.changed, false);
  assert.match(both.reason!, /"fc1" \(Gemm\): excluded/);
  assert.throws(
    () => quantizeDynamic(model, { exclude: ["nope"] }),
    /Cannot exclude node "nope": the graph has no node/,
  );
});

Deno.test("quantizeDynamic() declines a model without constant weights", () => {
  const g = new GraphBuilder();
  const a = g.input("a", { dtype: "float32", dims: [2, 2] });
  g.output(g.op("MatMul", [a, a], {}, { name: "mm" }), "y");
  const r = quantizeDynamic(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /"mm" \(MatMul\): its weight is not a float32 constant/);
});

Deno.test("calibrate(): minmax exact, percentile and entropy clip outliers", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N"] });
  g.output(g.op("Relu", [x]), "y");
  const model = g.build();
  const data = Float32Array.from({ length: 10000 }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.3);
  data[5] = 50;
  const samples = [{ x: tensor("float32", [10000], data) }];
  const mm = await calibrate(model, ["x", "y"], samples);
  assert.deepEqual(mm.get("x"), [Math.fround(-0.3), 50]);
  const pc = await calibrate(model, ["y"], samples, { method: "percentile", percentile: 99.9 });
  assert.ok(pc.get("y")![1] < 1.1 && pc.get("y")![1] > 0.6, String(pc.get("y")));
  assert.equal(pc.get("y")![0], 0, "a ReLU output stays non-negative");
  const en = await calibrate(model, ["y"], samples, { method: "entropy" });
  // 2048 bins over [0, 50]: the search starts at 256 bins (6.25), far below the outlier.
  assert.ok(en.get("y")![1] < 10, String(en.get("y")));
  await assert.rejects(
    () => calibrate(model, ["nope"], samples),
    /Cannot calibrate "nope": no value/,
  );
  await assert.rejects(() => calibrate(model, ["x"], []), /no sample batches/);
});

Deno.test("percentileThreshold() and entropyThreshold() on known histograms", () => {
  const h = new Float64Array(100).fill(1);
  assert.equal(percentileThreshold(h, 50), 50);
  assert.equal(percentileThreshold(h, 100), 100);
  const spiky = new Float64Array(2048);
  for (let i = 0; i < 300; i++) spiky[i] = 1000 - i;
  spiky[2047] = 1;
  assert.ok(entropyThreshold(spiky, 128) < 600, String(entropyThreshold(spiky, 128)));
});

async function cnn() {
  return fuse(await loadModel(sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx"))).model;
}

async function calibrationSamples() {
  const bytes = await Deno.readFile(sharedPath("data/models/difftrain/batches.x.f32.bin"));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, 256 * 784);
  return [0, 1, 2, 3].map((b) => ({
    input: tensor("float32", [64, 1, 28, 28], all.slice(b * 64 * 784, (b + 1) * 64 * 784)),
  }));
}

async function accuracy(model: Parameters<typeof run>[0], n = 2000) {
  const { x, y } = await testDigits(n);
  return accuracyOf((await run(model, { input: x })).logits!, y);
}

Deno.test("quantizeDynamic() on the MNIST cnn: accuracy within 1 point, file within 30%", async () => {
  const model = await cnn();
  const q = compactNames(quantizeDynamic(model).model).model;
  const [a, b] = [await accuracy(model), await accuracy(q)];
  assert.ok(Math.abs(a - b) <= 0.01, `${a} -> ${b}`);
  const ratio = modelToBytes(q).length / modelToBytes(model).length;
  assert.ok(ratio <= 0.3, `size ratio ${ratio}`);
});

Deno.test("quantizeStatic() on the MNIST cnn: ORT fuses QLinearConv/QGemm, accuracy within 1 point", async () => {
  const model = await cnn();
  const samples = await calibrationSamples();
  for (const method of ["minmax", "percentile", "entropy"] as const) {
    for (const exclude of [[], ["first"]]) {
      const plan = planStatic(model, { exclude });
      const ranges = await calibrate(model, plan.tensors, samples, { method });
      const q = quantizeStatic(model, ranges, { exclude }).model;
      const b = await accuracy(q);
      assert.ok(Math.abs(0.9475 - b) <= 0.01, `${method} ${exclude}: ${b}`);
    }
  }
  const plan = planStatic(model);
  const q = quantizeStatic(model, await calibrate(model, plan.tensors, samples), {}).model;
  const dir = await Deno.makeTempDir();
  try {
    const s = await Session.create(q, {
      graphOptimizationLevel: "all",
      optimizedModelFilePath: `${dir}/o.onnx`,
    });
    await s.release();
    const ops = new Set(opTypes(await loadModel(`${dir}/o.onnx`)));
    assert.ok(ops.has("QLinearConv") && ops.has("QGemm"), [...ops].join(","));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quantizeStatic() refuses a plan tensor without a calibrated range", async () => {
  const model = await cnn();
  assert.throws(
    () => quantizeStatic(model, new Map()),
    /Cannot quantize "input": calibration gave no range/,
  );
});

Deno.test("convertFp16(): float16 weights, float32 inputs/outputs, outputs within 1e-2, file within 52%", async () => {
  const model = await cnn();
  const h = convertFp16(model).model;
  assert.equal(h.graph.inputs[0]!.dtype, "float32");
  assert.equal(h.graph.outputs[0]!.dtype, "float32");
  assert.ok([...h.graph.initializers.values()].every((t) => t.dtype !== "float32"));
  const { x } = await testDigits(200);
  const a = (await run(model, { input: x })).logits!;
  const b = (await run(h, { input: x })).logits!;
  const scale = Math.max(...Array.from(a.data as Float32Array, Math.abs));
  assert.ok(maxAbsDiff(a, b) < 1e-2 * scale, `${maxAbsDiff(a, b)} vs scale ${scale}`);
  const ratio = modelToBytes(compactNames(h).model).length / modelToBytes(model).length;
  assert.ok(ratio <= 0.52, `size ratio ${ratio}`);
  assert.ok(Math.abs(await accuracy(h) - 0.9475) <= 0.01);
});

Deno.test("convertFp16() on vit_tiny (LayerNorm, Erf, shape arithmetic) keeps accuracy", async () => {
  const model =
    fuse(await loadModel(sharedPath("data/models/mnist/vit_tiny.adam2ep.eval.onnx"))).model;
  const h = convertFp16(model).model;
  assert.ok(Math.abs(await accuracy(h, 500) - await accuracy(model, 500)) <= 0.01);
});

/** Largest |a - b| over the largest |a|, and the share of rows with the same arg-max. */
function agreement(a: Float32Array, b: Float32Array, k: number): { rel: number; top1: number } {
  let diff = 0, scale = 0, same = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  const argmax = (d: Float32Array, r: number) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (d[r * k + j]! > d[r * k + best]!) best = j;
    return best;
  };
  for (let r = 0; r < a.length / k; r++) if (argmax(a, r) === argmax(b, r)) same++;
  return { rel: diff / scale, top1: same / (a.length / k) };
}

Deno.test("quantized and float16 cnn logits stay within their stated tolerance on the 2,000 test digits", async () => {
  const model = await cnn();
  const { x } = await testDigits(2000);
  const ref = (await run(model, { input: x })).logits!.data as Float32Array;
  const samples = await calibrationSamples();
  const check = async (name: string, q: Parameters<typeof run>[0], rel: number, top1: number) => {
    const out = (await run(q, { input: x })).logits!.data as Float32Array;
    const a = agreement(ref, out, 10);
    assert.ok(a.rel <= rel && a.top1 >= top1, `${name}: ${JSON.stringify(a)}`);
  };
  // Stated tolerances: fp16 1e-2 of the logits' scale; int8 (one 8-bit step
  // per tensor through four layers) 5e-2, with 99% of the predictions
  // unchanged. Entropy calibration clips outliers by design (a clipped sample
  // moves far): only its predictions are bounded, 98% unchanged.
  await check("fp16", convertFp16(model).model, 1e-2, 0.999);
  await check("dynamic", quantizeDynamic(model).model, 5e-2, 0.99);
  for (const method of ["minmax", "percentile", "entropy"] as const) {
    const plan = planStatic(model, { exclude: ["first"] });
    const q = quantizeStatic(model, await calibrate(model, plan.tensors, samples, { method }), {
      exclude: ["first"],
    });
    await check(
      `static ${method}`,
      q.model,
      method === "entropy" ? Infinity : 5e-2,
      method === "entropy" ? 0.98 : 0.99,
    );
  }
});
