// A model over 2 GiB: its initializer goes to an external data file, is read
// back by loadModel and by ONNX Runtime, and everything is removed afterwards.

import assert from "node:assert/strict";
import * as path from "node:path";
import {
  GraphBuilder,
  loadModel,
  modelToBytes,
  saveModel,
  Session,
  tensor,
} from "../../lib/onnx/mod.ts";

const BLOCK = 1 << 20; // elements per block; each block holds its own index
const BLOCKS = 512 + 4; // 516 Mi float32 = 2 GiB + 16 MiB
const TWO_GIB = 2 ** 31;

function bigModel() {
  const g = new GraphBuilder({ name: "big" });
  const data = new Float32Array(BLOCK * BLOCKS);
  for (let k = 0; k < BLOCKS; k++) data.subarray(k * BLOCK, (k + 1) * BLOCK).fill(k);
  const table = g.initializer("table", tensor("float32", [BLOCKS, BLOCK], data));
  const idx = g.input("idx", { dtype: "int64", dims: ["K"] });
  const rows = g.op("Gather", [table, idx], { axis: 0 });
  g.output(g.op("ReduceMax", [rows], { axes: [1], keepdims: 0 }), "maxes");
  return g.build();
}

Deno.test({
  name: "saveModel() writes a model over 2 GiB with external data that loadModel and ORT read back",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "onnx_big_" });
    try {
      const file = path.join(dir, "big.onnx");
      {
        const model = bigModel();
        assert.throws(
          () => modelToBytes(model),
          /over protobuf's 2 GiB limit: save it with externalData/,
        );
        await saveModel(model, file, { externalData: { location: "big.onnx.data" } });
      } // the 2 GiB source goes out of scope before reading back
      const dataSize = (await Deno.stat(path.join(dir, "big.onnx.data"))).size;
      assert.ok(dataSize > TWO_GIB, `data file is ${dataSize} bytes`);
      assert.ok((await Deno.stat(file)).size < 4096);

      const back = await loadModel(file);
      const t = back.graph.initializers.get("table")!;
      assert.equal(t.dtype, "float32");
      assert.deepEqual(t.dims, [BLOCKS, BLOCK]);
      const data = t.data as Float32Array;
      for (const k of [0, 1, 255, 256, 511, 512, BLOCKS - 1]) {
        assert.equal(data[k * BLOCK], k, `first element of block ${k}`);
        assert.equal(data[(k + 1) * BLOCK - 1], k, `last element of block ${k}`);
      }

      const s = await Session.create(file, { graphOptimizationLevel: "disabled" });
      try {
        const { maxes } = await s.run({ idx: tensor("int64", [3], [0, 513, BLOCKS - 1]) });
        assert.deepEqual(Array.from(maxes!.data as Float32Array), [0, 513, BLOCKS - 1]);
      } finally {
        await s.release();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
