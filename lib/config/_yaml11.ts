/**
 * YAML 1.1 plain-scalar typing as OmegaConf's loader applies it (PyYAML's
 * SafeLoader rules, plus exponent floats without a dot such as `1e-4`, and no
 * timestamps): `yes`/`off` are booleans, `017` is octal, `1:30` is 90, `~` is null.
 *
 * @module
 */
import { Float, type Scalar } from "./values.ts";

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = new Set(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const FLOAT_11 = new RegExp(
  "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?" +
    "|\\.[0-9_]+(?:[eE][-+][0-9]+)?" +
    "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*" +
    "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$",
);
const INT_11 = new RegExp(
  "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)" +
    "|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
);
const NULL = /^(?:~|null|Null|NULL|)$/;
const FLOAT_OMEGACONF = new RegExp(
  "^(?:[-+]?[0-9]+(?:_[0-9]+)*\\.[0-9_]*(?:[eE][-+]?[0-9]+)?" +
    "|[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)" +
    "|\\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?" +
    "|[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\\.[0-9_]*" +
    "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$",
);
const TIMESTAMP = new RegExp(
  "^(?:[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?" +
    "|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]" +
    "(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
);

/** The implicit tag of a plain scalar: what type it reads as. */
export type PlainTag = "str" | "bool" | "int" | "float" | "null" | "merge" | "timestamp";

/**
 * The tag PyYAML's resolver gives a plain scalar, in its order (bool, float,
 * int, merge, null, timestamp, then OmegaConf's float). `timestamp` is only
 * reported when `withTimestamp` is set (the dumper's view, not the loader's).
 */
export function plainTag(text: string, withTimestamp = false): PlainTag {
  const first = text[0] ?? "";
  if ("yYnNtTfFoO".includes(first) && first !== "" && BOOL.test(text)) return "bool";
  if ("-+0123456789.".includes(first) && first !== "") {
    if (FLOAT_11.test(text)) return "float";
    if (INT_11.test(text)) return "int";
  }
  if (text === "<<") return "merge";
  if (NULL.test(text)) return "null";
  if (withTimestamp && TIMESTAMP.test(text)) return "timestamp";
  if (first !== "" && "-+0123456789.".includes(first) && FLOAT_OMEGACONF.test(text)) {
    return "float";
  }
  return "str";
}

/** PyYAML's construction of an int scalar (`0b`, `0x`, octal `017`, sexagesimal `1:30`). */
export function constructInt(text: string): number {
  let value = text.replaceAll("_", "");
  let sign = 1;
  if (value[0] === "-") sign = -1;
  if (value[0] === "-" || value[0] === "+") value = value.slice(1);
  if (value === "0") return 0;
  if (value.startsWith("0b")) return sign * parseInt(value.slice(2), 2);
  if (value.startsWith("0x")) return sign * parseInt(value.slice(2), 16);
  if (value[0] === "0") return sign * parseInt(value, 8);
  if (value.includes(":")) return sign * sexagesimal(value);
  return sign * Number(value);
}

/** PyYAML's construction of a float scalar (`.inf`, `.nan`, `1:30.5`, `1e-4`). */
export function constructFloat(text: string): number {
  let value = text.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (value[0] === "-") sign = -1;
  if (value[0] === "-" || value[0] === "+") value = value.slice(1);
  if (value === ".inf") return sign * Infinity;
  if (value === ".nan") return NaN;
  if (value.includes(":")) return sign * sexagesimal(value);
  return sign * Number(value);
}

function sexagesimal(value: string): number {
  let total = 0;
  for (const part of value.split(":")) total = total * 60 + Number(part);
  return total;
}

/** Typed value of a plain (unquoted, untagged) YAML scalar. */
export function resolvePlain(text: string): Scalar {
  switch (plainTag(text)) {
    case "bool":
      return TRUE_WORDS.has(text);
    case "int":
      return constructInt(text);
    case "float":
      return new Float(constructFloat(text));
    case "null":
      return null;
    default:
      return text;
  }
}

/** Python's `int(s)` or `float(s)` would accept the string (OmegaConf quotes those when dumping). */
export function looksLikePyNumber(text: string): boolean {
  const t = text.trim();
  const digits = "[0-9](?:_?[0-9])*";
  const num = new RegExp(
    `^[+-]?(?:${digits}|(?:${digits})?\\.${digits}(?:[eE][+-]?${digits})?|${digits}\\.` +
      `(?:[eE][+-]?${digits})?|${digits}[eE][+-]?${digits}|inf|infinity|nan)$`,
    "i",
  );
  return num.test(t);
}
