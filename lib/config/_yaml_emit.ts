/**
 * Block-style YAML output as OmegaConf's `to_yaml` writes it (PyYAML's dumper):
 * two-space indents, lists under a key not indented, strings that would read
 * back as another type single-quoted, floats in Python's form (`1.0e-06`).
 *
 * @module
 */
import { looksLikePyNumber, plainTag } from "./_yaml11.ts";
import { pyFloatRepr } from "./_pyrepr.ts";
import { type ConfigValue, Float, isList, isMap, keyText, TYPED_KEY } from "./values.ts";

const BREAKS = "\n\x85\u2028\u2029";
const SPACE_OR_BREAK = "\0 \t\r" + BREAKS;

/** YAML text of a config tree. */
export function emitYaml(value: ConfigValue): string {
  if (isMap(value)) return value.size === 0 ? "{}\n" : emitMap(value, 0).join("\n") + "\n";
  if (isList(value)) return value.length === 0 ? "[]\n" : emitSeq(value, 0).join("\n") + "\n";
  return `${emitScalar(value)}\n...\n`;
}

function emitMap(map: Map<string, ConfigValue>, indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const [key, value] of map) {
    const head = `${pad}${key.startsWith(TYPED_KEY) ? keyText(key) : emitString(key)}:`;
    if (isMap(value) && value.size > 0) {
      lines.push(head, ...emitMap(value, indent + 2));
    } else if (isList(value) && value.length > 0) {
      lines.push(head, ...emitSeq(value, indent));
    } else {
      lines.push(`${head} ${emitScalar(value)}`);
    }
  }
  return lines;
}

function emitSeq(list: ConfigValue[], indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const item of list) {
    let inner: string[] | undefined;
    if (isMap(item) && item.size > 0) inner = emitMap(item, indent + 2);
    else if (isList(item) && item.length > 0) inner = emitSeq(item, indent + 2);
    if (inner) {
      lines.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
    } else {
      lines.push(`${pad}- ${emitScalar(item)}`);
    }
  }
  return lines;
}

/** YAML text of a scalar (or an empty container) in flow position. */
export function emitScalar(value: ConfigValue): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : emitFloat(value);
  if (value instanceof Float) return emitFloat(value.value);
  if (typeof value === "string") return emitString(value);
  if (isMap(value)) return "{}";
  return "[]";
}

function emitFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  const text = pyFloatRepr(x);
  return !text.includes(".") && text.includes("e") ? text.replace("e", ".0e") : text;
}

/** A string as plain, single-quoted or double-quoted YAML, whichever reads back as the same string. */
export function emitString(s: string): string {
  const typed = plainTag(s, true) !== "str" || looksLikePyNumber(s) || s === "=";
  const styles = analyze(s);
  if (!typed && styles.plain) return s;
  if (styles.single) return `'${s.replaceAll("'", "''")}'`;
  return doubleQuoted(s);
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      out += "\\x" + code.toString(16).padStart(2, "0");
    } else if (code === 0x2028 || code === 0x2029 || code === 0xfeff) {
      out += "\\u" + code.toString(16).padStart(4, "0");
    } else out += ch;
  }
  return out + '"';
}

/** Which styles PyYAML's emitter allows for a scalar in block context. */
function analyze(s: string): { plain: boolean; single: boolean } {
  if (s.length === 0) return { plain: false, single: true };
  let blockIndicators = s.startsWith("---") || s.startsWith("...");
  let special = false, lineBreaks = false, spaceBreak = false, breakSpace = false;
  let prevSpace = false, prevBreak = false;
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const followedByWs = i + 1 >= chars.length || SPACE_OR_BREAK.includes(chars[i + 1]);
    const precededByWs = i === 0 || SPACE_OR_BREAK.includes(chars[i - 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ((ch === "?" || ch === ":" || ch === "-") && followedByWs) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWs) blockIndicators = true;
      if (ch === "#" && precededByWs) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const code = ch.codePointAt(0)!;
    if (!(ch === "\n" || (code >= 0x20 && code <= 0x7e))) {
      const printable = code === 0x85 || (code >= 0xa0 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code < 0x10ffff);
      if (!printable || code === 0xfeff) special = true;
    }
    if (ch === " ") {
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
  }
  const edgeSpace = " \n".includes(chars[0]) || " \n".includes(chars[chars.length - 1]) ||
    BREAKS.includes(chars[0]) || BREAKS.includes(chars[chars.length - 1]);
  const plain = !edgeSpace && !breakSpace && !spaceBreak && !special && !lineBreaks &&
    !blockIndicators;
  // Multi-line strings go double-quoted: PyYAML's folded single quotes read the same but
  // are harder to read.
  const single = !breakSpace && !spaceBreak && !special && !lineBreaks;
  return { plain, single };
}
