/**
 * The functions of Hydra's override grammar: casts `int()`, `float()`, `str()`,
 * `bool()`; sweeps `choice()`, `range()`, `interval()`, `glob()`; and `tag()`,
 * `sort()`, `shuffle()`. Also the list of values a discrete sweep stands for.
 *
 * @module
 */
import { pyFloatRepr } from "./_pyrepr.ts";
import {
  type ChoiceSweep,
  isSweepValue,
  type ParsedElement,
  QuotedString,
  type RangeSweep,
  type Sweep,
} from "./override_types.ts";
import { Float } from "./values.ts";

/** An argument or result of a grammar function. */
export type FunctionValue = ParsedElement | Sweep;

type Fn = (args: FunctionValue[], kwargs: Record<string, FunctionValue>) => FunctionValue;

function unquote(v: FunctionValue): FunctionValue {
  return v instanceof QuotedString ? v.text : v;
}

function num(v: FunctionValue, what: string): number | Float {
  if (typeof v === "number" || v instanceof Float) return v;
  throw new TypeError(`${what} must be an int or a float, got ${describe(v)}`);
}

function describe(v: FunctionValue): string {
  if (v === null) return "null";
  if (v instanceof Float) return "float";
  if (Array.isArray(v)) return "list";
  if (v instanceof Map) return "dict";
  if (isSweepValue(v)) return `${v.kind} sweep`;
  return typeof v === "number" ? "int" : typeof v;
}

function castWith(
  cast: (v: string | number | boolean | Float) => ParsedElement,
  args: FunctionValue[],
  kwargs: Record<string, FunctionValue>,
): FunctionValue {
  if (args.length > 0 && "value" in kwargs) {
    throw new TypeError("cannot use both position and named arguments");
  }
  const value = "value" in kwargs
    ? kwargs.value
    : args.length === 1
    ? args[0]
    : args.length > 1
    ? choiceOf(args, true)
    : undefined;
  if (value === undefined) throw new TypeError("No positional args or value specified");
  const apply = (v: FunctionValue): FunctionValue => {
    v = unquote(v);
    if (Array.isArray(v)) return v.map((x) => apply(x) as ParsedElement);
    if (v instanceof Map) {
      return new Map([...v].map(([k, x]) => [k, apply(x) as ParsedElement]));
    }
    if (isSweepValue(v)) {
      if (v.kind === "choice") return { ...v, list: v.list.map((x) => apply(x) as ParsedElement) };
      if (v.kind === "range") {
        return {
          ...v,
          start: apply(v.start) as number,
          stop: apply(v.stop) as number,
          step: apply(v.step) as number,
        };
      }
      throw new TypeError(`cannot cast a ${v.kind} sweep`);
    }
    if (v === null || v instanceof QuotedString) throw new TypeError("cannot cast null");
    return cast(v);
  };
  return apply(value);
}

function toInt(v: string | number | boolean | Float): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Float) return Math.trunc(v.value);
  if (typeof v === "number") return Math.trunc(v);
  const t = v.trim().replaceAll("_", "");
  if (!/^[+-]?\d+$/.test(t)) throw new RangeError(`invalid literal for int(): '${v}'`);
  return Number(t);
}

function toFloat(v: string | number | boolean | Float): Float {
  if (typeof v === "boolean") return new Float(v ? 1 : 0);
  if (v instanceof Float) return v;
  if (typeof v === "number") return new Float(v);
  const t = v.trim().replaceAll("_", "").toLowerCase();
  const x = /^[+-]?(inf|infinity)$/.test(t)
    ? (t.startsWith("-") ? -Infinity : Infinity)
    : t === "nan"
    ? NaN
    : Number(t);
  if (t === "" || (Number.isNaN(x) && t !== "nan")) {
    throw new RangeError(`could not convert string to float: '${v}'`);
  }
  return new Float(x);
}

function toStr(v: string | number | boolean | Float): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Float) return pyFloatRepr(v.value);
  return String(v);
}

function toBool(v: string | number | boolean | Float): boolean {
  if (typeof v === "string") {
    if (v.toLowerCase() === "true") return true;
    if (v.toLowerCase() === "false") return false;
    throw new RangeError(`Cannot cast '${v}' to bool`);
  }
  if (v instanceof Float) return v.value !== 0;
  return Boolean(v);
}

function choiceOf(args: FunctionValue[], simpleForm: boolean): ChoiceSweep {
  for (const a of args) {
    if (isSweepValue(a)) throw new TypeError("nesting choices is not supported");
  }
  return { kind: "choice", list: args as ParsedElement[], simpleForm, shuffle: false, tags: [] };
}

function strings(v: FunctionValue, what: string): string[] {
  v = unquote(v);
  const list = Array.isArray(v) ? v.map(unquote) : [v];
  for (const x of list) {
    if (typeof x !== "string") throw new TypeError(`${what} must be strings, got ${describe(x)}`);
  }
  return list as string[];
}

function sortKey(v: ParsedElement): number | string {
  return v instanceof Float ? v.value : typeof v === "boolean" ? Number(v) : (v as number | string);
}

function sortList(list: ParsedElement[], reverse: boolean): ParsedElement[] {
  const out = [...list].sort((a, b) => {
    const x = sortKey(a), y = sortKey(b);
    if (typeof x !== typeof y) throw new TypeError("cannot compare values of different types");
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return reverse ? out.reverse() : out;
}

function sortSweep(sweep: Sweep, reverse: boolean): Sweep {
  if (sweep.kind === "choice") return { ...sweep, list: sortList(sweep.list, reverse) };
  if (sweep.kind !== "range") throw new TypeError(`cannot sort a ${sweep.kind} sweep`);
  const v = (x: number | Float) => (x instanceof Float ? x.value : x);
  const [start, stop, step] = [v(sweep.start), v(sweep.stop), v(sweep.step)];
  const wrap = (
    x: number,
  ) => (sweep.start instanceof Float || sweep.step instanceof Float ? new Float(x) : x);
  const ascending = start <= stop;
  if (ascending === !reverse) return sweep;
  const s = Math.abs(step);
  return reverse
    ? { ...sweep, start: wrap(stop - s), stop: wrap(start - s), step: wrap(-step) }
    : { ...sweep, start: wrap(stop + s), stop: wrap(start + s), step: wrap(-step) };
}

const FUNCTIONS: Record<string, Fn> = {
  int: (a, k) => castWith(toInt, a, k),
  float: (a, k) => castWith(toFloat, a, k),
  str: (a, k) => castWith(toStr, a, k),
  bool: (a, k) => castWith(toBool, a, k),
  choice: (args) => {
    args = args.map(unquote);
    if (args.length === 0) throw new RangeError("empty choice is not legal");
    const first = args[0];
    if (args.length === 1 && isSweepValue(first) && first.kind === "choice") {
      if (!first.simpleForm) throw new TypeError("nesting choices is not supported");
      return { ...first, simpleForm: false };
    }
    return choiceOf(args, false);
  },
  range: (args, kw) => {
    const start = args[0] ?? kw.start, stop = args[1] ?? kw.stop, step = args[2] ?? kw.step ?? 1;
    if (start === undefined) throw new TypeError("range() needs a start");
    const sweep: RangeSweep = {
      kind: "range",
      start: stop === undefined ? 0 : num(start, "start"),
      stop: num(stop === undefined ? start : stop, "stop"),
      step: num(step, "step"),
      shuffle: false,
      tags: [],
    };
    return sweep;
  },
  interval: (args, kw) => {
    const a = num(args[0] ?? kw.start, "start"), b = num(args[1] ?? kw.end, "end");
    const f = (x: number | Float) => (x instanceof Float ? x.value : x);
    return { kind: "interval", start: f(a), end: f(b), tags: [] };
  },
  glob: (args, kw) => {
    const include = args[0] ?? kw.include;
    const exclude = args[1] ?? kw.exclude;
    if (include === undefined) throw new TypeError("glob() needs include patterns");
    return {
      kind: "glob",
      include: strings(include, "include"),
      exclude: exclude === undefined || exclude === null ? [] : strings(exclude, "exclude"),
      tags: [],
    };
  },
  tag: (args, kw) => {
    const all = kw.sweep !== undefined ? [...args, kw.sweep] : args;
    const last = all[all.length - 1];
    if (!isSweepValue(last)) throw new TypeError("Last argument to tag() must be a sweep");
    return { ...last, tags: strings(all.slice(0, -1) as ParsedElement[], "tags") };
  },
  sort: (args, kw) => {
    const reverse = unquote(kw.reverse ?? false) === true;
    if (kw.list !== undefined) return sortList(kw.list as ParsedElement[], reverse);
    if (kw.sweep !== undefined) return sortSweep(kw.sweep as Sweep, reverse);
    if (args.length === 0) throw new RangeError("empty sort input");
    if (args.length === 1) {
      const a = args[0];
      if (isSweepValue(a)) return sortSweep(a, reverse);
      return Array.isArray(a) ? sortList(a, reverse) : a;
    }
    return sortSweep(choiceOf(args, true), reverse);
  },
  shuffle: (args, kw) => {
    const target = kw.sweep ?? kw.list ?? (args.length === 1 ? args[0] : choiceOf(args, true));
    if (isSweepValue(target)) {
      if (target.kind !== "choice" && target.kind !== "range") {
        throw new TypeError(`cannot shuffle a ${target.kind} sweep`);
      }
      return { ...target, shuffle: true };
    }
    return Array.isArray(target) ? shuffled(target) : [target];
  },
};

const KWARGS: Record<string, string[]> = {
  int: ["value"],
  float: ["value"],
  str: ["value"],
  bool: ["value"],
  choice: [],
  range: ["start", "stop", "step"],
  interval: ["start", "end"],
  glob: ["include", "exclude"],
  tag: ["sweep"],
  sort: ["sweep", "list", "reverse"],
  shuffle: ["sweep", "list"],
};

/** A shuffled copy (Fisher-Yates). */
export function shuffled<T>(list: T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Calls a grammar function by name.
 *
 * @throws {RangeError} for an unknown function (listing the known ones) or bad arguments
 */
export function callFunction(
  name: string,
  args: FunctionValue[],
  kwargs: Record<string, FunctionValue>,
): FunctionValue {
  const fn = FUNCTIONS[name] as Fn | undefined;
  const unexpected = Object.keys(kwargs).find((k) => !KWARGS[name]?.includes(k));
  if (fn && unexpected) {
    throw new TypeError(`${name}() got an unexpected keyword argument "${unexpected}"`);
  }
  if (!fn) {
    throw new RangeError(
      `Unknown function "${name}": available are ${Object.keys(FUNCTIONS).sort().join(", ")}`,
    );
  }
  return fn(args, kwargs);
}
