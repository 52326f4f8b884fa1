// Initialisation statistics. Tolerances: a sample variance s² over n draws has
// standard error √((μ₄ − σ⁴)/n) (estimated from the sample), a sample mean
// σ/√n; every check allows 5 standard errors (a 1 in 1.7 million chance of a
// false failure for a fixed seed drawn at random).

import assert from "node:assert/strict";
import { buildModel, fans, gain, type InitScheme, initTensor } from "../../lib/nn/mod.ts";
import type { Model, Tensor } from "../../lib/onnx/mod.ts";
import { loadReference, moments, varianceSE } from "./_util.ts";

const Z = 5;

function assertStats(data: Float32Array, variance: number, label: string, mean = 0): void {
  const m = moments(data);
  const se = varianceSE(m);
  assert.ok(
    Math.abs(m.v - variance) <= Z * se,
    `${label}: variance ${m.v} vs ${variance} (SE ${se}, n ${m.n})`,
  );
  assert.ok(
    Math.abs(m.mean - mean) <= Z * Math.sqrt(variance / m.n),
    `${label}: mean ${m.mean} vs ${mean}`,
  );
}

function draw(dims: number[], scheme: InitScheme, seed = 3): Float32Array {
  return initTensor(dims, scheme, { seed, stream: "test" }).data as Float32Array;
}

Deno.test("fans() and gain() follow torch.nn.init", () => {
  assert.deepEqual(fans([256, 784]), { fanIn: 784, fanOut: 256 });
  assert.deepEqual(fans([64, 32, 3, 3]), { fanIn: 288, fanOut: 576 });
  assert.throws(() => fans([10]), /expected 2 or more dims/);
  assert.equal(gain("relu"), Math.SQRT2);
  assert.equal(gain("tanh"), 5 / 3);
  assert.ok(Math.abs(gain("leaky_relu", Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
});

Deno.test("initTensor() kaiming-uniform(a=√5) is U(±1/√fan_in)", () => {
  const w = draw([512, 784], { kind: "kaimingUniform", a: Math.sqrt(5) });
  const bound = 1 / Math.sqrt(784);
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(w.some((v) => v > bound * 0.999) && w.some((v) => v < -bound * 0.999));
  assertStats(w, bound * bound / 3, "kaimingUniform");
});

Deno.test("initTensor() kaiming-normal(fan_out, relu) has variance 2/fan_out", () => {
  assertStats(
    draw([256, 128, 3, 3], { kind: "kaimingNormal", mode: "fan_out", nonlinearity: "relu" }),
    2 / (256 * 9),
    "kaimingNormal",
  );
});

Deno.test("initTensor() xavier-uniform has variance 2/(fan_in + fan_out)", () => {
  const w = draw([3072, 768], { kind: "xavierUniform" });
  const bound = Math.sqrt(6 / (3072 + 768));
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assertStats(w, 2 / (3072 + 768), "xavierUniform");
});

Deno.test("initTensor() normal and uniform have their moments", () => {
  assertStats(draw([1000, 500], { kind: "normal", std: 0.02 }), 0.0004, "normal");
  assertStats(draw([1000, 500], { kind: "normal", mean: 3, std: 2 }), 4, "normal", 3);
  assertStats(draw([1000, 500], { kind: "uniform", low: 1, high: 3 }), 1 / 3, "uniform", 2);
});

Deno.test("initTensor() truncated normal stays in [a, b] with the truncated variance", () => {
  const w = draw([1000, 500], { kind: "truncNormal", std: 1 });
  assert.ok(w.every((v) => v >= -2 && v <= 2));
  // Var of N(0,1) truncated to ±2: 1 − 2·2φ(2)/(Φ(2) − Φ(−2)).
  const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
  assertStats(w, 1 - (4 * phi2) / 0.9544997361036416, "truncNormal");
  assert.throws(
    () => draw([4], { kind: "truncNormal", std: 1, a: 30, b: 31 }),
    /holds too little/,
  );
});

Deno.test("initTensor() is deterministic in seed and stream", () => {
  const scheme: InitScheme = { kind: "normal", std: 1 };
  const a = initTensor([100], scheme, { seed: 1, stream: "fc1.weight" }).data;
  assert.deepEqual(initTensor([100], scheme, { seed: 1, stream: "fc1.weight" }).data, a);
  assert.notDeepEqual(initTensor([100], scheme, { seed: 2, stream: "fc1.weight" }).data, a);
  assert.notDeepEqual(initTensor([100], scheme, { seed: 1, stream: "fc2.weight" }).data, a);
});

function isConstant(t: Tensor): boolean {
  const d = t.data as Float32Array;
  return d.every((v) => v === d[0]);
}

// Our draws against PyTorch's own draws in the reference exports: constant
// tensors must be equal; random ones must agree in mean and variance within
// 5 standard errors of the difference of two independent estimates.
for (
  const [file, spec] of [["mlp", "mlp"], ["cnn", "cnn"], ["cnn_bn", "cnn_bn"], ["vit_tiny", "vit"]]
) {
  Deno.test(`buildModel("${spec}") initial weights match the statistics of PyTorch's ${file}`, async () => {
    const ref: Model = await loadReference(`${file}.train.onnx`);
    const ours = buildModel({ name: spec } as never, { seed: 11 });
    for (const [name, r] of ref.graph.initializers) {
      const o = ours.graph.initializers.get(name)!;
      if (isConstant(r)) {
        assert.deepEqual(o.data, r.data, name);
        continue;
      }
      const mo = moments(o.data as Float32Array);
      const mr = moments(r.data as Float32Array);
      const seVar = Math.hypot(varianceSE(mo), varianceSE(mr));
      assert.ok(Math.abs(mo.v - mr.v) <= Z * seVar, `${name}: variance ${mo.v} vs ${mr.v}`);
      const seMean = Math.sqrt(mo.v / mo.n + mr.v / mr.n);
      assert.ok(
        Math.abs(mo.mean - mr.mean) <= Z * seMean,
        `${name}: mean ${mo.mean} vs ${mr.mean}`,
      );
    }
  });
}

Deno.test('buildModel("vit") uses torchvision\'s ViT initialisation', () => {
  const init = buildModel({ name: "vit" }, { seed: 2 }).graph.initializers;
  const get = (k: string) => init.get(k)!.data as Float32Array;
  const zero = (k: string) => assert.ok(get(k).every((v) => v === 0), k);
  const one = (k: string) => assert.ok(get(k).every((v) => v === 1), k);
  ["class_token", "conv_proj.bias", "heads.head.weight", "heads.head.bias"].forEach(zero);
  const layer = "encoder.layers.encoder_layer_3";
  zero(`${layer}.self_attention.in_proj_bias`);
  zero(`${layer}.self_attention.out_proj.bias`);
  one(`${layer}.ln_1.weight`);
  zero(`${layer}.ln_2.bias`);
  assertStats(get("conv_proj.weight"), 1 / 49, "conv_proj (trunc normal, std 1/√fan_in)");
  assertStats(get("encoder.pos_embedding"), 0.02 ** 2, "pos_embedding (normal 0.02)");
  assertStats(get(`${layer}.self_attention.in_proj_weight`), 2 / (64 + 192), "in_proj xavier");
  assertStats(get(`${layer}.self_attention.out_proj.weight`), 1 / (3 * 64), "out_proj");
  assertStats(get(`${layer}.mlp.0.weight`), 2 / (64 + 128), "mlp.0 xavier");
  assertStats(get(`${layer}.mlp.3.bias`), 1e-12, "mlp.3 bias normal 1e-6");
});

Deno.test('buildModel("resnet") uses torchvision\'s ResNet initialisation', () => {
  const init = buildModel({ name: "resnet" }, { seed: 2 }).graph.initializers;
  const get = (k: string) => init.get(k)!.data as Float32Array;
  assertStats(get("conv1.weight"), 2 / (64 * 49), "conv1 kaiming normal fan_out");
  assertStats(get("layer3.1.conv2.weight"), 2 / (256 * 9), "layer3.1.conv2");
  assertStats(get("layer2.0.downsample.0.weight"), 2 / 128, "downsample conv");
  assertStats(get("fc.weight"), 1 / (3 * 512), "fc kaiming uniform");
  assertStats(get("fc.bias"), 1 / (3 * 512), "fc bias U(±1/√512)");
  assert.ok(get("layer4.1.bn2.weight").every((v) => v === 1));
  assert.ok(get("layer4.1.bn2.running_var").every((v) => v === 1));
  assert.ok(get("layer4.1.bn2.running_mean").every((v) => v === 0));
});
