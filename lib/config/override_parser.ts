/**
 * Parser of Hydra's override grammar (not YAML: `key=yes` is the string "yes").
 *
 * ```
 * override: key=value | ~key[=value] | +key=value | ++key=value
 * key:      a.b.c | group/sub | key@package
 * value:    element | element,element,...        (a simple choice sweep)
 * element:  primitive | 'quoted' | [list] | {dict:1} | function(args)
 * ```
 *
 * Primitives are typed as Hydra types them: `null`/`NULL`, `true`/`False`, ints
 * (`1_000`, `+3`), floats (`1e-4`, `1.`, `.5`, `inf`, `nan`); anything else is a
 * string (`0x10`, `017`, `yes`). `\,` and friends escape, `${...}` stays text.
 *
 * @module
 */
import { ConfigSyntaxError } from "./errors.ts";
import { longestToken, rules, type Token, unescapeEsc, VALUE_PATTERNS as P } from "./_lexer.ts";
import { callFunction, type FunctionValue } from "./override_functions.ts";
import { pyFloat, pyInt } from "./_pyrepr.ts";
import {
  isSweepValue,
  type Override,
  type OverrideType,
  type ParsedElement,
  QuotedString,
  type Sweep,
} from "./override_types.ts";
import { Float } from "./values.ts";

const KEY_SPECIAL = "[a-zA-Z_$][a-zA-Z0-9_\\-$]*";
const KEY_RULES = rules([
  ["EQUAL", "=[ \\t]*"],
  ["TILDE", "~"],
  ["PLUS", "\\+"],
  ["AT", "@"],
  ["COLON", ":"],
  ["SLASH", "/"],
  ["ID", P.ID],
  ["KEY_SPECIAL", KEY_SPECIAL],
  [
    "DOT_PATH",
    `(?:${KEY_SPECIAL}|(?:0|[1-9](?:_?[0-9])*))(?:\\.(?:${KEY_SPECIAL}|(?:0|[1-9](?:_?[0-9])*)))+`,
  ],
]);
const VALUE_RULES = rules([
  ["POPEN", "[ \\t]*\\([ \\t]*"],
  ["COMMA", "[ \\t]*,[ \\t]*"],
  ["PCLOSE", "[ \\t]*\\)"],
  ["BRACKET_OPEN", "\\[[ \\t]*"],
  ["BRACKET_CLOSE", "[ \\t]*\\]"],
  ["BRACE_OPEN", "\\{[ \\t]*"],
  ["BRACE_CLOSE", "[ \\t]*\\}"],
  ["COLON", "[ \\t]*:[ \\t]*"],
  ["EQUAL", "[ \\t]*=[ \\t]*"],
  ["FLOAT", P.FLOAT],
  ["INT", P.INT],
  ["BOOL", P.BOOL],
  ["NULL", P.NULL],
  ["UNQUOTED_CHAR", P.UNQUOTED_CHAR],
  ["ID", P.ID],
  ["ESC", P.ESC],
  ["WS", P.WS],
  ["QUOTED_VALUE", `'(?:[^'\\\\]|\\\\[\\s\\S])*'|"(?:[^"\\\\]|\\\\[\\s\\S])*"`],
  ["INTERPOLATION", "\\$\\{[^}]+\\}"],
]);
const PRIMITIVE = new Set([
  "ID",
  "NULL",
  "INT",
  "FLOAT",
  "BOOL",
  "INTERPOLATION",
  "UNQUOTED_CHAR",
  "COLON",
  "ESC",
  "WS",
]);
const DICT_KEY = new Set(["ID", "NULL", "INT", "FLOAT", "BOOL", "UNQUOTED_CHAR", "ESC", "WS"]);
const PACKAGE = new Set(["ID", "KEY_SPECIAL", "DOT_PATH"]);

const GRAMMAR_HINT = "See https://hydra.cc/docs/advanced/override_grammar/basic for the grammar";

/**
 * Parses one command-line override.
 *
 * @param line one override as given on the command line
 * @returns the parsed override
 * @throws {ConfigSyntaxError} naming the override and the column of the problem
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Float, parseOverride } from "./mod.ts";
 * const o = parseOverride("+trainer.tags=[a,1e-3]");
 * assert.deepEqual([o.type, o.keyOrGroup, o.value], ["add", "trainer.tags", ["a", new Float(0.001)]]);
 * assert.equal(parseOverride("flag=yes").value, "yes");
 * ```
 */
export function parseOverride(line: string): Override {
  const p = new OverrideParser(line);
  return p.override();
}

/** Parses a list of overrides. */
export function parseOverrides(lines: string[]): Override[] {
  return lines.map(parseOverride);
}

class OverrideParser {
  #s: string;
  #pos = 0;
  constructor(s: string) {
    this.#s = s;
  }

  fail(detail: string): never {
    throw new ConfigSyntaxError(
      `Cannot parse override "${this.#s}": ${detail} at column ${this.#pos + 1}\n${GRAMMAR_HINT}`,
      { source: this.#s, line: 1, column: this.#pos + 1 },
    );
  }

  override(): Override {
    let type: OverrideType = "change";
    let tok = this.#key();
    if (tok?.type === "TILDE") {
      type = "delete";
      tok = this.#key();
    } else if (tok?.type === "PLUS") {
      type = "add";
      tok = this.#key();
      if (tok?.type === "PLUS") {
        type = "force_add";
        tok = this.#key();
      }
    }
    const { keyOrGroup, pkg, next } = this.#keyPart(tok);
    if (keyOrGroup === "" && pkg === undefined) this.fail("missing key");
    const base = {
      type,
      keyOrGroup,
      inputLine: this.#s,
      ...(pkg === undefined ? {} : { package: pkg }),
    };
    if (next === undefined) {
      if (type !== "delete") this.fail('expected "="');
      return base;
    }
    if (next.type !== "EQUAL") this.fail(`unexpected "${next.text}"`);
    if (this.#pos >= this.#s.length) return { ...base, value: "" };
    const value = this.#value();
    if (this.#pos < this.#s.length) this.fail(`unexpected "${this.#s.slice(this.#pos)}"`);
    return { ...base, value };
  }

  #key(): Token | undefined {
    if (this.#pos >= this.#s.length) return undefined;
    const tok = longestToken(this.#s, this.#pos, KEY_RULES);
    if (!tok) this.fail(`unexpected character "${this.#s[this.#pos]}" in key`);
    this.#pos += tok!.text.length;
    return tok;
  }

  #keyPart(first: Token | undefined): { keyOrGroup: string; pkg?: string; next?: Token } {
    let keyOrGroup = "";
    let tok = first;
    if (tok?.type === "ID" && this.#s[this.#pos] === "/") {
      keyOrGroup = tok.text;
      while (tok?.type === "ID" && this.#s[this.#pos] === "/") {
        this.#key();
        const id = this.#key();
        if (id?.type !== "ID") this.fail("expected a group name after /");
        keyOrGroup += "/" + id!.text;
        tok = id;
      }
      tok = this.#key();
    } else if (tok && PACKAGE.has(tok.type)) {
      keyOrGroup = tok.text;
      tok = this.#key();
    }
    if (tok?.type !== "AT") return { keyOrGroup, next: tok };
    let pkg = "";
    tok = this.#key();
    if (tok && PACKAGE.has(tok.type)) {
      pkg = tok.text;
      tok = this.#key();
    }
    return { keyOrGroup, pkg, next: tok };
  }

  #peek(): Token | undefined {
    return longestToken(this.#s, this.#pos, VALUE_RULES);
  }

  #take(type: string): Token {
    const tok = this.#peek();
    if (tok?.type !== type) this.fail(tok ? `unexpected "${tok.text}"` : "unexpected end");
    this.#pos += tok!.text.length;
    return tok!;
  }

  #value(): ParsedElement | Sweep {
    const first = this.#element();
    if (this.#peek()?.type !== "COMMA") return first;
    const list = [first];
    while (this.#peek()?.type === "COMMA") {
      this.#take("COMMA");
      list.push(this.#element());
    }
    for (const item of list) if (isSweepValue(item)) this.fail("a sweep cannot hold sweeps");
    return {
      kind: "choice",
      list: list as ParsedElement[],
      simpleForm: true,
      shuffle: false,
      tags: [],
    };
  }

  #element(): FunctionValue {
    const tok = this.#peek();
    if (!tok) {
      this.fail(
        this.#pos < this.#s.length ? `unexpected "${this.#s[this.#pos]}"` : "missing value",
      );
    }
    if (tok!.type === "BRACKET_OPEN") return this.#list();
    if (tok!.type === "BRACE_OPEN") return this.#dict();
    if (tok!.type === "QUOTED_VALUE") {
      this.#pos += tok!.text.length;
      return unquote(tok!.text);
    }
    if (tok!.type === "ID") {
      const after = longestToken(this.#s, this.#pos + tok!.text.length, VALUE_RULES);
      if (after?.type === "POPEN") return this.#function(tok!);
    }
    return this.#primitive(PRIMITIVE);
  }

  #primitive(allowed: Set<string>): ParsedElement {
    const tokens: Token[] = [];
    let tok: Token | undefined;
    while ((tok = this.#peek()) && allowed.has(tok.type)) {
      tokens.push(tok);
      this.#pos += tok.text.length;
    }
    if (tokens.length === 0) this.fail(tok ? `unexpected "${tok.text}"` : "missing value");
    let from = 0, to = tokens.length;
    if (tokens[0].type === "WS") {
      if (tokens.length === 1) this.fail("a value cannot be only whitespace");
      from = 1;
    }
    if (tokens[to - 1].type === "WS") to--;
    if (to - from > 1) {
      return tokens.slice(from, to).map((t) => (t.type === "ESC" ? unescapeEsc(t.text) : t.text))
        .join("");
    }
    const { type, text } = tokens[from];
    switch (type) {
      case "INT":
        return pyInt(text);
      case "FLOAT":
        return new Float(pyFloat(text));
      case "NULL":
        return null;
      case "BOOL":
        return text.toLowerCase() === "true";
      case "ESC":
        return unescapeEsc(text);
      default:
        return text;
    }
  }

  #list(): ParsedElement[] {
    this.#take("BRACKET_OPEN");
    const items: ParsedElement[] = [];
    if (this.#peek()?.type === "BRACKET_CLOSE") {
      this.#take("BRACKET_CLOSE");
      return items;
    }
    for (;;) {
      const el = this.#element();
      if (isSweepValue(el)) this.fail("a list cannot hold a sweep");
      items.push(el as ParsedElement);
      if (this.#peek()?.type === "BRACKET_CLOSE") break;
      this.#take("COMMA");
    }
    this.#take("BRACKET_CLOSE");
    return items;
  }

  #dict(): Map<string, ParsedElement> {
    this.#take("BRACE_OPEN");
    const out = new Map<string, ParsedElement>();
    if (this.#peek()?.type === "BRACE_CLOSE") {
      this.#take("BRACE_CLOSE");
      return out;
    }
    for (;;) {
      const key = this.#primitive(DICT_KEY);
      this.#take("COLON");
      const value = this.#element();
      if (isSweepValue(value)) this.fail("a dict cannot hold a sweep");
      out.set(dictKey(key), value as ParsedElement);
      if (this.#peek()?.type === "BRACE_CLOSE") break;
      this.#take("COMMA");
    }
    this.#take("BRACE_CLOSE");
    return out;
  }

  #function(name: Token): FunctionValue {
    const start = this.#pos;
    this.#pos += name.text.length;
    this.#take("POPEN");
    const args: FunctionValue[] = [];
    const kwargs: Record<string, FunctionValue> = {};
    if (this.#peek()?.type !== "PCLOSE") {
      for (;;) {
        const tok = this.#peek();
        const after = tok?.type === "ID"
          ? longestToken(this.#s, this.#pos + tok.text.length, VALUE_RULES)
          : undefined;
        if (after?.type === "EQUAL") {
          this.#pos += tok!.text.length + after.text.length;
          kwargs[tok!.text] = this.#element();
        } else {
          if (Object.keys(kwargs).length > 0) {
            this.fail("positional argument follows keyword argument");
          }
          args.push(this.#element());
        }
        if (this.#peek()?.type === "PCLOSE") break;
        this.#take("COMMA");
      }
    }
    this.#take("PCLOSE");
    try {
      return callFunction(name.text, args, kwargs);
    } catch (err) {
      const text = this.#s.slice(start, this.#pos);
      throw new ConfigSyntaxError(
        `Cannot parse override "${this.#s}": ${(err as Error).message} while evaluating "${text}"`,
        { source: this.#s, line: 1, column: start + 1 },
        { cause: err },
      );
    }
  }
}

function unquote(token: string): QuotedString {
  const quote = token[0];
  const body = token.slice(1, -1);
  const re = new RegExp(`(\\\\+)(${quote}|$)`, "g");
  const text = body.replace(
    re,
    (_m, bs: string, q: string) => "\\".repeat(Math.floor(bs.length / 2)) + q,
  );
  return new QuotedString(text, quote);
}

function dictKey(key: ParsedElement): string {
  if (key === null) return "null";
  if (key instanceof Float) return String(key.value);
  return String(key);
}
