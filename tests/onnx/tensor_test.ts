import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  bfloat16ToFloat32,
  DTYPES,
  float16BitsToFloat32,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  float32ToFloat16Bits,
  fromOrtTensor,
  numel,
  stridesOf,
  tensor,
  toOrtTensor,
} from "../../lib/onnx/mod.ts";

Deno.test("tensor() makes zero-filled data and converts plain lists per dtype", () => {
  assert.deepEqual(tensor("float32", [2, 2]).data, new Float32Array(4));
  assert.deepEqual(tensor("int64", [2], [1, -2]).data, new BigInt64Array([1n, -2n]));
  assert.deepEqual(tensor("bool", [3], [true, false, true]).data, new Uint8Array([1, 0, 1]));
  assert.deepEqual(tensor("string", [2], ["a", "b"]).data, ["a", "b"]);
  const shared = new Float32Array([1, 2]);
  assert.equal(tensor("float32", [2], shared).data, shared);
});

Deno.test("tensor() rejects a wrong element count and unknown dtypes", () => {
  assert.throws(() => tensor("float32", [2, 3], [1, 2]), /expected 6 elements, got 2/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => tensor("float8" as any, [1]), TypeError);
  assert.throws(() => tensor("float32", [-1]), RangeError);
});

Deno.test("numel() and stridesOf() follow row-major layout", () => {
  assert.equal(numel([2, 3, 4]), 24);
  assert.equal(numel([]), 1);
  assert.equal(numel([3, 0]), 0);
  assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(stridesOf([]), []);
});

Deno.test("float16 conversion matches IEEE half for edge values", () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to Inf
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [Infinity, 0x7c00],
    [1 + 2 ** -11, 0x3c00], // tie rounds to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ];
  for (const [value, bits] of cases) {
    assert.equal(float32ToFloat16Bits(value), bits, `value ${value}`);
  }
  assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
  const values = new Float32Array([0.1, -3.75, 1000, 6e-5]);
  const back = float16ToFloat32(float32ToFloat16(values));
  for (let i = 0; i < values.length; i++) {
    assert.ok(
      Math.abs(back[i]! - values[i]!) <= Math.abs(values[i]!) * 2 ** -11,
      `value ${values[i]}`,
    );
  }
});

Deno.test("bfloat16 conversion rounds to nearest even and keeps NaN", () => {
  const bits = float32ToBfloat16(
    new Float32Array([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, NaN, -Infinity]),
  );
  assert.deepEqual(Array.from(bits.slice(0, 3)), [0x3f80, 0x3f80, 0x3f82]);
  const back = bfloat16ToFloat32(bits);
  assert.ok(Number.isNaN(back[3]!));
  assert.equal(back[4], -Infinity);
});

Deno.test("toOrtTensor() shares data and fromOrtTensor() reads it back for every ORT dtype", () => {
  const t = tensor("float32", [2, 2], [1, 2, 3, 4]);
  const o = toOrtTensor(t);
  assert.equal(o.data, t.data);
  assert.deepEqual(o.dims, [2, 2]);
  for (const dtype of DTYPES) {
    if (dtype === "bfloat16") continue;
    const data = dtype === "string" ? ["x", "y", "z"] : [1, 0, 1];
    const back = fromOrtTensor(toOrtTensor(tensor(dtype, [3], data)));
    assert.equal(back.dtype, dtype);
    assert.deepEqual(
      Array.from(back.data as ArrayLike<unknown>),
      Array.from(tensor(dtype, [3], data).data as ArrayLike<unknown>),
    );
  }
  assert.throws(() => toOrtTensor(tensor("bfloat16", [1])), /bfloat16ToFloat32/);
});

Deno.test("int4 tensors pack two per byte for ORT and unpack with sign", () => {
  const t = tensor("int4", [3], [-8, 7, -1]);
  const o = toOrtTensor(t);
  assert.deepEqual(Array.from(o.data as Uint8Array), [0x78, 0x0f]);
  assert.deepEqual(Array.from(fromOrtTensor(o).data as Int8Array), [-8, 7, -1]);
  assert.ok(o instanceof ort.Tensor);
});
