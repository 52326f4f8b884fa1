// xoshiro128** (Blackman and Vigna): 32-bit words only, so every step is a few
// integer ops in JavaScript. Streams are derived by hashing (seed, ...keys), so the
// stream of sample `i` in epoch `e` is the same whichever worker draws it.

const GOLDEN = 0x9e3779b9;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A small seeded pseudo-random generator (xoshiro128**) for shuffling and augmentation. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * Makes the stream for a seed and a path of keys (e.g. epoch, sample index).
   *
   * @param seed any safe integer
   * @param keys non-negative integers naming the stream
   * @returns a generator whose output depends only on `seed` and `keys`
   * @throws {RangeError} when the seed or a key is not a safe integer
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./rng.ts";
   * assert.equal(Rng.derive(7, 1, 2).nextU32(), Rng.derive(7, 1, 2).nextU32());
   * ```
   */
  static derive(seed: number, ...keys: number[]): Rng {
    let h = 0x6a09e667;
    for (const k of [seed, ...keys]) {
      if (!Number.isSafeInteger(k)) {
        throw new RangeError(`Cannot seed a generator: ${JSON.stringify(k)} is not a safe integer`);
      }
      const lo = k >>> 0;
      const hi = Math.floor(k / 0x100000000) >>> 0;
      h = fmix32((h ^ lo) + GOLDEN);
      h = fmix32((h ^ hi) + GOLDEN);
    }
    return new Rng(h);
  }

  /** Seeds the four state words from one 32-bit value through a splitmix-style sequence. */
  constructor(seed32: number) {
    let x = seed32 >>> 0;
    const next = () => {
      x = (x + GOLDEN) >>> 0;
      return fmix32(x);
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** A generator with the given raw state words (not all zero), for reference checks. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.#s0 = s0 >>> 0;
    r.#s1 = s1 >>> 0;
    r.#s2 = s2 >>> 0;
    r.#s3 = s3 >>> 0;
    return r;
  }

  /** The next 32-bit unsigned output. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3 >>> 0, 11);
    this.#s0 >>>= 0;
    this.#s1 >>>= 0;
    this.#s2 >>>= 0;
    return result;
  }

  /** A float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextU32() / 0x100000000;
  }

  /** A float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** An integer in [0, n) without modulo bias (n ≤ 2^32). */
  below(n: number): number {
    if (n <= 1) return 0;
    const max = n - 1;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextU32() & mask) >>> 0; while (v > max);
    return v;
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
