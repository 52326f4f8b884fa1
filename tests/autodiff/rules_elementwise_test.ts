import assert from "node:assert/strict";
import { GraphBuilder, Session, tensor } from "../../lib/onnx/mod.ts";
import { buildGradients } from "../../lib/autodiff/mod.ts";
import { gradCheck, summarize } from "./_gradcheck.ts";

const unary: [
  string,
  Record<string, number>,
  Partial<{ range: [number, number]; kinks: number[] }>,
][] = [
  ["Neg", {}, {}],
  ["Identity", {}, {}],
  ["Relu", {}, { kinks: [0] }],
  ["LeakyRelu", { alpha: 0.1 }, { kinks: [0] }],
  ["Sigmoid", {}, { range: [-4, 4] }],
  ["Tanh", {}, { range: [-3, 3] }],
  ["Erf", {}, { range: [-3, 3] }],
  ["Exp", {}, {}],
  ["Log", {}, { range: [0.2, 3] }],
  ["Sqrt", {}, { range: [0.2, 3] }],
  ["Reciprocal", {}, { range: [0.3, 3] }],
  ["Abs", {}, { kinks: [0] }],
  ["Softplus", {}, { range: [-4, 4] }],
  ["Elu", { alpha: 0.7 }, { kinks: [0] }],
  ["HardSigmoid", { alpha: 0.3, beta: 0.4 }, { range: [-4, 4], kinks: [-4 / 3, 2] }],
  ["HardSwish", {}, { range: [-5, 5], kinks: [-3, 3] }],
];

for (const [op, attrs, values] of unary) {
  Deno.test(`gradient of ${op} matches finite differences`, async () => {
    await gradCheck({
      inputs: { x: { dims: [3, 4], ...values } },
      build: (g, v) => g.op(op, [v.x], attrs),
    });
  });
}

const shapes: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1, 4], [3, 1]],
  [[4], [2, 3, 4]],
  [[1], [2, 3]],
  [[2, 3], []],
];

for (const op of ["Add", "Sub", "Mul", "Div"]) {
  for (const [a, b] of shapes) {
    Deno.test(`gradient of ${op} broadcasting [${a}] with [${b}]`, async () => {
      await gradCheck({
        inputs: { a: { dims: a }, b: { dims: b, range: op === "Div" ? [0.5, 2] : [-1, 1] } },
        build: (g, v) => g.op(op, [v.a, v.b]),
      });
    });
  }
}

Deno.test("gradient of Pow with a tensor exponent and with the constant 2", async () => {
  await gradCheck({
    inputs: { a: { dims: [2, 3], range: [0.5, 2] }, b: { dims: [3], range: [-2, 2] } },
    build: (g, v) => g.op("Pow", [v.a, v.b]),
  });
  await gradCheck({
    inputs: { a: [2, 3] },
    build: (g, v, dtype) => g.op("Pow", [v.a, g.scalar(2, dtype)]),
  });
});

Deno.test("gradient of PRelu with a per-channel slope", async () => {
  await gradCheck({
    inputs: { x: { dims: [2, 3, 2], kinks: [0] }, slope: { dims: [3, 1] } },
    build: (g, v) => g.op("PRelu", [v.x, v.slope]),
  });
});

Deno.test("gradient of Clip with min, max and one bound only", async () => {
  await gradCheck({
    inputs: { x: { dims: [3, 4], range: [-2, 2], kinks: [-0.5, 0.8] } },
    build: (g, v, dtype) => g.op("Clip", [v.x, g.scalar(-0.5, dtype), g.scalar(0.8, dtype)]),
  });
  await gradCheck({
    inputs: { x: { dims: [3, 4], range: [-2, 2], kinks: [0.8] } },
    build: (g, v, dtype) => g.op("Clip", [v.x, undefined, g.scalar(0.8, dtype)]),
  });
});

Deno.test("gradient of Max, Min, Sum and Mean with three broadcast inputs", async () => {
  for (const op of ["Max", "Min", "Sum", "Mean"]) {
    await gradCheck({
      inputs: {
        a: { dims: [2, 3], distinct: 0.02 },
        b: { dims: [3], distinct: 0.02 },
        c: { dims: [2, 1], distinct: 0.02 },
      },
      build: (g, v) => g.op(op, [v.a, v.b, v.c]),
      seed: 7,
    });
  }
});

Deno.test("gradient of Where with a bool condition and broadcast branches", async () => {
  await gradCheck({
    inputs: {
      c: { dims: [2, 3], dtype: "bool", values: [1, 0, 1, 0, 0, 1] },
      a: [2, 3],
      b: [3],
    },
    build: (g, v) => g.op("Where", [v.c, v.a, v.b]),
  });
});

Deno.test("gradient of Cast between float types passes through", async () => {
  await gradCheck({
    inputs: { x: [2, 3] },
    build: (g, v, dtype) =>
      g.op("Mul", [g.op("Cast", [v.x], { to: dtype === "float64" ? 11 : 1 }), v.x]),
  });
});

Deno.test("gradient of Dropout: identity without training mode or with ratio 0", async () => {
  for (const [ratio, training] of [[0.5, 0], [0, 1]]) {
    await gradCheck({
      inputs: { x: [2, 3] },
      build: (g, v, dtype) =>
        g.op(
          "Dropout",
          [v.x, g.scalar(ratio!, dtype), g.constant(tensor("bool", [], [training!]))],
          {},
          { outputs: 2 },
        )[0]!,
    });
  }
});

Deno.test("gradient of Dropout in training mode uses the forward mask", async () => {
  await gradCheck({
    inputs: { x: [4, 5] },
    build: (g, v, dtype) =>
      g.op(
        "Dropout",
        [v.x, g.scalar(0.3, dtype), g.constant(tensor("bool", [], [1]))],
        { seed: 3 },
        {
          outputs: 2,
        },
      )[0]!,
    evaluatorOnly: true, // onnxruntime draws another mask; checked below against its own mask
  });
});

Deno.test("gradient of Dropout with the ratio and training mode fed at run time", async () => {
  for (const training of [1, 0]) {
    await gradCheck({
      inputs: {
        x: [4, 5],
        r: { dims: [], values: [0.4] },
        t: { dims: [], dtype: "bool", values: [training] },
      },
      wrt: ["x"],
      build: (g, v) => g.op("Dropout", [v.x, v.r, v.t], { seed: 9 }, { outputs: 2 })[0]!,
      evaluatorOnly: true,
    });
  }
});

Deno.test("onnxruntime: Dropout's gradient is dy · mask / (1 - ratio) with the mask it drew", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [64] });
  const [y] = g.op("Dropout", [x, g.scalar(0.25), g.constant(tensor("bool", [], [1]))], {}, {
    outputs: 2,
  });
  g.output(g.op("ReduceSum", [g.op("Mul", [y!, x])], { keepdims: 0 }), "loss");
  const { model, gradients } = buildGradients(g.build(), {
    loss: "loss",
    wrt: ["x"],
    retainOutputs: [],
  });
  const mask = model.graph.nodes.find((n) => n.opType === "Dropout")!.outputs[1]!;
  model.graph.addOutput({ name: mask, dtype: "bool", dims: [64] });
  const s = await Session.create(model);
  try {
    const xs = Float32Array.from({ length: 64 }, (_, i) => (i % 7) - 3);
    const out = await s.run({ x: tensor("float32", [64], xs) });
    const m = out[mask]!.data as Uint8Array;
    const grad = out[gradients.get("x")!]!.data as Float32Array;
    // loss = Σ dropout(x)·x, so d/dx = 2·x·mask / (1 - r)
    for (let i = 0; i < 64; i++) {
      assert.ok(Math.abs(grad[i]! - (m[i] ? 2 * xs[i]! / 0.75 : 0)) < 1e-5);
    }
    assert.ok(m.some((b) => b === 0) && m.some((b) => b === 1));
  } finally {
    await s.release();
  }
});

summarize("rules_elementwise");
