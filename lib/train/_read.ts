// Typed reads of a composed config with one message per bad key:
// `Invalid trainer.batch_size "abc": expected a positive integer`.

/** A plain config object (the job config after `toObject()`). */
export type Plain = Record<string, unknown>;

/** Reads typed values below a key path (`trainer`), naming the full path in messages. */
export class Reader {
  constructor(readonly obj: Plain, readonly path: string) {}

  /** A reader of the sub-object at `key` (missing or null: empty unless `required`). */
  section(key: string, required = false): Reader {
    const v = this.obj[key];
    const where = this.#where(key);
    if (v === undefined || v === null) {
      if (required) throw new TypeError(`Missing ${where}: expected a config section`);
      return new Reader({}, where);
    }
    if (typeof v !== "object" || Array.isArray(v)) {
      throw new TypeError(`Invalid ${where} ${show(v)}: expected a config section`);
    }
    return new Reader(v as Plain, where);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  #where(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, expected: string): never {
    const v = this.obj[key];
    if (v === undefined) throw new TypeError(`Missing ${this.#where(key)}: expected ${expected}`);
    throw new TypeError(`Invalid ${this.#where(key)} ${show(v)}: expected ${expected}`);
  }

  #get<T>(key: string, fallback: T | undefined, expected: string, ok: (v: unknown) => boolean): T {
    const v = this.obj[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (!ok(v)) this.fail(key, expected);
    return v as T;
  }

  int(key: string, options: { min?: number; fallback?: number } = {}): number {
    const { min = 0, fallback } = options;
    const what = min === 1 ? "a positive integer" : `an integer >= ${min}`;
    return this.#get(key, fallback, what, (v) => Number.isSafeInteger(v) && (v as number) >= min);
  }

  number(key: string, options: { min?: number; max?: number; fallback?: number } = {}): number {
    const { min = -Infinity, max = Infinity, fallback } = options;
    const what = min === -Infinity
      ? "a number"
      : max === Infinity
      ? `a number >= ${min}`
      : `a number in [${min}, ${max}]`;
    return this.#get(
      key,
      fallback,
      what,
      (v) => typeof v === "number" && Number.isFinite(v) && v >= min && v <= max,
    );
  }

  /** A number, or null when absent or null. */
  optionalNumber(key: string, min = -Infinity): number | null {
    return this.has(key) ? this.number(key, { min }) : null;
  }

  /** A positive integer, or null when absent or null. */
  optionalInt(key: string, min = 1): number | null {
    return this.has(key) ? this.int(key, { min }) : null;
  }

  bool(key: string, fallback?: boolean): boolean {
    return this.#get(key, fallback, "true or false", (v) => typeof v === "boolean");
  }

  string(key: string, fallback?: string): string {
    return this.#get(key, fallback, "a string", (v) => typeof v === "string" && v !== "");
  }

  /** A string, or null when absent or null. */
  optionalString(key: string): string | null {
    if (!this.has(key)) return null;
    const v = this.obj[key];
    if (typeof v === "number") return String(v);
    return this.string(key);
  }

  oneOf<T extends string>(key: string, options: readonly T[], fallback?: T): T {
    return this.#get(
      key,
      fallback,
      `one of ${options.join(", ")}`,
      (v) => options.includes(v as T),
    );
  }

  numbers(key: string, length?: number, fallback?: number[]): number[] {
    const what = length ? `a list of ${length} numbers` : "a list of numbers";
    return this.#get(
      key,
      fallback,
      what,
      (v) =>
        Array.isArray(v) && (length === undefined || v.length === length) &&
        v.every((x) => typeof x === "number" && Number.isFinite(x)),
    );
  }

  list(key: string, fallback: unknown[] = []): unknown[] {
    return this.#get(key, fallback, "a list", (v) => Array.isArray(v));
  }
}

/** A value as messages quote it: strings in double quotes, the rest as JSON. */
export function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}
