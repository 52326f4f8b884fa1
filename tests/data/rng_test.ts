import assert from "node:assert/strict";
import { Rng } from "../../lib/data/mod.ts";

Deno.test("Rng.fromState() matches xoshiro128** reference outputs for state [1, 2, 3, 4]", () => {
  // Outputs of the published C code for this state.
  const r = Rng.fromState(1, 2, 3, 4);
  const got = Array.from({ length: 6 }, () => r.nextU32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

Deno.test("Rng.derive() gives the same stream for the same keys and a different one otherwise", () => {
  const draw = (r: Rng) => Array.from({ length: 4 }, () => r.nextU32());
  assert.deepEqual(draw(Rng.derive(42, 1, 3, 17)), draw(Rng.derive(42, 1, 3, 17)));
  assert.notDeepEqual(draw(Rng.derive(42, 1, 3, 17)), draw(Rng.derive(42, 1, 3, 18)));
  assert.notDeepEqual(draw(Rng.derive(42, 1, 3, 17)), draw(Rng.derive(43, 1, 3, 17)));
  assert.notDeepEqual(draw(Rng.derive(2 ** 40)), draw(Rng.derive(0)));
});

Deno.test("Rng.derive() rejects a non-integer seed", () => {
  assert.throws(() => Rng.derive(1.5), /Cannot seed a generator: 1.5 is not a safe integer/);
});

Deno.test("Rng.below() stays in range and is close to uniform", () => {
  const r = Rng.derive(7);
  const counts = new Array(6).fill(0);
  const n = 60000;
  for (let i = 0; i < n; i++) counts[r.below(6)]++;
  // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
  const chi2 = counts.reduce((s, c) => s + (c - n / 6) ** 2 / (n / 6), 0);
  assert.ok(chi2 < 20.5, `chi2 ${chi2}`);
  const f = Array.from({ length: 1000 }, () => r.float());
  assert.ok(f.every((v) => v >= 0 && v < 1));
});

Deno.test("Rng.permutation() holds every index once", () => {
  const p = Rng.derive(3).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual([...p], Array.from({ length: 1000 }, (_, i) => i));
});
