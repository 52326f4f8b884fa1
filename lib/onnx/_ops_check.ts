// Attribute checks shared by the typed op helpers.

import type { Value } from "./builder.ts";

/** Fails unless `v` is an integer at least `min`. */
export function checkInt(
  op: string,
  name: string,
  v: number | undefined,
  min = -Infinity,
): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(
      `Invalid ${op} attribute "${name}": expected an integer >= ${min}, got ${v}`,
    );
  }
  return v;
}

/** Fails unless `v` is a list of `length` integers, each at least `min`. */
export function checkInts(
  op: string,
  name: string,
  v: readonly number[] | undefined,
  options: { length?: number; min?: number } = {},
): number[] | undefined {
  if (v === undefined) return undefined;
  const { length, min = -Infinity } = options;
  if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(
      `Invalid ${op} attribute "${name}": expected integers >= ${min}, got [${v}]`,
    );
  }
  if (length !== undefined && v.length !== length) {
    throw new RangeError(
      `Invalid ${op} attribute "${name}": expected ${length} values, got [${v.join(", ")}]`,
    );
  }
  return [...v];
}

/** Fails unless `v` is a finite number. */
export function checkFloat(op: string, name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`Invalid ${op} attribute "${name}": expected a finite number, got ${v}`);
  }
  return v;
}

/** Fails unless `v` is one of `allowed`. */
export function checkOneOf<T extends string>(
  op: string,
  name: string,
  v: T | undefined,
  allowed: readonly T[],
): T | undefined {
  if (v !== undefined && !allowed.includes(v)) {
    throw new RangeError(
      `Invalid ${op} attribute "${name}": expected one of ${allowed.join(", ")}, got "${v}"`,
    );
  }
  return v;
}

/** Number of spatial dims of an N×C×… input, when its rank is known. */
export function spatialRank(x: Value): number | undefined {
  return x.rank === undefined ? undefined : x.rank - 2;
}
