import assert from "node:assert/strict";
import { GraphBuilder, Session, tensor } from "../../lib/onnx/mod.ts";
import { evaluate } from "../../lib/onnx/reference/mod.ts";
import { buildGradients } from "../../lib/autodiff/mod.ts";
import { gradCheck, summarize } from "./_gradcheck.ts";

Deno.test("gradient of BatchNormalization in inference mode, every input", async () => {
  for (const x of [[2, 3, 2, 2], [4, 3]]) {
    await gradCheck({
      inputs: {
        x,
        scale: [3],
        bias: [3],
        mean: [3],
        variance: { dims: [3], range: [0.5, 2] },
      },
      build: (g, v) =>
        g.op("BatchNormalization", [v.x, v.scale, v.bias, v.mean, v.variance], { epsilon: 1e-3 }),
    });
  }
});

Deno.test("gradient of BatchNormalization in training mode goes through the batch statistics", async () => {
  for (const x of [[3, 2, 2, 2], [5, 3], [2, 2, 3, 2, 2]]) {
    const c = x[1]!;
    await gradCheck({
      inputs: {
        x: { dims: x, range: [-2, 2] },
        scale: [c],
        bias: [c],
        mean: { dims: [c], values: new Array(c).fill(0.1) },
        variance: { dims: [c], values: new Array(c).fill(1.5) },
      },
      wrt: ["x", "scale", "bias"],
      build: (g, v) =>
        g.op("BatchNormalization", [v.x, v.scale, v.bias, v.mean, v.variance], {
          training_mode: 1,
          momentum: 0.8,
        }, {
          outputs: 3,
        })[0]!,
    });
  }
});

Deno.test("buildGradients() lowers training BatchNormalization: PyTorch's running statistics as outputs", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: ["N", 2, 2, 2] });
  const init = (name: string, v: number[]) => g.initializer(name, tensor("float64", [2], v));
  const [y] = g.op("BatchNormalization", [
    x,
    init("s", [1, 2]),
    init("b", [0, 1]),
    init("rm", [0.5, -1]),
    init("rv", [2, 3]),
  ], {
    training_mode: 1,
    momentum: 0.9,
  }, { outputs: 3 });
  g.output(g.op("ReduceSum", [g.op("Mul", [y!, y!])], { keepdims: 0 }), "loss");
  const { model, updates } = buildGradients(g.build(), { loss: "loss", wrt: ["s", "b"] });
  assert.deepEqual([...updates], [["rm", "rm_updated"], ["rv", "rv_updated"]]);
  assert.ok(
    !model.graph.nodes.some((n) =>
      n.opType === "BatchNormalization" && n.getInt("training_mode", 0) === 1
    ),
  );
  assert.deepEqual(model.graph.inputs.map((i) => i.name), ["x", "s", "b", "rm", "rv"]);
  const xs = Array.from({ length: 24 }, (_, i) => Math.sin(i) * 2);
  const feeds = {
    x: tensor("float64", [3, 2, 2, 2], xs),
    s: tensor("float64", [2], [1, 2]),
    b: tensor("float64", [2], [0, 1]),
    rm: tensor("float64", [2], [0.5, -1]),
    rv: tensor("float64", [2], [2, 3]),
  };
  // PyTorch: running = (1 - 0.1) · running + 0.1 · batch statistic, with the unbiased variance.
  const momentum = Math.fround(0.9);
  for (const ch of [0, 1]) {
    const vals = [0, 1, 2].flatMap((n) => [0, 1, 2, 3].map((i) => xs[(n * 2 + ch) * 4 + i]!));
    const mean = vals.reduce((a, v) => a + v, 0) / vals.length;
    const unbiased = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (vals.length - 1);
    const want = [
      [0.5, -1][ch]! * momentum + mean * (1 - momentum),
      [2, 3][ch]! * momentum + unbiased * (1 - momentum),
    ];
    const s = await Session.create(model);
    try {
      const out = await s.run(feeds);
      assert.ok(Math.abs(Number(out.rm_updated!.data[ch]) - want[0]!) < 1e-12);
      assert.ok(Math.abs(Number(out.rv_updated!.data[ch]) - want[1]!) < 1e-12);
    } finally {
      await s.release();
    }
    const ref = evaluate(model, feeds, { outputs: ["rm_updated", "rv_updated"] });
    assert.ok(Math.abs(Number(ref.rv_updated!.data[ch]) - want[1]!) < 1e-12);
  }
});

Deno.test("lowered training BatchNormalization normalizes with the batch statistics in onnxruntime", async () => {
  // NOTE: onnxruntime-node's own BatchNormalization with training_mode=1 does not give
  // these values on CPU (x = [1, 2, 3] normalizes to [-0.98, 0.20, 1.38]); the lowering
  // replaces it, so the reference here is PyTorch's formula written out.
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [4, 3, 5, 5] });
  const p = (name: string, v: number) =>
    g.initializer(name, tensor("float32", [3], [v, v + 0.5, v - 0.25]));
  const [y] = g.op("BatchNormalization", [x, p("s", 1), p("b", 0.1), p("m", 0), p("v", 1)], {
    training_mode: 1,
  }, { outputs: 3 });
  g.output(y!, "y");
  const lowered = buildGradients(g.build(), { loss: "y", wrt: ["s"] }).model;
  const xs = Float32Array.from(
    { length: 300 },
    (_, i) => Math.cos(i * 0.37) * 3 + (i % 75 < 25 ? 1 : 0),
  );
  const s = await Session.create(lowered);
  try {
    const out = await s.run({
      x: tensor("float32", [4, 3, 5, 5], xs),
      s: tensor("float32", [3], [1, 1.5, 0.75]),
      m: tensor("float32", [3]),
      v: tensor("float32", [3], [1, 1, 1]),
    });
    const yb = out.y!.data as Float32Array;
    for (let ch = 0; ch < 3; ch++) {
      const at = (n: number, i: number) => (n * 3 + ch) * 25 + i;
      const vals = [0, 1, 2, 3].flatMap((n) => Array.from({ length: 25 }, (_, i) => xs[at(n, i)]!));
      const mean = vals.reduce((a, v) => a + v, 0) / 100;
      const variance = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / 100;
      const k = [1, 1.5, 0.75][ch]! / Math.sqrt(variance + Math.fround(1e-5));
      for (let n = 0; n < 4; n++) {
        for (let i = 0; i < 25; i++) {
          const want = (xs[at(n, i)]! - mean) * k + [0.1, 0.6, -0.15][ch]!;
          assert.ok(
            Math.abs(yb[at(n, i)]! - want) < 1e-5,
            `channel ${ch}: ${yb[at(n, i)]} vs ${want}`,
          );
        }
      }
    }
  } finally {
    await s.release();
  }
});

const layerNorms: [number[], number, number[], boolean][] = [
  [[2, 3, 4], -1, [4], true],
  [[2, 3, 4], 1, [3, 4], true],
  [[2, 3, 4], 1, [4], false],
  [[3, 5], 0, [3, 5], true],
];

for (const [x, axis, scale, bias] of layerNorms) {
  Deno.test(`gradient of LayerNormalization x=[${x}] axis=${axis} scale=[${scale}]${bias ? " with bias" : ""}`, async () => {
    const inputs: Record<string, number[]> = { x, scale };
    if (bias) inputs.bias = scale;
    await gradCheck({
      inputs,
      build: (g, v) => g.op("LayerNormalization", [v.x, v.scale, v.bias], { axis, epsilon: 1e-3 }),
    });
  });
}

summarize("rules_norm");
