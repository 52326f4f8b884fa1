import assert from "node:assert/strict";
import { Pcg64, seedSequenceState } from "../../lib/data/_pcg64.ts";

// Reference figures printed by NumPy 2.4:
//   np.random.SeedSequence(1234).generate_state(4, np.uint64)
//   np.random.default_rng(1234).bit_generator.random_raw(3)
//   np.random.default_rng(1234).permutation(10)
//   g = np.random.default_rng(7); g.permutation(5); g.permutation(300)[:8]
//   np.random.default_rng(2**40 + 5).permutation(6)

Deno.test("seedSequenceState() equals NumPy's SeedSequence(1234).generate_state", () => {
  const s = seedSequenceState(1234, 8);
  const u64 = (i: number) => ((BigInt(s[2 * i + 1]!) << 32n) | BigInt(s[2 * i]!)).toString(16);
  assert.deepEqual([0, 1, 2, 3].map(u64), [
    "5f83044cad3f26a6",
    "a0d9b3700cea3a6f",
    "a8647d8b1e3e7527",
    "687a8e7300372192",
  ]);
});

Deno.test("Pcg64 raw outputs equal NumPy's default_rng(1234)", () => {
  const g = new Pcg64(1234);
  const got = [g.nextU64(), g.nextU64(), g.nextU64()].map((v) => v.toString(16));
  assert.deepEqual(got, ["fa08fef3fab6bbba", "615481f7fce9ac81", "ec59dd7c2bde3cb4"]);
});

Deno.test("Pcg64.permutation() equals NumPy's Generator.permutation", () => {
  assert.deepEqual([...new Pcg64(1234).permutation(10)], [8, 9, 5, 0, 2, 6, 4, 7, 1, 3]);
  const g = new Pcg64(7);
  assert.deepEqual([...g.permutation(5)], [2, 0, 4, 1, 3]);
  assert.deepEqual([...g.permutation(300).slice(0, 8)], [144, 152, 266, 193, 74, 194, 98, 20]);
  assert.deepEqual([...new Pcg64(2 ** 40 + 5).permutation(6)], [1, 0, 2, 5, 4, 3]);
});
