/**
 * Just enough of Python's `decimal` for Hydra's float `range()`: floats are
 * converted exactly, sums are rounded to 28 significant digits (half even), so
 * `range(0,1,0.1)` yields the same floats as Hydra (`0.3`, not `0.30000000000000004`).
 *
 * @module
 */

/** coefficient × 10^-scale, exactly. */
export interface Decimal {
  coef: bigint;
  scale: number;
}

const PRECISION = 28;

/** The exact decimal value of a finite double (Python's `Decimal(float)`). */
export function decimalOf(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`Cannot use ${x} in a range`);
  if (Number.isInteger(x)) return { coef: BigInt(x), scale: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exponent: number;
  if (exponentBits === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  // x = mantissa * 2^exponent with exponent < 0 here: = mantissa * 5^-e / 10^-e
  const coef = mantissa * 5n ** BigInt(-exponent);
  return { coef: negative ? -coef : coef, scale: -exponent };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.coef * 10n ** BigInt(scale - a.scale), b.coef * 10n ** BigInt(scale - b.scale), scale];
}

/** a + b rounded to 28 significant digits, half even. */
export function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  let coef = x + y;
  let s = scale;
  const digits = (coef < 0n ? -coef : coef).toString().length;
  if (digits > PRECISION) {
    const drop = digits - PRECISION;
    const div = 10n ** BigInt(drop);
    const negative = coef < 0n;
    const abs = negative ? -coef : coef;
    let q = abs / div;
    const r = abs % div;
    const half = div / 2n;
    if (r > half || (r === half && q % 2n === 1n)) q += 1n;
    coef = negative ? -q : q;
    s -= drop;
  }
  return { coef, scale: s };
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compare(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The nearest double (Python's `float(Decimal)`). */
export function toNumber(d: Decimal): number {
  return Number(`${d.coef}e${-d.scale}`);
}
