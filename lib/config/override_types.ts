/**
 * What a parsed command-line override is: its kind (`key=v`, `+key=v`,
 * `++key=v`, `~key`), key or group (with `@package`), and value (an element,
 * or a sweep), plus the text forms Hydra prints for each (`a=1`, `b=True`).
 *
 * @module
 */
import { pyFloatRepr } from "./_pyrepr.ts";
import { type ConfigMap, type ConfigValue, Float } from "./values.ts";

/** A quoted string of the override grammar, remembering its quote. */
export class QuotedString {
  /** The text, un-escaped. */
  readonly text: string;
  /** `'` or `"`. */
  readonly quote: string;
  /** Creates the string. */
  constructor(text: string, quote: string) {
    this.text = text;
    this.quote = quote;
  }
}

/** A parsed value element: primitives, quoted strings, lists and dicts (string keys). */
export type ParsedElement =
  | string
  | number
  | boolean
  | null
  | Float
  | QuotedString
  | ParsedElement[]
  | Map<string, ParsedElement>;

/** `a,b,c` or `choice(a,b,c)`. */
export interface ChoiceSweep {
  kind: "choice";
  list: ParsedElement[];
  simpleForm: boolean;
  shuffle: boolean;
  tags: string[];
}
/** `range(start, stop, step)`, ints or floats. */
export interface RangeSweep {
  kind: "range";
  start: number | Float;
  stop: number | Float;
  step: number | Float;
  shuffle: boolean;
  tags: string[];
}
/** `interval(start, end)` (for sweepers that sample; the basic sweeper rejects it). */
export interface IntervalSweep {
  kind: "interval";
  start: number;
  end: number;
  tags: string[];
}
/** `glob(include, exclude)` over a group's options. */
export interface GlobSweep {
  kind: "glob";
  include: string[];
  exclude: string[];
  tags: string[];
}
/** Any sweep value. */
export type Sweep = ChoiceSweep | RangeSweep | IntervalSweep | GlobSweep;

/** The four kinds of override. */
export type OverrideType = "change" | "add" | "force_add" | "delete";

/** A parsed override. */
export interface Override {
  type: OverrideType;
  /** Dotted config key or group path (`db`, `model/encoder`, `trainer.lr`). */
  keyOrGroup: string;
  /** The `@package` part, undefined when absent. */
  package?: string;
  /** The value; undefined for `~key` without a value. */
  value?: ParsedElement | Sweep;
  /** The text as given. */
  inputLine: string;
}

/** True for a sweep value. */
export function isSweepValue(value: unknown): value is Sweep {
  return typeof value === "object" && value !== null && "kind" in value && "tags" in value;
}

/** True when the override sweeps (`a=1,2`, `a=range(3)`, ...). */
export function isSweep(o: Override): boolean {
  return isSweepValue(o.value);
}

/** True for config-group or config keys under `hydra` (`hydra.run.dir`, `hydra/launcher`). */
export function isHydraOverride(o: Override): boolean {
  return o.keyOrGroup.startsWith("hydra.") || o.keyOrGroup.startsWith("hydra/");
}

/** The key with its prefix and package, as Hydra prints it (`+db@backup`, `~trainer.lr`). */
export function keyElement(o: Override): string {
  const prefix = { change: "", add: "+", force_add: "++", delete: "~" }[o.type];
  return `${prefix}${o.keyOrGroup}${o.package === undefined ? "" : "@" + o.package}`;
}

/** The key with its package, without the prefix (`db@backup`). */
export function overrideKey(o: Override): string {
  return `${o.keyOrGroup}${o.package === undefined ? "" : "@" + o.package}`;
}

/** Converts a parsed element to a config value (quoted strings lose their quotes). */
export function elementValue(value: ParsedElement): ConfigValue {
  if (value instanceof QuotedString) return value.text;
  if (Array.isArray(value)) return value.map(elementValue);
  if (value instanceof Map) {
    const out: ConfigMap = new Map();
    for (const [k, v] of value) out.set(k, elementValue(v));
    return out;
  }
  return value;
}

/** The override's value as a config value; undefined for sweeps and `~key`. */
export function overrideValue(o: Override): ConfigValue | undefined {
  if (o.value === undefined || isSweepValue(o.value)) return undefined;
  return elementValue(o.value);
}

const SPECIAL = "\\()[]{}:=, \t";

/** Escapes the characters the override grammar treats specially (`a b` -> `a\ b`). */
export function escapeSpecial(s: string): string {
  let out = "";
  for (const ch of s) out += SPECIAL.includes(ch) ? "\\" + ch : ch;
  return out;
}

/** A quoted string written back with its quotes, escaping as Hydra does. */
export function withQuotes(q: QuotedString): string {
  const qc = q.quote;
  if (!q.text.includes("\\")) return qc + q.text.replaceAll(qc, "\\" + qc) + qc;
  const pattern = new RegExp(`(\\\\)+${qc}`);
  let text = q.text + qc;
  let out = "";
  let m = pattern.exec(text);
  if (!m) return qc + q.text.replaceAll(qc, "\\" + qc) + qc;
  while (m) {
    const stop = m.index + m[0].length;
    out += text.slice(0, m.index) + "\\".repeat((m[0].length - 1) * 2);
    if (stop < text.length) out += qc;
    text = text.slice(stop);
    m = pattern.exec(text);
  }
  if (text.length > 1) out += text.slice(0, -1);
  return qc + out.replaceAll(qc, "\\" + qc) + qc;
}

/** Hydra's text form of a value element (`[0,1]`, `{a:1}`, `True`, `1e-05`, `'x y'`). */
export function elementText(value: ParsedElement | ConfigValue): string {
  if (value === null) return "null";
  if (value instanceof QuotedString) return withQuotes(value);
  if (Array.isArray(value)) return `[${value.map(elementText).join(",")}]`;
  if (value instanceof Map) {
    const items = [...value].map(([k, v]) => `${escapeSpecial(k)}:${elementText(v)}`);
    return `{${items.join(",")}}`;
  }
  if (typeof value === "string") return escapeSpecial(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value instanceof Float) return pyFloatRepr(value.value);
  return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
}
