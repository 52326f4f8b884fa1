import assert from "node:assert/strict";
import { GraphBuilder, type OpInput, Session, tensor, type Value } from "../../lib/onnx/mod.ts";
import { evaluate, REFERENCE_OPS } from "../../lib/onnx/reference/mod.ts";

Deno.test("evaluate() computes erf to double precision", () => {
  const g = new GraphBuilder();
  g.output(g.op("Erf", [g.input("x", { dtype: "float64", dims: [6] })]), "y");
  const xs = [0.1, 0.5, -1, 1.5, 2.5, 4];
  const want = [
    0.1124629160182849,
    0.5204998778130465,
    -0.8427007929497149,
    0.9661051464753108,
    0.999593047982555,
    0.9999999845827421,
  ];
  const { y } = evaluate(g.build(), { x: tensor("float64", [6], xs) });
  want.forEach((w, i) => assert.ok(Math.abs(Number(y!.data[i]) - w) < 3e-16, `erf(${xs[i]})`));
});

type Build = (g: GraphBuilder, x: Value, w: Value) => OpInput;

const CASES: [string, number[], number[], Build][] = [
  [
    "Conv groups 2 dilation 2 pads",
    [1, 4, 7, 6],
    [4, 2, 2, 3],
    (g, x, w) => g.op("Conv", [x, w], { group: 2, dilations: [2, 1], pads: [1, 0, 0, 2] }),
  ],
  [
    "Conv auto_pad SAME_LOWER stride 2",
    [1, 2, 5, 5],
    [3, 2, 3, 3],
    (g, x, w) => g.op("Conv", [x, w], { auto_pad: "SAME_LOWER", strides: [2, 2] }),
  ],
  [
    "ConvTranspose stride 2, output_padding, pads",
    [2, 2, 3, 4],
    [2, 3, 3, 3],
    (g, x, w) =>
      g.op("ConvTranspose", [x, w], {
        strides: [2, 2],
        pads: [1, 0, 1, 1],
        output_padding: [1, 0],
      }),
  ],
  [
    "ConvTranspose groups 2 dilation 2",
    [1, 4, 3, 3],
    [4, 1, 2, 2],
    (g, x, w) => g.op("ConvTranspose", [x, w], { group: 2, dilations: [2, 2] }),
  ],
  [
    "MaxPool 3x3 s2 pads ceil_mode",
    [1, 2, 6, 7],
    [1],
    (g, x) =>
      g.op("MaxPool", [x], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        ceil_mode: 1,
      }),
  ],
  [
    "MaxPool indices",
    [2, 2, 4, 5],
    [1],
    (g, x) => g.op("MaxPool", [x], { kernel_shape: [2, 2], strides: [1, 2] }, { outputs: 2 })[1],
  ],
  [
    "AveragePool ceil_mode count_include_pad",
    [1, 2, 6, 7],
    [1],
    (g, x) =>
      g.op("AveragePool", [x], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        ceil_mode: 1,
        count_include_pad: 1,
      }),
  ],
  [
    "AveragePool pads without count_include_pad",
    [1, 1, 5, 5],
    [1],
    (g, x) => g.op("AveragePool", [x], { kernel_shape: [3, 2], pads: [1, 0, 1, 1] }),
  ],
  [
    "Slice negative steps",
    [3, 6, 5],
    [1],
    (g, x) =>
      g.op("Slice", [x, g.ints([-1, 4]), g.ints([-100, 0]), g.ints([2, 1]), g.ints([-2, -3])]),
  ],
  [
    "ScatterElements add",
    [3, 4],
    [3, 2],
    (g, x, w) =>
      g.op("ScatterElements", [x, g.constant(tensor("int64", [3, 2], [0, 0, 3, -1, 2, 1])), w], {
        axis: 1,
        reduction: "add",
      }),
  ],
  [
    "ScatterND add",
    [4, 3],
    [2, 3],
    (g, x, w) =>
      g.op("ScatterND", [x, g.constant(tensor("int64", [2, 1], [1, 1])), w], { reduction: "add" }),
  ],
  [
    "Gather negative indices axis 1",
    [2, 5, 3],
    [1],
    (g, x) => g.op("Gather", [x, g.constant(tensor("int64", [2, 2], [-1, 0, 4, -5]))], { axis: 1 }),
  ],
  [
    "LayerNormalization axis 1 with Mean and InvStdDev",
    [2, 3, 4],
    [3, 4],
    (g, x, w) =>
      g.op("Concat", [
        g.op("Reshape", [
          g.op("LayerNormalization", [x, w, w], { axis: 1 }, { outputs: 3 })[0]!,
          g.ints([-1]),
        ]),
        g.op("Reshape", [
          g.op("LayerNormalization", [x, w], { axis: 1 }, { outputs: 3 })[2]!,
          g.ints([-1]),
        ]),
      ], { axis: 0 }),
  ],
  [
    "Softmax at opset 11 (flattened tail)",
    [2, 3, 4],
    [1],
    (g, x) => g.op("Softmax", [x], { axis: 1 }),
  ],
  [
    "BatchNormalization inference",
    [2, 3, 2, 2],
    [3],
    (g, x, w) => g.op("BatchNormalization", [x, w, w, w, g.op("Abs", [w])], { epsilon: 0.5 }),
  ],
  [
    "Gemm transposes alpha beta",
    [4, 3],
    [5, 4],
    (g, x, w) =>
      g.op("Gemm", [x, w, g.constant(tensor("float32", [5], [1, 2, 3, 4, 5]))], {
        transA: 1,
        transB: 1,
        alpha: 0.7,
        beta: -1.3,
      }),
  ],
  ["MatMul batch broadcast", [2, 1, 3, 4], [3, 4, 2], (g, x, w) => g.op("MatMul", [x, w])],
  [
    "Resize nearest: half_pixel x2 and back, asymmetric floor x3 and back",
    [1, 2, 3, 4],
    [1],
    (g, x) => {
      const scales = (v: number) => g.constant(tensor("float32", [4], [1, 1, v, v]));
      const down = (v: Value, s: number) => g.op("Resize", [v, "", scales(s)], { mode: "nearest" });
      const up2 = g.op("Resize", [x, "", scales(2)], { mode: "nearest" });
      const up3 = g.op("Resize", [x, "", scales(3)], {
        mode: "nearest",
        coordinate_transformation_mode: "asymmetric",
        nearest_mode: "floor",
      });
      return g.op("Add", [down(up2, 0.5), down(up3, 1 / 3)]);
    },
  ],
  [
    "Resize nearest to sizes, align_corners, round_prefer_ceil",
    [1, 1, 4, 5],
    [1],
    (g, x) =>
      g.op("Resize", [x, "", "", g.ints([1, 1, 7, 3])], {
        mode: "nearest",
        coordinate_transformation_mode: "align_corners",
        nearest_mode: "round_prefer_ceil",
      }),
  ],
  [
    "Pad reflect",
    [2, 4],
    [1],
    (g, x) => g.op("Pad", [x, g.ints([1, 2, 0, 3])], { mode: "reflect" }),
  ],
  [
    "Tile and Expand",
    [2, 1],
    [1],
    (g, x) => g.op("Expand", [g.op("Tile", [x, g.ints([2, 3])]), g.ints([2, 4, 3])]),
  ],
  [
    "Split uneven and Concat",
    [7, 2],
    [1],
    (g, x) =>
      g.op("Concat", g.op("Split", [x, g.ints([3, 4])], {}, { outputs: 2 }).reverse(), { axis: 0 }),
  ],
  [
    "ReduceLogSumExp and ArgMax",
    [3, 4],
    [1],
    (g, x) =>
      g.op("Add", [
        g.op("ReduceLogSumExp", [x], { axes: [1] }),
        g.op("Cast", [g.op("ArgMax", [x], { axis: 1 })], { to: 1 }),
      ]),
  ],
]; // deno-fmt-ignore

for (const [name, xd, wd, build] of CASES) {
  Deno.test(`evaluate() agrees with onnxruntime (float32): ${name}`, async () => {
    const opset = name.includes("opset 11") ? 11 : 17;
    const g = new GraphBuilder({ opset });
    const x = g.input("x", { dtype: "float32", dims: xd });
    const w = g.input("w", { dtype: "float32", dims: wd });
    const out = build(g, x, w) as Value;
    g.output(out.dtype === "float32" ? g.op("Add", [out, g.op("ReduceSum", [g.op("Mul", [w, g.scalar(0)])], { keepdims: 0 })]) : out, "y");
    const model = g.build();
    const n = (d: number[]) => d.reduce((a, b) => a * b, 1);
    const feeds = {
      x: tensor("float32", xd, Float32Array.from({ length: n(xd) }, (_, i) => Math.sin(i * 1.7) * 2)),
      w: tensor("float32", wd, Float32Array.from({ length: n(wd) }, (_, i) => Math.cos(i * 0.9))),
    };
    const ref = evaluate(model, feeds).y!;
    const s = await Session.create(model);
    try {
      const got = (await s.run(feeds)).y!;
      assert.deepEqual(got.dims, ref.dims);
      const a = Array.from(got.data as ArrayLike<number | bigint>, Number);
      const b = Array.from(ref.data as ArrayLike<number | bigint>, Number);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)), `element ${i}: ${v} vs ${b[i]}`));
    } finally {
      await s.release();
    }
  });
}

Deno.test("evaluate() names what it cannot run", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2] });
  g.output(g.op("Einsum", [x], { equation: "i->i" }, { name: "up" }), "y");
  assert.throws(
    () => evaluate(g.build(), { x: tensor("float32", [2]) }),
    /Cannot evaluate "up" \(Einsum\): the reference evaluator has no kernel for "Einsum"/,
  );
  assert.throws(() => evaluate(g.build(), {}), /Missing feed for input "x"/);
  assert.ok(REFERENCE_OPS.includes("ConvTranspose"));
});

Deno.test("evaluate() draws the same Dropout mask on every run (seeded by the node)", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: [100] });
  const [y, mask] = g.op(
    "Dropout",
    [x, g.scalar(0.5, "float64"), g.constant(tensor("bool", [], [1]))],
    { seed: 5 },
    { outputs: 2 },
  );
  g.output(y!, "y");
  g.output(mask!, "mask");
  const feeds = { x: tensor("float64", [100], new Float64Array(100).fill(1)) };
  const a = evaluate(g.build(), feeds);
  const b = evaluate(g.build(), feeds);
  assert.deepEqual(a.mask!.data, b.mask!.data);
  const kept = Array.from(a.mask!.data as Uint8Array).filter((v) => v === 1).length;
  assert.ok(kept > 30 && kept < 70);
  (a.y!.data as Float64Array).forEach((v, i) => assert.equal(v, a.mask!.data[i] ? 2 : 0));
});
