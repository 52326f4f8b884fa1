import assert from "node:assert/strict";
import { Rng } from "../../lib/nn/_random.ts";
import { moments, varianceSE } from "./_util.ts";

function draws(rng: Rng, n: number, f: (r: Rng) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(rng);
  return out;
}

Deno.test("Rng repeats for the same seed and stream and differs otherwise", () => {
  const a = draws(new Rng(42, "w"), 64, (r) => r.nextUint32());
  assert.deepEqual(draws(new Rng(42, "w"), 64, (r) => r.nextUint32()), a);
  assert.notDeepEqual(draws(new Rng(43, "w"), 64, (r) => r.nextUint32()), a);
  assert.notDeepEqual(draws(new Rng(42, "b"), 64, (r) => r.nextUint32()), a);
  // Seeds above 2³² use their high bits too.
  assert.notDeepEqual(
    draws(new Rng(2 ** 40 + 1), 8, (r) => r.nextUint32()),
    draws(new Rng(1), 8, (r) => r.nextUint32()),
  );
  assert.throws(() => new Rng(1.5), /Invalid seed 1.5: expected a safe integer/);
});

Deno.test("Rng.uniform() is in [0, 1) with mean 1/2 and variance 1/12", () => {
  const u = draws(new Rng(1), 200_000, (r) => r.uniform());
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const m = moments(u);
  assert.ok(Math.abs(m.mean - 0.5) < 5 * Math.sqrt(1 / 12 / m.n));
  assert.ok(Math.abs(m.v - 1 / 12) < 5 * varianceSE(m));
  // Every tenth of the interval gets its share (5 standard errors of a binomial count).
  const bins = new Array(10).fill(0);
  for (const v of u) bins[Math.floor(v * 10)]++;
  const sd = Math.sqrt(m.n * 0.1 * 0.9);
  assert.ok(bins.every((b) => Math.abs(b - m.n / 10) < 5 * sd), `bins ${bins}`);
});

Deno.test("Rng.normal() has mean 0, variance 1 and normal tails", () => {
  const z = draws(new Rng(2), 200_000, (r) => r.normal());
  const m = moments(z);
  assert.ok(Math.abs(m.mean) < 5 * Math.sqrt(1 / m.n));
  assert.ok(Math.abs(m.v - 1) < 5 * varianceSE(m));
  // P(|Z| > 2) = 0.0455.
  const tail = z.filter((v) => Math.abs(v) > 2).length / m.n;
  assert.ok(Math.abs(tail - 0.0455) < 5 * Math.sqrt((0.0455 * 0.9545) / m.n), `tail ${tail}`);
});
