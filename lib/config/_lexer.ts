/**
 * Longest-match tokenizing shared by the override grammar (Hydra) and the
 * interpolation grammar (OmegaConf): at each position every rule is tried and
 * the longest match wins, the earlier rule on a tie, as ANTLR lexers do.
 *
 * @module
 */

/** A token: its rule name and matched text. */
export interface Token {
  type: string;
  text: string;
  start: number;
}

/** A lexer rule: a name and a pattern (compiled sticky). */
export type Rule = [type: string, pattern: RegExp];

const INT_UNSIGNED = "(?:0|[1-9](?:_?[0-9])*)";
const POINT_FLOAT = `(?:${INT_UNSIGNED}?\\.[0-9](?:_?[0-9])*|${INT_UNSIGNED}\\.)`;
const EXPONENT_FLOAT = `(?:(?:${POINT_FLOAT}|${INT_UNSIGNED})[eE][+-]?[0-9](?:_?[0-9])*)`;

/** Sources of the value-mode rules both grammars share. */
export const VALUE_PATTERNS = {
  FLOAT: `[+-]?(?:${EXPONENT_FLOAT}|${POINT_FLOAT}|[Ii][Nn][Ff]|[Nn][Aa][Nn])`,
  INT: `[+-]?${INT_UNSIGNED}`,
  BOOL: "(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])",
  NULL: "[Nn][Uu][Ll][Ll]",
  UNQUOTED_CHAR: "[/\\-\\\\+.$%*@?|]",
  ID: "[a-zA-Z_][a-zA-Z0-9_\\-]*",
  ESC:
    "(?:\\\\\\\\|\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\\\\\{|\\\\\\}|\\\\:|\\\\=|\\\\,|\\\\ |\\\\\\t)+",
  WS: "[ \\t]+",
};

/** Builds sticky rules from `[name, source]` pairs, keeping their order. */
export function rules(pairs: [string, string][]): Rule[] {
  return pairs.map(([type, source]) => [type, new RegExp(source, "y")]);
}

/** The longest token at `pos` (earlier rule on ties), or undefined when none matches. */
export function longestToken(text: string, pos: number, table: Rule[]): Token | undefined {
  let best: Token | undefined;
  for (const [type, re] of table) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m && m[0].length > 0 && (!best || m[0].length > best.text.length)) {
      best = { type, text: m[0], start: pos };
    }
  }
  return best;
}

/** Un-escapes an ESC token: every other character (`\\(` -> `(`). */
export function unescapeEsc(text: string): string {
  let out = "";
  for (let i = 1; i < text.length; i += 2) out += text[i];
  return out;
}
