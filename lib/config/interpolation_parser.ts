/**
 * Parser of OmegaConf's interpolation grammar: `${a.b}`, `${..x}`, `${a[0]}`,
 * `${resolver:arg,[1,2],{k:v},'quoted ${x}'}`, nested `${oc.decode:${oc.env:N}}`,
 * escaped `\${...}` and escaped backslashes, into a small tree that
 * `interpolation.ts` evaluates.
 *
 * @module
 */
import { InterpolationError } from "./errors.ts";
import { longestToken, rules, type Token, VALUE_PATTERNS as P } from "./_lexer.ts";

/** A string with its interpolations: literal parts are already un-escaped. */
export interface TextAst {
  parts: (string | Interp)[];
  /** True when the text is exactly one interpolation (its value is kept as is). */
  single: boolean;
}
/** `${a.b}`: `path` alternates `.`, `[`, `]` separators and keys, as written. */
export interface NodeInterp {
  kind: "node";
  path: (string | { sep: string } | Interp)[];
  text: string;
}
/** `${name:args}`. */
export interface ResolverInterp {
  kind: "resolver";
  name: (string | Interp)[];
  args: (Element | null)[];
  argTexts: string[];
  text: string;
}
/** An interpolation. */
export type Interp = NodeInterp | ResolverInterp;
/** A resolver argument or a decoded value. */
export type Element =
  | { kind: "prim"; items: (Token | Interp)[] }
  | { kind: "quoted"; text: TextAst }
  | { kind: "list"; items: (Element | null)[] }
  | { kind: "dict"; entries: [Token[], Element][] };

const VALUE_RULES = rules([
  ["INTER_OPEN", "\\$\\{[ \\t]*"],
  ["BRACE_OPEN", "\\{[ \\t]*"],
  ["BRACE_CLOSE", "[ \\t]*\\}"],
  ["QUOTE_SINGLE", "'"],
  ["QUOTE_DOUBLE", '"'],
  ["COMMA", "[ \\t]*,[ \\t]*"],
  ["BRACKET_OPEN", "\\[[ \\t]*"],
  ["BRACKET_CLOSE", "[ \\t]*\\]"],
  ["COLON", "[ \\t]*:[ \\t]*"],
  ["FLOAT", P.FLOAT],
  ["INT", P.INT],
  ["BOOL", P.BOOL],
  ["NULL", P.NULL],
  ["UNQUOTED_CHAR", P.UNQUOTED_CHAR],
  ["ID", P.ID],
  ["ESC", P.ESC],
  ["WS", P.WS],
]);
const INTER_RULES = rules([
  ["INTER_OPEN", "\\$\\{[ \\t]*"],
  ["COLON", "[ \\t]*:[ \\t]*"],
  ["INTER_CLOSE", "[ \\t]*\\}"],
  ["DOT", "\\."],
  ["BRACKET_OPEN", "\\["],
  ["BRACKET_CLOSE", "\\]"],
  ["ID", P.ID],
  ["INTER_KEY", "[^\\\\{}()[\\]:. \\t'\"]+"],
]);
const PRIM_TYPES = new Set([
  "ID",
  "NULL",
  "INT",
  "FLOAT",
  "BOOL",
  "UNQUOTED_CHAR",
  "COLON",
  "ESC",
  "WS",
]);

/**
 * Parses a config string (OmegaConf's `configValue` rule).
 *
 * @throws {InterpolationError} for malformed interpolations
 */
export function parseText(source: string): TextAst {
  const p = new Parser(source);
  const text = p.text(null);
  if (p.pos < source.length) p.fail("unexpected text");
  return text;
}

/**
 * Parses one value the way `oc.decode` does (OmegaConf's `singleElement` rule).
 *
 * @throws {InterpolationError} for text that is not a single value
 */
export function parseElement(source: string): Element {
  const p = new Parser(source);
  const el = p.element();
  if (!el || p.pos < source.length) p.fail("expected a single value");
  return el!;
}

class Parser {
  pos = 0;
  #s: string;
  constructor(s: string) {
    this.#s = s;
  }

  fail(detail: string): never {
    throw new InterpolationError(
      `Cannot parse interpolation in "${this.#s}": ${detail} at position ${this.pos}`,
    );
  }

  /** Top-level text (quote = null) or the inside of a quoted value. */
  text(quote: string | null): TextAst {
    const s = this.#s;
    const parts: (string | Interp)[] = [];
    let literal = "";
    let pieces = 0;
    const flush = () => {
      if (literal) parts.push(literal);
      literal = "";
    };
    while (this.pos < s.length) {
      const ch = s[this.pos];
      if (quote !== null && ch === quote) break;
      if (s.startsWith("${", this.pos)) {
        flush();
        pieces++;
        parts.push(this.interpolation());
        continue;
      }
      if (ch === "\\") {
        let n = 0;
        while (s[this.pos + n] === "\\") n++;
        const after = this.pos + n;
        if (s.startsWith("${", after)) {
          // odd: an escaped `${`; even: escaped backslashes before an interpolation
          literal += "\\".repeat(Math.floor(n / 2)) + (n % 2 === 1 ? "${" : "");
          this.pos = after + (n % 2 === 1 ? 2 : 0);
        } else if (quote !== null && s[after] === quote) {
          literal += "\\".repeat(Math.floor(n / 2));
          this.pos = after;
          if (n % 2 === 1) {
            literal += quote;
            this.pos++;
          }
        } else {
          literal += "\\".repeat(n);
          this.pos = after;
        }
        pieces += 2;
        continue;
      }
      literal += ch;
      pieces += 2;
      this.pos++;
    }
    flush();
    return { parts, single: pieces === 1 && parts.length === 1 };
  }

  interpolation(): Interp {
    const start = this.pos;
    this.#expect(INTER_RULES, "INTER_OPEN");
    const head: (Token | Interp)[] = [];
    for (;;) {
      const tok = this.#peek(INTER_RULES);
      if (!tok) this.fail("unexpected character in interpolation");
      if (tok.type === "INTER_OPEN") {
        head.push(this.interpolation());
      } else if (tok.type === "INTER_CLOSE") {
        this.pos += tok.text.length;
        return this.#nodeInterp(head, this.#s.slice(start, this.pos));
      } else if (tok.type === "COLON") {
        this.pos += tok.text.length;
        return this.#resolverInterp(head, start);
      } else {
        head.push(tok);
        this.pos += tok.text.length;
      }
    }
  }

  #nodeInterp(head: (Token | Interp)[], text: string): NodeInterp {
    const path: NodeInterp["path"] = [];
    let i = 0;
    while (isTok(head[i], "DOT")) path.push({ sep: (head[i++] as Token).text });
    let first = true;
    while (i < head.length) {
      const item = head[i];
      if (isTok(item, "BRACKET_OPEN")) {
        if (!isKey(head[i + 1]) || !isTok(head[i + 2], "BRACKET_CLOSE")) this.fail("bad key");
        path.push({ sep: "[" }, keyOf(head[i + 1]), { sep: "]" });
        i += 3;
      } else if (first && isKey(item)) {
        path.push(keyOf(item));
        i++;
      } else if (isTok(item, "DOT") && isKey(head[i + 1])) {
        path.push({ sep: "." }, keyOf(head[i + 1]));
        i += 2;
      } else this.fail("bad key");
      first = false;
    }
    if (first) this.fail("empty key");
    return { kind: "node", path, text };
  }

  #resolverInterp(head: (Token | Interp)[], start: number): ResolverInterp {
    const name: (string | Interp)[] = [];
    for (let i = 0; i < head.length; i += 2) {
      const item = head[i];
      if (!(isTok(item, "ID") || isInterp(item))) this.fail("bad resolver name");
      name.push(isInterp(item) ? item : (item as Token).text);
      if (i + 1 < head.length && !isTok(head[i + 1], "DOT")) this.fail("bad resolver name");
      if (i + 1 === head.length - 1) this.fail("bad resolver name");
    }
    if (name.length === 0) this.fail("empty resolver name");
    const { items, texts } = this.#sequence("BRACE_CLOSE");
    return {
      kind: "resolver",
      name,
      args: items,
      argTexts: texts,
      text: this.#s.slice(start, this.pos),
    };
  }

  /** `sequence? CLOSE`, with OmegaConf's empty items for missing elements. */
  #sequence(close: string): { items: (Element | null)[]; texts: string[] } {
    const items: (Element | null)[] = [];
    const texts: string[] = [];
    let prevComma = true, any = false;
    for (;;) {
      const tok = this.#peek(VALUE_RULES);
      if (!tok) this.fail(`expected "${close === "BRACE_CLOSE" ? "}" : "]"}"`);
      if (tok.type === close) {
        this.pos += tok.text.length;
        break;
      }
      any = true;
      if (tok.type === "COMMA") {
        if (prevComma) items.push(null), texts.push("");
        prevComma = true;
        this.pos += tok.text.length;
        continue;
      }
      if (!prevComma) this.fail("expected a comma");
      const start = this.pos;
      items.push(this.element()!);
      texts.push(this.#s.slice(start, this.pos));
      prevComma = false;
    }
    if (any && prevComma) items.push(null), texts.push("");
    return { items, texts };
  }

  element(): Element | undefined {
    const tok = this.#peek(VALUE_RULES);
    if (!tok) return undefined;
    if (tok.type === "QUOTE_SINGLE" || tok.type === "QUOTE_DOUBLE") {
      this.pos++;
      const text = this.text(tok.text);
      if (this.#s[this.pos] !== tok.text) this.fail("unterminated quoted string");
      this.pos++;
      return { kind: "quoted", text };
    }
    if (tok.type === "BRACKET_OPEN") {
      this.pos += tok.text.length;
      return { kind: "list", items: this.#sequence("BRACKET_CLOSE").items };
    }
    if (tok.type === "BRACE_OPEN") {
      this.pos += tok.text.length;
      return this.#dict();
    }
    const items: (Token | Interp)[] = [];
    for (;;) {
      const t = this.#peek(VALUE_RULES);
      if (t?.type === "INTER_OPEN") items.push(this.interpolation());
      else if (t && PRIM_TYPES.has(t.type)) {
        items.push(t);
        this.pos += t.text.length;
      } else break;
    }
    return items.length > 0 ? { kind: "prim", items } : undefined;
  }

  #dict(): Element {
    const entries: [Token[], Element][] = [];
    for (;;) {
      let tok = this.#peek(VALUE_RULES);
      if (tok?.type === "BRACE_CLOSE" && entries.length === 0) {
        this.pos += tok.text.length;
        return { kind: "dict", entries };
      }
      const key: Token[] = [];
      while ((tok = this.#peek(VALUE_RULES)) && PRIM_TYPES.has(tok.type) && tok.type !== "COLON") {
        key.push(tok);
        this.pos += tok.text.length;
      }
      if (key.length === 0) this.fail("expected a dict key");
      this.#expect(VALUE_RULES, "COLON");
      const value = this.element();
      if (!value) this.fail("expected a dict value");
      entries.push([key, value!]);
      tok = this.#peek(VALUE_RULES);
      this.pos += tok?.text.length ?? 0;
      if (tok?.type === "BRACE_CLOSE") return { kind: "dict", entries };
      if (tok?.type !== "COMMA") this.fail('expected "," or "}"');
    }
  }

  #peek(table: typeof VALUE_RULES): Token | undefined {
    return longestToken(this.#s, this.pos, table);
  }

  #expect(table: typeof VALUE_RULES, type: string): Token {
    const tok = this.#peek(table);
    if (!tok || tok.type !== type) this.fail(`expected ${type}`);
    this.pos += tok!.text.length;
    return tok!;
  }
}

function isTok(item: Token | Interp | undefined, type: string): boolean {
  return item !== undefined && "type" in item && item.type === type;
}
function isInterp(item: Token | Interp | undefined): item is Interp {
  return item !== undefined && "kind" in item;
}
function isKey(item: Token | Interp | undefined): boolean {
  return isTok(item, "ID") || isTok(item, "INTER_KEY") || isInterp(item);
}
function keyOf(item: Token | Interp): string | Interp {
  return isInterp(item) ? item : item.text;
}
