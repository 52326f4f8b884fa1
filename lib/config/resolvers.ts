/**
 * Resolvers: the functions behind `${name:args}` interpolations. OmegaConf's
 * built-ins (`oc.env`, `oc.decode`, `oc.select`, `oc.create`, `oc.dict.keys`,
 * `oc.dict.values`) and Hydra's (`now`, `hydra`) are registered up front; more
 * are registered from TypeScript with {@link registerResolver}.
 *
 * @module
 */
import { pyStr } from "./_pyrepr.ts";
import { strftime } from "./_strftime.ts";
import { parseYaml } from "./yaml_io.ts";
import { type ConfigMap, type ConfigValue, fromPlain, isMap, toPlain } from "./values.ts";

/** What a resolver can see and do while it runs. */
export interface ResolverContext {
  /** Dotted key of the node being resolved (`trainer.lr`). */
  readonly key: string;
  /** Looks a key up as `oc.select` does (absolute unless it starts with `.`); undefined when absent or `???`. */
  select(key: string): ConfigValue | undefined;
  /** Evaluates text as one grammar value (`oc.decode`), interpolations relative to the node's parent. */
  decode(text: string): ConfigValue;
  /** Looks a key up in Hydra's node (`hydra:` resolver); undefined when absent. */
  hydraSelect(key: string): ConfigValue | undefined;
  /** An environment variable, undefined when unset. */
  env(name: string): string | undefined;
  /** The clock used by `now`. */
  now(): Date;
}

/** A resolver: receives the parsed arguments and a context, returns the value. */
export type ResolverFunction = (args: unknown[], context: ResolverContext) => unknown;

/** How a resolver is registered. */
export interface ResolverOptions {
  /** Same arguments give the same value within one config (as `now` does). Default false. */
  cache?: boolean;
  /** Replace an existing resolver of the same name instead of throwing. Default false. */
  replace?: boolean;
  /** Pass arguments as config values (`Map`, `Float`) rather than plain JavaScript. Default false. */
  rawArgs?: boolean;
  /** A returned dict or list is a config node (`oc.create`), kept by in-place resolution. */
  returnsConfig?: boolean;
}

/** A registered resolver. */
export interface ResolverEntry extends Required<Omit<ResolverOptions, "replace">> {
  fn: ResolverFunction;
}

/** A set of named resolvers. */
export class ResolverRegistry {
  #entries = new Map<string, ResolverEntry>();

  /**
   * Registers a resolver under `name` (dotted names such as `my.add` are fine).
   *
   * @throws {RangeError} when the name is taken and `replace` is not set, or is not a valid name
   */
  register(name: string, fn: ResolverFunction, options: ResolverOptions = {}): void {
    if (!/^[a-zA-Z_][\w-]*(\.[a-zA-Z_][\w-]*)*$/.test(name)) {
      throw new RangeError(`Cannot register resolver "${name}": not a valid resolver name`);
    }
    if (this.#entries.has(name) && !options.replace) {
      throw new RangeError(`Cannot register resolver "${name}": already registered`);
    }
    const { cache = false, rawArgs = false, returnsConfig = false } = options;
    this.#entries.set(name, { fn, cache, rawArgs, returnsConfig });
  }

  /** The resolver named `name`, if any. */
  get(name: string): ResolverEntry | undefined {
    return this.#entries.get(name);
  }

  /** Removes a resolver; true if it was there. */
  unregister(name: string): boolean {
    return this.#entries.delete(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** A copy to which more resolvers can be added without touching this one. */
  clone(): ResolverRegistry {
    const copy = new ResolverRegistry();
    for (const [name, entry] of this.#entries) copy.#entries.set(name, { ...entry });
    return copy;
  }
}

function needString(name: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} needs a string key, got ${pyStr(value)}`);
  }
  return value;
}

function selectDict(name: string, args: unknown[], ctx: ResolverContext): ConfigMap {
  const key = needString(name, args[0]);
  const found = ctx.select(key);
  if (found === undefined) throw new RangeError(`Key not found: '${key}'`);
  if (!isMap(found)) throw new TypeError(`${name} cannot be applied to a non-dict value`);
  return found;
}

function builtins(): ResolverRegistry {
  const r = new ResolverRegistry();
  const raw = { rawArgs: true };
  r.register("oc.env", ([key, ...rest], ctx) => {
    const value = ctx.env(needString("oc.env", key));
    if (value !== undefined) return value;
    if (rest.length > 0) return rest[0] === null ? null : pyStr(rest[0]);
    throw new RangeError(`Environment variable '${key}' not found`);
  }, raw);
  r.register("oc.decode", ([text], ctx) => {
    if (text === null) return null;
    if (typeof text !== "string") {
      throw new TypeError(`oc.decode can only take strings or None as input, got ${pyStr(text)}`);
    }
    return ctx.decode(text);
  }, raw);
  r.register("oc.select", ([key, ...rest], ctx) => {
    const found = ctx.select(needString("oc.select", key));
    if (found !== undefined) return found;
    return rest.length > 0 ? rest[0] : null;
  }, { ...raw, returnsConfig: true });
  r.register("oc.create", ([obj]) => {
    return typeof obj === "string" ? parseYaml(obj, "oc.create") : obj;
  }, { ...raw, returnsConfig: true });
  r.register("oc.dict.keys", (args, ctx) => [...selectDict("oc.dict.keys", args, ctx).keys()], {
    ...raw,
    returnsConfig: true,
  });
  r.register("oc.dict.values", (args, ctx) => {
    const dict = selectDict("oc.dict.values", args, ctx);
    const key = args[0] as string;
    return [...dict.keys()].map((k) => ctx.select(`${key}.${k}`) ?? null);
  }, { ...raw, returnsConfig: true });
  r.register("now", ([pattern], ctx) => strftime(ctx.now(), pyStr(pattern)), { cache: true });
  r.register("hydra", ([key], ctx) => ctx.hydraSelect(needString("hydra", key)) ?? null, {
    ...raw,
    returnsConfig: true,
  });
  return r;
}

/** The resolvers every config uses unless given its own registry. */
export const globalResolvers: ResolverRegistry = builtins();

/**
 * Registers a resolver for every config (as `OmegaConf.register_new_resolver`).
 *
 * @param name the name used in `${name:args}`
 * @param fn receives the arguments (plain JavaScript values unless `rawArgs`) and a context
 * @param options caching, replacing, argument form
 * @throws {RangeError} when the name is taken (and `replace` is not set) or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig, registerResolver } from "./mod.ts";
 * registerResolver("twice", ([x]) => Number(x) * 2, { replace: true });
 * const cfg = parseConfig("a: 21\nb: ${twice:${a}}\n");
 * assert.equal(cfg.get("b"), 42);
 * ```
 */
export function registerResolver(
  name: string,
  fn: ResolverFunction,
  options: ResolverOptions = {},
): void {
  globalResolvers.register(name, fn, options);
}

/** Converts resolver arguments to the form the resolver asked for. */
export function resolverArgs(entry: ResolverEntry, args: ConfigValue[]): unknown[] {
  return entry.rawArgs ? args : args.map((a) => toPlain(a));
}

/** Converts a resolver's return value to a config value. */
export function resolverResult(value: unknown, name: string): ConfigValue {
  return fromPlain(value, `result of resolver "${name}"`);
}
