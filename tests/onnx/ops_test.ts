import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { GraphBuilder, modelToBytes, ops, tensor, type Value } from "../../lib/onnx/mod.ts";

function seeded(n: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
}

async function run(g: GraphBuilder, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(modelToBytes(g.build()), {
    logSeverityLevel: 3,
  });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

Deno.test("ops build a CNN whose inferred dims equal ORT's output dims", async () => {
  const g = new GraphBuilder({ opset: 17 });
  const x = g.input("x", { dtype: "float32", dims: ["N", 3, 17, 17] });
  const w = g.initializer("w", tensor("float32", [8, 3, 3, 3], seeded(216)));
  const outs: Value[] = [];
  const c = ops.conv(g, x, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] });
  outs.push(c);
  const [bn] = ops.batchNormalization(g, c, {
    scale: g.initializer("s", tensor("float32", [8], seeded(8, 2))),
    bias: g.initializer("b", tensor("float32", [8], seeded(8, 3))),
    mean: g.initializer("m", tensor("float32", [8])),
    variance: g.initializer("v", tensor("float32", [8], new Float32Array(8).fill(1))),
  });
  const r = ops.relu(g, bn!);
  outs.push(ops.maxPool(g, r, { kernelShape: [3, 3], strides: [2, 2], ceilMode: true }));
  outs.push(ops.averagePool(g, r, { kernelShape: [2, 2], pads: [0, 0, 1, 1] }));
  const gw = g.initializer("gw", tensor("float32", [8, 4, 3, 3], seeded(288, 4)));
  outs.push(ops.conv(g, r, gw, undefined, { group: 2, autoPad: "SAME_UPPER" }));
  outs.push(ops.conv(g, r, gw, undefined, { group: 2, dilations: [2, 2], pads: [2, 1, 0, 1] }));
  const pooled = ops.globalAveragePool(g, r);
  const flat = ops.flatten(g, pooled);
  outs.push(
    ops.gemm(g, flat, g.initializer("fc", tensor("float32", [5, 8], seeded(40, 5))), undefined, {
      transB: true,
    }),
  );
  outs.push(ops.reduceMean(g, r, { axes: [2, 3], keepdims: false }));
  outs.push(ops.transpose(g, ops.reshape(g, r, [0, 8, -1]), [0, 2, 1]));
  const parts = ops.split(g, r, [3, 5], 1);
  outs.push(ops.concat(g, [parts[1]!, parts[0]!], 1));
  outs.push(ops.slice(g, r, [1, 0], [-1, 100], { axes: [2, 3], steps: [1, 2] }));
  outs.push(ops.unsqueeze(g, ops.squeeze(g, pooled, [3]), [0]));
  outs.push(ops.gather(g, r, [0, 2], 1));
  outs.push(ops.softmax(g, ops.gelu(g, flat)));
  outs.push(ops.expand(g, ops.reshape(g, flat, [-1, 8, 1]), [1, 1, 4]));
  outs.forEach((v, i) => g.output(v, `o${i}`));
  const batch = 2;
  const result = await run(g, {
    x: new ort.Tensor("float32", seeded(batch * 3 * 17 * 17, 9), [batch, 3, 17, 17]),
  });
  outs.forEach((v, i) => {
    const dims = result[`o${i}`]!.dims;
    assert.deepEqual(
      v.dims!.map((d) => (d === "N" ? batch : d)),
      [...dims],
      `output o${i} ${v.name}`,
    );
  });
});

Deno.test("ops.gelu() computes x/2 (1 + erf(x/sqrt 2))", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [3] });
  g.output(ops.gelu(g, x), "y");
  const out = await run(g, { x: new ort.Tensor("float32", new Float32Array([-1, 0, 2]), [3]) });
  const want = [-0.15865526, 0, 1.9544997];
  Array.from(out.y!.data as Float32Array).forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]!) < 1e-6)
  );
});

Deno.test("ops pick the attribute or input form by opset", () => {
  for (const [opset, inputs] of [[13, 1], [18, 2]] as const) {
    const g = new GraphBuilder({ opset });
    const x = g.input("x", { dtype: "float32", dims: [2, 3] });
    const y = ops.reduceMean(g, x, { axes: [1] });
    const node = g.graph.producer(y.name)!;
    assert.equal(node.inputs.length, inputs);
    assert.equal(node.hasAttr("axes"), inputs === 1);
    assert.deepEqual(y.dims, [2, 1]);
  }
  const old = new GraphBuilder({ opset: 11 });
  const x = old.input("x", { dtype: "float32", dims: [1, 3] });
  const s = ops.squeeze(old, x, [0]);
  assert.deepEqual(old.graph.producer(s.name)!.getInts("axes"), [0]);
  assert.deepEqual(s.dims, [3]);
});

Deno.test("ops check attributes before building", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 3, 8, 8] });
  const w = g.initializer("w", tensor("float32", [4, 3, 3, 3]));
  assert.throws(
    () => ops.conv(g, x, w, undefined, { strides: [1] }),
    /Invalid Conv attribute "strides": expected 2 values/,
  );
  assert.throws(() => ops.conv(g, x, w, undefined, { group: 0 }), /Invalid Conv attribute "group"/);
  assert.throws(
    () => ops.maxPool(g, x, { kernelShape: [2, 2], pads: [-1, 0, 0, 0] }),
    /"pads": expected integers >= 0/,
  );
  assert.throws(() => ops.reshape(g, x, [-1, -1]), /more than one -1/);
  assert.throws(() => ops.dropout(g, x, { ratio: 1.5 }), /0 <= ratio < 1/);
  assert.throws(
    () => ops.conv(g, x, g.initializer("w2", tensor("float32", [4, 2, 3, 3]))),
    /has 3 channels, weight .* expects 2/,
  );
});
