/**
 * The value model of a composed config: YAML-like trees made of `Map`s (dicts, in
 * insertion order), arrays (lists) and scalars. Floats are kept apart from ints as
 * {@link Float} so that `1.0` prints back as `1.0`, as OmegaConf does.
 *
 * @module
 */

/** A float value; a plain `number` in a config tree is always an int. */
export class Float {
  /** The number. */
  readonly value: number;
  /** Wraps a number as a float. */
  constructor(value: number) {
    this.value = value;
  }
}

/** A scalar leaf of a config tree. */
export type Scalar = string | number | boolean | null | Float;
/** A dict node: keys in insertion order. */
export type ConfigMap = Map<string, ConfigValue>;
/** Any node of a config tree. */
export type ConfigValue = Scalar | ConfigValue[] | ConfigMap;

/**
 * Prefix of dict keys that YAML typed as something else than a string (`1: a`,
 * `true: b`), followed by the key's YAML text: `1` and `"1"` stay distinct keys and
 * print back as PyYAML prints them. Dotted paths address string keys only, as in OmegaConf.
 */
export const TYPED_KEY = "\u0000";

/** A dict key as written in YAML and shown to users (typed keys lose their marker). */
export function keyText(key: string): string {
  return key.startsWith(TYPED_KEY) ? key.slice(TYPED_KEY.length) : key;
}

/** The mandatory-value marker: a value that must be given before it is read. */
export const MISSING = "???";

/** True for a dict node. */
export function isMap(value: unknown): value is ConfigMap {
  return value instanceof Map;
}

/** True for a list node. */
export function isList(value: unknown): value is ConfigValue[] {
  return Array.isArray(value);
}

/** True for a dict or list node. */
export function isContainer(value: unknown): value is ConfigMap | ConfigValue[] {
  return value instanceof Map || Array.isArray(value);
}

/** True for the mandatory-value marker `???`. */
export function isMissing(value: unknown): boolean {
  return value === MISSING;
}

/** True for a string holding an interpolation (`${...}`), as OmegaConf decides. */
export function isInterpolation(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

/** Deep copy of a config tree (scalars are immutable and shared). */
export function deepCopy<T extends ConfigValue>(value: T): T {
  if (value instanceof Map) {
    const out: ConfigMap = new Map();
    for (const [k, v] of value as ConfigMap) out.set(k, deepCopy(v));
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => deepCopy(v)) as T;
  return value;
}

/** The number held by an int or a {@link Float}, else undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value instanceof Float) return value.value;
  return undefined;
}

/** Equality as Python compares config values (`1 == 1.0`, key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  const na = numberOf(a), nb = numberOf(b);
  if (na !== undefined || nb !== undefined) {
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    return na !== undefined && nb !== undefined && (na === nb || (na !== na && nb !== nb));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  return a === b;
}

/** A plain JavaScript value of a config tree: objects, arrays, numbers, strings. */
export type PlainValue =
  | string
  | number
  | boolean
  | null
  | PlainValue[]
  | { [key: string]: PlainValue };

/** Converts a config tree to plain JavaScript values (dicts become objects). */
export function toPlain(value: ConfigValue): PlainValue {
  if (value instanceof Map) {
    const out: { [key: string]: PlainValue } = {};
    for (const [k, v] of value) out[keyText(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Float) return value.value;
  return value;
}

/**
 * Converts plain JavaScript values to a config tree. Numbers that are not
 * integers become {@link Float}s; `Float` instances and `Map`s pass through.
 *
 * @throws {TypeError} for values a config cannot hold (functions, class instances)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Float, fromPlain, toPlain } from "./mod.ts";
 * const tree = fromPlain({ lr: 0.5, epochs: 2 });
 * assert.ok((tree as Map<string, unknown>).get("lr") instanceof Float);
 * assert.deepEqual(toPlain(tree), { lr: 0.5, epochs: 2 });
 * ```
 */
export function fromPlain(value: unknown, where = "value"): ConfigValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isInteger(value) ? value : new Float(value);
  if (value instanceof Float) return value;
  if (value instanceof Map) {
    const out: ConfigMap = new Map();
    for (const [k, v] of value) out.set(String(k), fromPlain(v, `${where}.${k}`));
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => fromPlain(v, `${where}[${i}]`));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: ConfigMap = new Map();
    for (const [k, v] of Object.entries(value)) out.set(k, fromPlain(v, `${where}.${k}`));
    return out;
  }
  throw new TypeError(`Cannot store "${where}" in a config: unsupported ${typeof value} value`);
}
