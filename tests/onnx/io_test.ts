import assert from "node:assert/strict";
import * as path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  ValueInfoProtoSchema,
} from "onnx-buf";
import {
  DTYPES,
  Graph,
  loadModel,
  Model,
  modelFromBytes,
  modelToBytes,
  OnnxFormatError,
  saveModel,
  tensor,
} from "../../lib/onnx/mod.ts";

const MNIST = "/work/shared/data/models/mnist";

function sample(dtype: (typeof DTYPES)[number]) {
  const values: Record<string, unknown[]> = {
    string: ["", "héllo", "x"],
    bool: [1, 0, 1],
    int4: [-8, 7, -1],
    uint4: [15, 0, 9],
    int64: [-(2 ** 40), 0, 2 ** 40],
    uint64: [0, 1, 2 ** 50],
    float16: [1, -2, 65504],
    bfloat16: [1, -1, 2],
    float32: [-1.5, 0, 3],
    float64: [-1.5, 1e-300, 3],
  };
  return tensor(
    dtype,
    [3],
    (values[dtype] ?? (dtype.startsWith("u") ? [1, 0, 200] : [-1, 0, 100])) as number[],
  );
}

Deno.test("modelToBytes() and modelFromBytes() keep initializers of every dtype", () => {
  const g = new Graph();
  for (const d of DTYPES) g.initializers.set(`t_${d}`, sample(d));
  const back = modelFromBytes(modelToBytes(new Model(g)));
  for (const [name, t] of g.initializers) {
    const u = back.graph.initializers.get(name)!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.dims, t.dims, name);
    assert.deepEqual(
      Array.from(u.data as ArrayLike<unknown>),
      Array.from(t.data as ArrayLike<unknown>),
      name,
    );
  }
});

Deno.test("saveModel() keeps attributes, metadata, unknown domains and subgraphs", async () => {
  const body = create(GraphProtoSchema, {
    name: "body",
    node: [create(NodeProtoSchema, { opType: "Identity", input: ["x"], output: ["t"] })],
    output: [create(ValueInfoProtoSchema, { name: "t" })],
  });
  const g = new Graph({
    inputs: [{ name: "x", dtype: "float32", dims: ["N", 3] }],
    outputs: [{ name: "y" }],
  });
  g.addNode({
    opType: "Fancy",
    domain: "com.example",
    inputs: ["x", ""],
    outputs: ["f"],
    attrs: {
      alpha: 0.5,
      ints: [1, -2],
      names: ["a", "b"],
      big: 2 ** 53,
      w: tensor("int64", [1], [9]),
    },
  });
  g.addNode({
    opType: "If",
    inputs: ["c"],
    outputs: ["y"],
    attrs: new Map([["then_branch", { type: "graph", value: body }], ["else_branch", {
      type: "graph",
      value: body,
    }]]),
  });
  const model = new Model(g, { opsetImports: { "": 13, "com.example": 2 }, metadata: { k: "v" } });
  const dir = await Deno.makeTempDir();
  try {
    const file = path.join(dir, "m.onnx");
    await saveModel(model, file);
    const back = await loadModel(file);
    assert.deepEqual([...back.opsetImports], [["", 13], ["com.example", 2]]);
    assert.deepEqual(back.metadata, { k: "v" });
    const fancy = back.graph.nodes.find((n) => n.opType === "Fancy")!;
    assert.equal(fancy.domain, "com.example");
    assert.deepEqual(fancy.inputs, ["x", ""]);
    assert.equal(fancy.getFloat("alpha"), 0.5);
    assert.deepEqual(fancy.getInts("ints"), [1, -2]);
    assert.deepEqual(fancy.getStrings("names"), ["a", "b"]);
    assert.equal(fancy.getInt("big"), 2 ** 53);
    assert.deepEqual(fancy.getTensor("w").data, new BigInt64Array([9n]));
    const iff = back.graph.nodes.find((n) => n.opType === "If")!;
    const branch = iff.attrs.get("then_branch");
    assert.equal(branch?.type, "graph");
    assert.equal(branch.type === "graph" && branch.value.node[0]!.input[0], "x");
    assert.ok(back.graph.consumers("x").includes(iff));
    assert.deepEqual(back.graph.inputs[0]!.dims, ["N", 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveModel() with externalData writes large tensors beside the model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const g = new Graph();
    const big = tensor("float32", [1000], Float32Array.from({ length: 1000 }, (_, i) => i / 7));
    g.initializers.set("big", big);
    g.initializers.set("small", tensor("int64", [2], [1, 2]));
    const file = path.join(dir, "m.onnx");
    await saveModel(new Model(g), file, { externalData: { threshold: 1024, location: "w.bin" } });
    assert.equal((await Deno.stat(path.join(dir, "w.bin"))).size, 4000);
    assert.ok((await Deno.stat(file)).size < 1000);
    const back = await loadModel(file);
    assert.deepEqual(back.graph.initializers.get("big")!.data, big.data);
    assert.deepEqual(back.graph.initializers.get("small")!.data, new BigInt64Array([1n, 2n]));
    await Deno.truncate(path.join(dir, "w.bin"), 100);
    await assert.rejects(
      () => loadModel(file),
      /tensor "big": external data file "w.bin" is too short/,
    );
    await assert.rejects(() => loadModel(Deno.readFileSync(file)), /no baseDir was given/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadModel() names the file for truncated and corrupt models", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(`${MNIST}/mlp.eval.onnx`);
    const cut = path.join(dir, "cut.onnx");
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 5000));
    await assert.rejects(() => loadModel(cut), (err: Error) => {
      assert.ok(err instanceof OnnxFormatError);
      assert.match(
        err.message,
        /^Cannot read ".*cut\.onnx": not a valid ONNX model, the file may be truncated/,
      );
      assert.ok(err.cause);
      return true;
    });
    const junk = path.join(dir, "junk.onnx");
    await Deno.writeTextFile(junk, "definitely not protobuf\n");
    await assert.rejects(() => loadModel(junk), /Cannot read ".*junk\.onnx": /);
    await assert.rejects(
      () => loadModel(path.join(dir, "none.onnx")),
      /Cannot read ".*none\.onnx": no such file/,
    );
    assert.throws(
      () => modelFromBytes(new Uint8Array(), { name: "empty.onnx" }),
      /Cannot read "empty.onnx": the file is empty/,
    );
    const noGraph = toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n }));
    assert.throws(
      () => modelFromBytes(noGraph, { name: "g.onnx" }),
      /"g.onnx": not an ONNX model: it has no graph/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadModel() rejects external data outside the model's folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const g = new Graph();
    g.initializers.set("w", tensor("float32", [512]));
    const file = path.join(dir, "m.onnx");
    await saveModel(new Model(g), file, { externalData: true });
    const text = await Deno.readFile(file);
    const evil = new TextDecoder("latin1").decode(text).replace("m.onnx.data", "../x.onnx.d");
    await Deno.writeFile(file, Uint8Array.from(evil, (c) => c.charCodeAt(0)));
    await assert.rejects(
      () => loadModel(file),
      /location "\.\.\/x\.onnx\.d": it must be a relative path inside/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
