/**
 * Resolving interpolations as OmegaConf does: `${a.b}` (absolute), `${.x}` and
 * `${..x}` (relative to the node's parent), `${a[0]}`, interpolations inside
 * strings (joined with Python's `str()`), escaped `\${...}`, resolvers
 * `${name:args}`, `???` mandatory values and cycles detected with the chain of keys.
 *
 * Choices where OmegaConf is not explicit:
 * - In-place resolution (`--resolve`, see `resolve_tree.ts`) keeps `???` for an
 *   interpolation to a missing value, and rejects a dict or list returned by a resolver that
 *   is not declared `returnsConfig` (OmegaConf's "Value 'dict' is not a supported primitive type").
 * - `oc.dict.values` returns the values themselves, not interpolations to them.
 *
 * @module
 */
import { ConfigSyntaxError, InterpolationError, MissingValueError } from "./errors.ts";
import {
  type Element,
  type Interp,
  parseElement,
  parseText,
  type TextAst,
} from "./interpolation_parser.ts";
import { childOf, formatPath, getAt, type Segment, segmentFor, splitKey } from "./keys.ts";
import { pyFloat, pyInt, pyStr } from "./_pyrepr.ts";
import { unescapeEsc } from "./_lexer.ts";
import {
  globalResolvers,
  resolverArgs,
  type ResolverContext,
  type ResolverRegistry,
  resolverResult,
} from "./resolvers.ts";
import {
  type ConfigMap,
  type ConfigValue,
  Float,
  isContainer,
  isInterpolation,
  MISSING,
} from "./values.ts";

/** Where resolvers get their outside world from. */
export interface ResolveOptions {
  /** Resolvers to use (default: the global registry). */
  resolvers?: ResolverRegistry;
  /** Environment lookup for `oc.env` (default: `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** Clock for `now` (default: the current time). */
  now?: () => Date;
  /** Cache of resolvers registered with `cache` (share it to get the same `now` across jobs). */
  cache?: Map<string, ConfigValue>;
  /** The config holding Hydra's `hydra` node, for `${hydra:...}` (default: the root itself). */
  hydraRoot?: ConfigMap;
}

/** A resolved value; `path` is set when the value is a node of the tree. */
export interface Ref {
  value: ConfigValue;
  path?: Segment[];
  /** Produced by a resolver that returns config nodes. */
  config?: boolean;
}

/** An interpolation pointed at a `???` value. */
export class InterpolationToMissingError extends InterpolationError {}

const AST_CACHE = new Map<string, TextAst>();

// OmegaConf's quick check for common interpolations (no nesting, simple arguments): strings
// it accepts are valid and need no full parse until they are resolved.
const KEY = "[$\\w]+";
const KEY_B = `${KEY}|\\[${KEY}\\]`;
const NODE = `\\$\\{\\s*(?:\\.)*(?:${KEY_B})(?:\\.(?:${KEY_B}))*\\s*\\}`;
const ID = "[a-zA-Z_][\\w\\-]*";
const ARG = "[a-zA-Z_0-9/\\-+.$%*@?|]+";
const RESOLVER = `\\$\\{\\s*(?:${ID}(?:\\.${ID})*)?\\s*:\\s*(?:${ARG}(?:\\s*,\\s*${ARG})*)?\\s*\\}`;
const OUTER = "(?:[^$]|\\$(?!\\{))+";
const SIMPLE_INTERPOLATION = new RegExp(`^(?:${OUTER})?(?:(?:${NODE}|${RESOLVER})(?:${OUTER})?)+$`);

function parseCached(text: string): TextAst {
  let ast = AST_CACHE.get(text);
  if (!ast) {
    if (AST_CACHE.size > 10_000) AST_CACHE.clear();
    ast = parseText(text);
    AST_CACHE.set(text, ast);
  }
  return ast;
}

function defaultEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/**
 * Checks the interpolation syntax of every string under `value`, as OmegaConf does
 * when a value is stored (a config file is rejected at load, not at first use).
 *
 * @throws {ConfigSyntaxError} naming `source` and the key of the first malformed string
 */
export function checkInterpolations(
  value: ConfigValue,
  source: string,
  path: Segment[] = [],
): void {
  if (value instanceof Map) {
    for (const [k, v] of value) checkInterpolations(v, source, [...path, k]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkInterpolations(v, source, [...path, i]));
  } else if (isInterpolation(value) && !SIMPLE_INTERPOLATION.test(value)) {
    try {
      parseCached(value);
    } catch (err) {
      const detail = (err as Error).message.replace(/^Cannot parse interpolation in "[^]*?": /, "");
      throw new ConfigSyntaxError(
        `Cannot parse "${source}": bad interpolation "${value}"${
          path.length ? ` at "${formatPath(path)}"` : ""
        }: ${detail}`,
        { source },
        { cause: err },
      );
    }
  }
}

/** Resolves the interpolations of one config tree. */
export class Interpolator {
  /** The tree being resolved. */
  readonly root: ConfigMap;
  #resolvers: ResolverRegistry;
  #env: (name: string) => string | undefined;
  #now: () => Date;
  #cache: Map<string, ConfigValue>;
  #hydraRoot?: ConfigMap;
  #hydra?: Interpolator;
  #stack: Segment[][] = [];

  /** Creates a resolver over `root`. */
  constructor(root: ConfigMap, options: ResolveOptions = {}) {
    this.root = root;
    this.#resolvers = options.resolvers ?? globalResolvers;
    this.#env = options.env ?? defaultEnv;
    this.#now = options.now ?? (() => new Date());
    this.#cache = options.cache ?? new Map();
    this.#hydraRoot = options.hydraRoot;
  }

  /**
   * The value at `path`, interpolations resolved.
   *
   * @throws {MissingValueError} when the value (or what it points at) is `???`
   * @throws {InterpolationError} when an interpolation cannot be resolved
   */
  get(path: Segment[]): ConfigValue | undefined {
    const value = getAt(this.root, path);
    if (value === MISSING) throw missingError(path);
    if (value === undefined) return undefined;
    try {
      return this.deref(path).value;
    } catch (err) {
      if (err instanceof InterpolationToMissingError) {
        throw new MissingValueError(err.message, { cause: err });
      }
      throw err;
    }
  }

  /** Dereferences the node at `path`: its interpolation resolved, or itself. */
  deref(path: Segment[]): Ref {
    const value = getAt(this.root, path) as ConfigValue;
    if (!isInterpolation(value)) return { value, path };
    const id = JSON.stringify(path);
    const at = this.#stack.findIndex((p) => JSON.stringify(p) === id);
    if (at >= 0) {
      const chain = [...this.#stack.slice(at), path].map((p) => formatPath(p)).join(" -> ");
      throw new InterpolationError(
        `Cannot resolve "${value}" in "${formatPath(path)}": cyclic interpolation: ${chain}`,
      );
    }
    this.#stack.push(path);
    try {
      return this.evaluate(value, path);
    } finally {
      this.#stack.pop();
    }
  }

  /** Evaluates a config string as if it were the value at `nodePath`. */
  evaluate(text: string, nodePath?: Segment[]): Ref {
    let ast: TextAst;
    try {
      ast = parseCached(text);
    } catch (err) {
      throw new InterpolationError(
        `${(err as Error).message}${nodePath ? ` (in "${formatPath(nodePath)}")` : ""}`,
        { cause: err },
      );
    }
    const base = nodePath ? nodePath.slice(0, -1) : [];
    if (ast.single) return this.#interp(ast.parts[0] as Interp, base, nodePath);
    let out = "";
    for (const part of ast.parts) {
      out += typeof part === "string" ? part : pyStr(this.#interp(part, base, nodePath).value);
    }
    return { value: out };
  }

  /**
   * Looks `key` up as `OmegaConf.select` does: absolute unless it starts with `.`
   * (then relative to `base`); undefined when absent or `???`.
   */
  select(key: string, base: Segment[] = []): Ref | undefined {
    const { start, rest } = this.#locate(key, base);
    return this.#walk(start, rest, false);
  }

  #locate(key: string, base: Segment[]): { start: Ref; rest: string } {
    if (!key.startsWith(".")) return { start: { value: this.root, path: [] }, rest: key };
    let path = base;
    let rest = key.slice(1);
    while (rest.startsWith(".")) {
      if (path.length === 0) {
        throw new InterpolationError(`Cannot resolve key "${key}": above the root`);
      }
      path = path.slice(0, -1);
      rest = rest.slice(1);
    }
    return { start: { value: getAt(this.root, path) as ConfigValue, path }, rest };
  }

  #walk(start: Ref, rest: string, throwOnMissing: boolean): Ref | undefined {
    if (rest === "") return start;
    const segs = splitKey(rest);
    let cur = start;
    for (let i = 0; i < segs.length; i++) {
      const child = childOf(cur.value, segs[i]);
      if (child === undefined) return undefined;
      const path = cur.path && [...cur.path, segmentFor(cur.value, segs[i])];
      if (child === MISSING) {
        if (!throwOnMissing) return undefined;
        throw new InterpolationToMissingError(
          `Cannot resolve "${rest}": "${path ? formatPath(path) : rest}" is missing (???)`,
        );
      }
      if (isInterpolation(child)) cur = path ? this.deref(path) : this.evaluate(child);
      else cur = { value: child, path };
      if (i < segs.length - 1 && !isContainer(cur.value)) {
        throw new InterpolationError(
          `Cannot resolve "${rest}": "${segs.slice(0, i + 1).join(".")}" is not a container`,
        );
      }
    }
    return cur;
  }

  #interp(node: Interp, base: Segment[], nodePath: Segment[] | undefined): Ref {
    const where = nodePath ? formatPath(nodePath) : "";
    const fail = (detail: string, cause?: unknown): never => {
      throw new InterpolationError(`Cannot resolve "${node.text}" in "${where}": ${detail}`, {
        cause,
      });
    };
    if (node.kind === "node") {
      const key = node.path.map((p) => this.#keyPart(p, base, nodePath, fail)).join("");
      const { start, rest } = this.#locateOr(key, base, fail);
      let ref: Ref | undefined;
      try {
        ref = this.#walk(start, rest, true);
      } catch (err) {
        if (err instanceof InterpolationToMissingError) {
          throw new InterpolationToMissingError(
            `Cannot resolve "${node.text}" in "${where}": "${key}" is missing (???)`,
          );
        }
        throw err;
      }
      if (!ref) return fail(`key "${key}" not found`);
      if (
        ref.path && nodePath && ref.path.length < nodePath.length &&
        ref.path.every((s, i) => s === nodePath[i])
      ) {
        fail("interpolation to a parent node");
      }
      return ref;
    }
    const name = node.name.map((p) => this.#keyPart(p, base, nodePath, fail)).join(".");
    const entry = this.#resolvers.get(name);
    if (!entry) {
      return fail(
        `unknown resolver "${name}": registered are ${this.#resolvers.names().join(", ")}`,
      );
    }
    const args = node.args.map((a) => (a === null ? "" : this.#element(a, base, nodePath)));
    const cacheKey = `${name}\0${JSON.stringify(node.argTexts)}`;
    if (entry.cache && this.#cache.has(cacheKey)) return { value: this.#cache.get(cacheKey)! };
    let value: ConfigValue;
    try {
      value = resolverResult(
        entry.fn(resolverArgs(entry, args), this.#context(base, nodePath)),
        name,
      );
    } catch (err) {
      if (err instanceof InterpolationError || err instanceof MissingValueError) throw err;
      return fail((err as Error).message ?? String(err), err);
    }
    if (entry.cache) this.#cache.set(cacheKey, value);
    return { value, config: entry.returnsConfig };
  }

  #locateOr(key: string, base: Segment[], fail: (d: string) => never) {
    try {
      return this.#locate(key, base);
    } catch {
      return fail(`key "${key}" goes above the root`);
    }
  }

  #keyPart(
    part: string | { sep: string } | Interp,
    base: Segment[],
    nodePath: Segment[] | undefined,
    fail: (detail: string) => never,
  ): string {
    if (typeof part === "string") return part;
    if ("sep" in part) return part.sep;
    const value = this.#interp(part, base, nodePath).value;
    return typeof value === "string"
      ? value
      : fail(`key interpolation "${part.text}" is not a string`);
  }

  #element(el: Element, base: Segment[], nodePath: Segment[] | undefined): ConfigValue {
    switch (el.kind) {
      case "quoted": {
        if (el.text.single) {
          return pyStr(this.#interp(el.text.parts[0] as Interp, base, nodePath).value);
        }
        return el.text.parts.map((p) =>
          typeof p === "string" ? p : pyStr(this.#interp(p, base, nodePath).value)
        ).join("");
      }
      case "list":
        return el.items.map((i) => (i === null ? "" : this.#element(i, base, nodePath)));
      case "dict": {
        const out: ConfigMap = new Map();
        for (const [key, value] of el.entries) {
          out.set(keyText(primitive(key)), this.#element(value, base, nodePath));
        }
        return out;
      }
      case "prim": {
        if (el.items.length === 1) {
          const item = el.items[0];
          return "kind" in item ? this.#interp(item, base, nodePath).value : primitive([item]);
        }
        return el.items.map((item) => {
          if ("kind" in item) return pyStr(this.#interp(item, base, nodePath).value);
          return item.type === "ESC" ? unescapeEsc(item.text) : item.text;
        }).join("");
      }
    }
  }

  #context(base: Segment[], nodePath: Segment[] | undefined): ResolverContext {
    return {
      key: formatPath(nodePath ?? []),
      select: (key) => this.select(key, base)?.value,
      decode: (text) => {
        const el = parseElement(text);
        return this.#element(el, base, nodePath);
      },
      hydraSelect: (key) => this.#hydraEngine().select(`hydra.${key}`)?.value,
      env: this.#env,
      now: this.#now,
    };
  }

  #hydraEngine(): Interpolator {
    if (!this.#hydraRoot || this.#hydraRoot === this.root) return this;
    this.#hydra ??= new Interpolator(this.#hydraRoot, {
      resolvers: this.#resolvers,
      env: this.#env,
      now: this.#now,
      cache: this.#cache,
    });
    return this.#hydra;
  }
}

/** The error for reading a `???` value at `path`. */
export function missingError(path: Segment[]): MissingValueError {
  return new MissingValueError(
    `Missing mandatory value "${formatPath(path)}": give it on the command line (${
      formatPath(path)
    }=VALUE)`,
  );
}

function primitive(tokens: { type: string; text: string }[]): ConfigValue {
  if (tokens.length > 1) {
    return tokens.map((t) => (t.type === "ESC" ? unescapeEsc(t.text) : t.text)).join("");
  }
  const { type, text } = tokens[0];
  switch (type) {
    case "NULL":
      return null;
    case "INT":
      return pyInt(text);
    case "FLOAT":
      return new Float(pyFloat(text));
    case "BOOL":
      return text.toLowerCase() === "true";
    case "ESC":
      return unescapeEsc(text);
    default:
      return text;
  }
}

/** Text of a dict key given as a typed value (`1`, `true`, `null`). */
export function keyText(value: ConfigValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  return pyStr(value);
}
