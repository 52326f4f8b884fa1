// NumPy's default generator (`numpy.random.default_rng(seed)`: SeedSequence → PCG64,
// XSL-RR output) and its `permutation`, bit for bit. The mnist split uses it so that a
// seed selects the same digits as the reference split made with NumPy.

const MASK32 = 0xffffffff;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const MULTIPLIER = 0x2360ed051fc65da44385df649fccf645n;

const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/** Splits a non-negative integer into little-endian 32-bit words, as SeedSequence does. */
function entropyWords(seed: number): number[] {
  let v = BigInt(seed);
  const words: number[] = [];
  do {
    words.push(Number(v & 0xffffffffn));
    v >>= 32n;
  } while (v > 0n);
  return words;
}

/** `SeedSequence(seed).generate_state(words, uint32)`. */
export function seedSequenceState(seed: number, words: number): Uint32Array {
  const entropy = entropyWords(seed);
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool = new Uint32Array(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i]! : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
  }
  const out = new Uint32Array(words);
  let hashB = INIT_B;
  for (let i = 0; i < words; i++) {
    let v = (pool[i % POOL_SIZE]! ^ hashB) >>> 0;
    hashB = Math.imul(hashB, MULT_B) >>> 0;
    v = Math.imul(v, hashB) >>> 0;
    out[i] = (v ^ (v >>> 16)) >>> 0;
  }
  return out;
}

/** NumPy's PCG64 bit generator seeded through SeedSequence. */
export class Pcg64 {
  #state = 0n;
  #inc = 0n;
  #spare = -1;

  constructor(seed: number) {
    const s = seedSequenceState(seed, 8);
    const u64 = (i: number) => BigInt(s[2 * i]!) | (BigInt(s[2 * i + 1]!) << 32n);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.#inc = ((initSeq << 1n) | 1n) & MASK128;
    this.#step();
    this.#state = (this.#state + initState) & MASK128;
    this.#step();
  }

  #step(): void {
    this.#state = (this.#state * MULTIPLIER + this.#inc) & MASK128;
  }

  /** The next 64-bit output (`random_raw`). */
  nextU64(): bigint {
    this.#step();
    const s = this.#state;
    const x = ((s >> 64n) ^ s) & MASK64;
    const rot = s >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  /** The next 32-bit output: low half of a 64-bit draw, then its high half. */
  nextU32(): number {
    if (this.#spare >= 0) {
      const v = this.#spare;
      this.#spare = -1;
      return v;
    }
    const next = this.nextU64();
    this.#spare = Number(next >> 32n);
    return Number(next & 0xffffffffn);
  }

  /** `random_interval(max)`: uniform in [0, max] by masked rejection (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
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

  /** `Generator.permutation(n)`: a Fisher-Yates shuffle of 0..n-1 from the last slot down. */
  permutation(n: number): Int32Array {
    if (n > MASK32) throw new RangeError(`Cannot permute ${n} items: at most 2^32-1`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}
