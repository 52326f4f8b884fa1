// Dimension arithmetic with symbols: broadcasting, products of dims (kept as
// canonical product strings like "N*196"), and division that cancels symbols.

import type { Dim } from "./value_info.ts";

/** A product of dims: a numeric factor times symbols (with multiplicity). */
interface Monomial {
  factor: number;
  symbols: string[];
}

function toMonomial(d: Dim): Monomial | undefined {
  if (d === null) return undefined;
  if (typeof d === "number") return { factor: d, symbols: [] };
  const parts = d.split("*");
  let factor = 1;
  const symbols: string[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p)) factor *= Number(p);
    else symbols.push(p);
  }
  return { factor, symbols };
}

function fromMonomial(m: Monomial): Dim {
  if (m.symbols.length === 0) return m.factor;
  if (m.factor === 0) return 0;
  const syms = [...m.symbols].sort();
  return m.factor === 1 ? syms.join("*") : `${m.factor}*${syms.join("*")}`;
}

/** Product of dims; a symbolic product becomes a product string; null if any is unknown. */
export function dimProduct(dims: readonly Dim[]): Dim {
  const acc: Monomial = { factor: 1, symbols: [] };
  for (const d of dims) {
    const m = toMonomial(d);
    if (!m) return null;
    acc.factor *= m.factor;
    acc.symbols.push(...m.symbols);
  }
  return fromMonomial(acc);
}

/** `a / b` for dims, when it divides exactly (symbols cancel); null otherwise. */
export function dimDivide(a: Dim, b: Dim): Dim {
  const ma = toMonomial(a);
  const mb = toMonomial(b);
  if (!ma || !mb || mb.factor === 0 || ma.factor % mb.factor !== 0) return null;
  const rest = [...ma.symbols];
  for (const s of mb.symbols) {
    const at = rest.indexOf(s);
    if (at < 0) return null;
    rest.splice(at, 1);
  }
  return fromMonomial({ factor: ma.factor / mb.factor, symbols: rest });
}

/** `a + b` for dims: numbers add; a symbol plus 0 stays; otherwise unknown. */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (b === 0) return a;
  if (a === 0) return b;
  return null;
}

/** Whether two dims can be the same size (unknown and symbols may be anything). */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  return typeof a !== "number" || typeof b !== "number" || a === b;
}

/** The dim both can be: the known one of a pair, a shared symbol, or null. */
export function dimMerge(a: Dim, b: Dim): Dim {
  if (typeof a === "number") return a;
  if (typeof b === "number") return b;
  if (a === b) return a;
  return a ?? b;
}

/**
 * Broadcasts two shapes (numpy rules). Returns undefined when they cannot
 * broadcast; unknown rank in either gives unknown rank.
 */
export function broadcastDims(
  a: readonly Dim[] | undefined,
  b: readonly Dim[] | undefined,
): Dim[] | undefined | false {
  if (a === undefined || b === undefined) return undefined;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const y = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (x === 1) out[i] = y;
    else if (y === 1) out[i] = x;
    else if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return false;
      out[i] = x;
    } else if (x === y) out[i] = x;
    else if (typeof x === "number") out[i] = x; // a symbol broadcast against n > 1 must be n (or 1)
    else if (typeof y === "number") out[i] = y;
    else out[i] = null;
  }
  return out;
}

/** Normalizes a possibly negative axis for a rank; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
