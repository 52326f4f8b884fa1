/**
 * Python's text forms of values, which Hydra and OmegaConf print: `repr(float)`
 * (`1e-05`, `3.0`), `str(True)` (`True`) and the reprs of lists and dicts used
 * when an interpolation is embedded in a string.
 *
 * @module
 */
import { type ConfigValue, Float } from "./values.ts";

/** Python's `repr()` of a float: shortest round-trip digits, `1e-05`, `1e+16`, `3.0`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const rest = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${digits[0]}${rest ? "." + rest : ""}e${exp < 0 ? "-" : "+"}${e}`;
  }
  const point = exp + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Python's `repr()` of a string (single quotes unless the text holds only single quotes). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " " || ch === "\x7f") {
      out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    } else out += ch;
  }
  return out + quote;
}

/** Python's `str()` of a config value (strings as they are, `None`, `True`, `[1, 'a']`). */
export function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}

/** Python's `repr()` of a config value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  }
  if (value instanceof Float) return pyFloatRepr(value.value);
  if (typeof value === "string") return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (value instanceof Map) {
    const items = [...(value as Map<string, ConfigValue>)].map(([k, v]) =>
      `${pyStrRepr(k)}: ${pyRepr(v)}`
    );
    return `{${items.join(", ")}}`;
  }
  if (typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`);
    return `{${items.join(", ")}}`;
  }
  return String(value);
}

/** Python's `int()` of a grammar INT token (`1_000`, `+3`, `-7`). */
export function pyInt(text: string): number {
  return Number(text.replaceAll("_", ""));
}

/** Python's `float()` of a grammar FLOAT token (`1e-4`, `.5`, `1.`, `inf`, `NaN`). */
export function pyFloat(text: string): number {
  const t = text.replaceAll("_", "").toLowerCase();
  const body = t.replace(/^[+-]/, "");
  const sign = t.startsWith("-") ? -1 : 1;
  if (body === "inf") return sign * Infinity;
  if (body === "nan") return NaN;
  return Number(t);
}
