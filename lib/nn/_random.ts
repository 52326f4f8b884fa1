// A small seeded PRNG: xoshiro128** seeded through splitmix32, with
// Box-Muller normals. Deterministic across platforms (32-bit integer math only).

/** FNV-1a hash of a string, as an unsigned 32-bit integer. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: returns the next state and its mixed output. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [s, (z ^ (z >>> 16)) >>> 0];
}

/**
 * A seeded generator. `new Rng(seed, stream)` gives independent sequences for
 * different stream names (one per parameter), so adding a layer does not
 * change the weights of the others.
 */
export class Rng {
  #s = new Uint32Array(4);
  #spare: number | undefined;

  constructor(seed: number, stream = "") {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Invalid seed ${seed}: expected a safe integer`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    let state = (lo ^ Math.imul(hi, 0x9e3779b1) ^ fnv1a(stream)) | 0;
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(state);
      state = next;
      this.#s[i] = out;
    }
    if ((this.#s[0]! | this.#s[1]! | this.#s[2]! | this.#s[3]!) === 0) this.#s[0] = 1;
  }

  /** The next unsigned 32-bit integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.#s;
    let s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** A double uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A standard normal draw (Box-Muller; the second value of each pair is kept). */
  normal(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.#spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
