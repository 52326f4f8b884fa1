/**
 * Conversions between float32 and the 16-bit float formats (IEEE half and
 * bfloat16), on raw bits held in `Uint16Array`s.
 *
 * @module
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * Converts one float32 value to IEEE half bits, rounding to nearest even.
 *
 * @param value A number.
 * @returns The 16 bits of the nearest half-precision value (Inf on overflow, NaN kept).
 */
export function float32ToFloat16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf or NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let bits = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1))) bits++; // may carry into the exponent
  return bits;
}

/**
 * Converts IEEE half bits to a number.
 *
 * @param bits 16 bits of a half-precision value.
 * @returns Its value as a number.
 */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Converts float32 values to IEEE half bits.
 *
 * @param values Source values.
 * @param out Optional destination of the same length.
 * @returns The half bits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const half = float32ToFloat16(new Float32Array([1, -2.5]));
 * assert.deepEqual(Array.from(float16ToFloat32(half)), [1, -2.5]);
 * ```
 */
export function float32ToFloat16(
  values: ArrayLike<number>,
  out: Uint16Array = new Uint16Array(values.length),
): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}

/**
 * Converts IEEE half bits to float32 values.
 *
 * @param bits Half bits.
 * @param out Optional destination of the same length.
 * @returns The float32 values.
 */
export function float16ToFloat32(
  bits: Uint16Array,
  out: Float32Array = new Float32Array(bits.length),
): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  return out;
}

/**
 * Converts float32 values to bfloat16 bits, rounding to nearest even.
 *
 * @param values Source values.
 * @param out Optional destination of the same length.
 * @returns The bfloat16 bits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const b = float32ToBfloat16(new Float32Array([1.5, 256]));
 * assert.deepEqual(Array.from(bfloat16ToFloat32(b)), [1.5, 256]);
 * ```
 */
export function float32ToBfloat16(
  values: ArrayLike<number>,
  out: Uint16Array = new Uint16Array(values.length),
): Uint16Array {
  for (let i = 0; i < values.length; i++) {
    F32[0] = values[i]!;
    const x = U32[0]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff)) {
      out[i] = (x >>> 16) | 0x40; // keep NaN a NaN
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/**
 * Converts bfloat16 bits to float32 values (exact).
 *
 * @param bits bfloat16 bits.
 * @param out Optional destination of the same length.
 * @returns The float32 values.
 */
export function bfloat16ToFloat32(
  bits: Uint16Array,
  out: Float32Array = new Float32Array(bits.length),
): Float32Array {
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i]! << 16;
  return out;
}
