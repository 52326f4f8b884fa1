import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors } from "../../lib/train/safetensors.ts";

Deno.test("encodeSafetensors() writes the documented layout", () => {
  const bytes = encodeSafetensors(
    {
      "fc1.weight": { dtype: "float32", dims: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      "step": { dtype: "int64", dims: [], data: new BigInt64Array([7n]) },
    },
    { format: "pt" },
  );
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, "data starts 8-byte aligned");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header["fc1.weight"], { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] });
  assert.deepEqual(header.step, { dtype: "I64", shape: [], data_offsets: [16, 24] });
  assert.deepEqual(header.__metadata__, { format: "pt" });
  assert.equal(bytes.length, 8 + n + 24);
  // Raw little-endian float32 of 1.0 at the start of the data section.
  assert.deepEqual([...bytes.subarray(8 + n, 8 + n + 4)], [0, 0, 0x80, 0x3f]);
});

Deno.test("decodeSafetensors() reads back every dtype", () => {
  const src = {
    a: { dtype: "float64", dims: [3], data: new Float64Array([1.5, -2, 1e-300]) },
    b: { dtype: "float16", dims: [1], data: new Uint16Array([0x3c00]) },
    c: { dtype: "int8", dims: [2], data: new Int8Array([-1, 1]) },
    d: { dtype: "bool", dims: [2], data: new Uint8Array([1, 0]) },
    e: { dtype: "int32", dims: [1, 1], data: new Int32Array([42]) },
  };
  const back = decodeSafetensors(encodeSafetensors(src), "x.safetensors");
  for (const [name, t] of Object.entries(src)) {
    assert.equal(back.tensors[name].dtype, t.dtype);
    assert.deepEqual(back.tensors[name].dims, t.dims);
    assert.deepEqual(back.tensors[name].data, t.data);
  }
});

Deno.test("encodeSafetensors() refuses data that disagrees with dims", () => {
  assert.throws(
    () => encodeSafetensors({ w: { dtype: "float32", dims: [3], data: new Float32Array(2) } }),
    /Cannot save "w": dims \[3\] need 3 elements, got 2/,
  );
});

Deno.test("decodeSafetensors() names the file when offsets do not fit", () => {
  const bytes = encodeSafetensors({
    w: { dtype: "float32", dims: [4], data: new Float32Array(4) },
  });
  assert.throws(
    () => decodeSafetensors(bytes.subarray(0, bytes.length - 4), "ckpt/model.safetensors"),
    /^SyntaxError: ckpt\/model\.safetensors: not a safetensors file: tensor "w" has data_offsets/,
  );
  assert.throws(() => decodeSafetensors(new Uint8Array(3), "f"), /shorter than its 8-byte header/);
});
