import assert from "node:assert/strict";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { cudaAvailable, GraphBuilder, Session, tensor } from "../../lib/onnx/mod.ts";

const MLP = "/work/shared/data/models/mnist/mlp.eval.onnx";

Deno.test("Session reports input and output metadata with symbolic dims", async () => {
  const s = await Session.create(MLP, { intraOpThreads: 1, graphOptimizationLevel: "all" });
  try {
    assert.deepEqual(s.inputs, [{ name: "input", dtype: "float32", dims: ["batch", 784] }]);
    assert.deepEqual(s.outputs, [{ name: "logits", dtype: "float32", dims: ["batch", 10] }]);
    assert.deepEqual(s.executionProviders, cudaAvailable() ? ["cuda", "cpu"] : ["cpu"]);
  } finally {
    await s.release();
  }
});

Deno.test("Session.run() accepts this layer's and ORT's tensors and gives equal results", async () => {
  const s = await Session.create(MLP);
  try {
    const x = tensor(
      "float32",
      [2, 784],
      Float32Array.from({ length: 1568 }, (_, i) => (i % 13) / 13),
    );
    const a = await s.run({ input: x });
    const b = await s.run({ input: new ort.Tensor("float32", x.data, [2, 784]) }, {
      outputs: ["logits"],
    });
    assert.deepEqual(a.logits!.dims, [2, 10]);
    assert.deepEqual(a.logits!.data, b.logits!.data);
  } finally {
    await s.release();
  }
});

Deno.test("Session.run() writes into preallocated output tensors", async () => {
  const s = await Session.create(MLP);
  try {
    const x = tensor(
      "float32",
      [2, 784],
      Float32Array.from({ length: 1568 }, (_, i) => (i % 7) / 7),
    );
    const want = (await s.run({ input: x })).logits!;
    const buffer = tensor("float32", [2, 10]);
    const got = await s.run({ input: x }, { into: { logits: buffer } });
    assert.equal(got.logits, buffer);
    assert.deepEqual(buffer.data, want.data);
    await assert.rejects(
      () => s.run({ input: x }, { into: { logits: tensor("float64", [2, 10]) } }),
      /Output buffer "logits" has dtype float64, expected float32/,
    );
  } finally {
    await s.release();
  }
});

Deno.test("Session.run() writes into reused ORT tensors and takes session config entries", async () => {
  const s = await Session.create(MLP, {
    intraOpThreads: 1,
    enableMemPattern: false,
    config: { "optimization.disable_specified_optimizers": "NchwcTransformer" },
  });
  try {
    const x = tensor("float32", [2, 784], Float32Array.from({ length: 1568 }, (_, i) => i % 3));
    const want = (await s.run({ input: x })).logits!;
    const data = new Float32Array(20);
    const out = new ort.Tensor("float32", data, [2, 10]);
    for (let i = 0; i < 2; i++) {
      const got = await s.run({ input: x }, { into: { logits: out } });
      assert.equal(got.logits, out);
    }
    assert.deepEqual(data, want.data);
    await assert.rejects(
      () => s.run({ input: x }, { into: { logits: new ort.Tensor("int32", new Int32Array(20)) } }),
      /Output buffer "logits" has dtype int32, expected float32/,
    );
  } finally {
    await s.release();
  }
});

Deno.test("Session.run() rejects wrong names, dtypes and dims before ORT runs", async () => {
  const s = await Session.create(MLP);
  try {
    const x = tensor("float32", [1, 784]);
    await assert.rejects(
      () => s.run({ inputs: x }),
      /Unknown input "inputs": expected one of "input"/,
    );
    await assert.rejects(() => s.run({}), /Missing input "input": expected float32 \[batch, 784\]/);
    await assert.rejects(
      () => s.run({ input: tensor("float64", [1, 784]) }),
      (e: Error) =>
        e instanceof TypeError &&
        /Input "input" has dtype float64, expected float32 \[batch, 784\]/.test(e.message),
    );
    await assert.rejects(
      () => s.run({ input: tensor("float32", [1, 28, 28]) }),
      (e: Error) =>
        e instanceof RangeError &&
        /Input "input" has dims \[1, 28, 28\], expected \[batch, 784\]/.test(e.message),
    );
    await assert.rejects(
      () => s.run({ input: { dtype: "float32", dims: [1, 784], data: new Float32Array(3) } }),
      /has 3 elements/,
    );
    await assert.rejects(
      () => s.run({ input: x }, { outputs: ["probs"] }),
      /Unknown output "probs"/,
    );
  } finally {
    await s.release();
  }
  await assert.rejects(() => s.run({}), /released/);
});

Deno.test("Session.run() requires a symbol to take one size across inputs", async () => {
  const g = new GraphBuilder();
  const a = g.input("a", { dtype: "float32", dims: ["N", 2] });
  const b = g.input("b", { dtype: "float32", dims: ["N", 2] });
  g.output(g.op("Add", [a, b]), "y");
  const s = await Session.create(g.build());
  try {
    await assert.rejects(
      () => s.run({ a: tensor("float32", [3, 2]), b: tensor("float32", [4, 2]) }),
      /Input "b" has dims \[4, 2\], expected \[N, 2\] with N = 3 as in "a"/,
    );
  } finally {
    await s.release();
  }
});

Deno.test("Session profiling and optimized model file are written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await Session.create(MLP, {
      enableProfiling: true,
      profileFilePrefix: path.join(dir, "prof"),
      optimizedModelFilePath: path.join(dir, "opt.onnx"),
      graphOptimizationLevel: "extended",
    });
    try {
      await s.run({ input: tensor("float32", [1, 784]) });
      const file = s.endProfiling();
      assert.ok(file && file.startsWith(path.join(dir, "prof_")));
      const trace = JSON.parse(await Deno.readTextFile(file));
      assert.ok(Array.isArray(trace) && trace.some((e: { cat?: string }) => e.cat === "Node"));
    } finally {
      await s.release();
    }
    assert.ok((await Deno.stat(path.join(dir, "opt.onnx"))).size > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Session.create() names the source when ORT cannot load it", async () => {
  await assert.rejects(
    () => Session.create(new Uint8Array([1, 2, 3])),
    /Cannot create an ONNX Runtime session for model bytes: /,
  );
});
