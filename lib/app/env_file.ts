/**
 * `.env` files without a dependency: `KEY=VALUE` lines, `#` comments, an
 * optional `export ` prefix, single quotes (literal) and double quotes
 * (`\n`, `\t`, `\"`, `\\` escapes). The process environment wins over the file.
 *
 * @module
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

function unquote(raw: string, where: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return raw.replace(/\s+#.*$/, "").trim();
  let close = raw.indexOf(quote, 1);
  if (quote === '"') {
    close = -1;
    for (let i = 1; i < raw.length; i++) {
      if (raw[i] === "\\") i++;
      else if (raw[i] === '"') {
        close = i;
        break;
      }
    }
  }
  if (close < 0) throw new SyntaxError(`Invalid ${where}: the ${quote} quote is not closed`);
  const rest = raw.slice(close + 1).trim();
  if (rest && !rest.startsWith("#")) {
    throw new SyntaxError(
      `Invalid ${where}: text after the closing quote: ${JSON.stringify(rest)}`,
    );
  }
  const body = raw.slice(1, close);
  return quote === "'" ? body : body.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m);
}

/**
 * Parses the text of a `.env` file.
 *
 * @param text the file's text
 * @param file its name, for messages
 * @returns key → value (a later line wins over an earlier one)
 * @throws {SyntaxError} naming the file and line of a line that is not `KEY=VALUE`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEnvFile } from "./mod.ts";
 * const env = parseEnvFile('# admin\nexport ADMIN_USER=ada # me\nADMIN_PSWD="a \\"b\\""\nEMPTY=\n');
 * assert.deepEqual(env, { ADMIN_USER: "ada", ADMIN_PSWD: 'a "b"', EMPTY: "" });
 * ```
 */
export function parseEnvFile(text: string, file = ".env"): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const where = `line ${i + 1} of "${file}"`;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(t);
    if (!m || !KEY.test(m[1]!)) {
      throw new SyntaxError(`Invalid ${where}: expected KEY=VALUE, got ${JSON.stringify(t)}`);
    }
    out[m[1]!] = unquote(m[2]!, where);
  });
  return out;
}

/**
 * The environment the app runs with: the `.env` file's values under the
 * process environment's (a variable set in the process wins). A missing file
 * reads as empty.
 *
 * @param file path of the `.env` file
 * @param processEnv the process environment (default `Deno.env.toObject()`)
 * @returns the merged environment
 * @throws {SyntaxError} on a malformed line
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadEnvFile } from "./mod.ts";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "A=from-file\nB=from-file\n");
 * const env = await loadEnvFile(file, { B: "from-process" });
 * assert.deepEqual([env.A, env.B], ["from-file", "from-process"]);
 * await Deno.remove(file);
 * ```
 */
export async function loadEnvFile(
  file: string,
  processEnv: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<Record<string, string | undefined>> {
  let text = "";
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read "${file}": ${(err as Error).message}`, { cause: err });
    }
  }
  const out: Record<string, string | undefined> = parseEnvFile(text, file);
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) out[k] = v;
  return out;
}
