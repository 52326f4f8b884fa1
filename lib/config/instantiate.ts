/**
 * `_target_` instantiation as Hydra's `instantiate()`, through an explicit
 * registry of TypeScript factories (target names are looked up, never
 * evaluated). A node `{_target_: name, _args_: [...], ...kwargs}` becomes
 * `factory(kwargs, ...args)`; `_partial_: true` gives a function that takes more
 * (`(moreKwargs, ...moreArgs)`); `_recursive_: false` passes nested configs as plain
 * objects; `_convert_` is accepted and ignored (results are plain objects anyway).
 *
 * @module
 */
import { Config } from "./config.ts";
import { InstantiationError } from "./errors.ts";
import type { ConfigMap, PlainValue } from "./values.ts";

/** A factory: keyword arguments first, then positional ones. */
// deno-lint-ignore no-explicit-any
export type TargetFactory = (kwargs: Record<string, any>, ...args: any[]) => unknown;

/** Named factories that `_target_` can refer to. */
export class TargetRegistry {
  #factories = new Map<string, TargetFactory>();

  /**
   * Registers `factory` under `name` (e.g. `lifecycle.optim.Adam`).
   *
   * @throws {RangeError} when the name is already taken
   */
  register(name: string, factory: TargetFactory): this {
    if (this.#factories.has(name)) {
      throw new RangeError(`Cannot register target "${name}": already registered`);
    }
    this.#factories.set(name, factory);
    return this;
  }

  /** The factory named `name`, if registered. */
  get(name: string): TargetFactory | undefined {
    return this.#factories.get(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#factories.keys()].sort();
  }
}

/** Options of {@link instantiate}. */
export interface InstantiateOptions {
  /** Where `_target_` names are looked up. */
  registry: TargetRegistry;
  /** Keyword arguments merged over the top-level node's. */
  kwargs?: Record<string, unknown>;
  /** Positional arguments replacing the top-level node's `_args_`. */
  args?: unknown[];
}

const RESERVED = new Set(["_target_", "_args_", "_partial_", "_recursive_", "_convert_"]);

type Plain = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Builds the objects a config describes.
 *
 * @param config a {@link Config}, a config tree or plain objects; interpolations are resolved first
 * @param options the registry, and call-time kwargs/args for the top node
 * @returns the factory's result (nested `_target_` nodes built first, unless `_recursive_: false`)
 * @throws {InstantiationError} for an unknown `_target_` (listing registered ones) or a failing factory
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instantiate, parseConfig, TargetRegistry } from "./mod.ts";
 * const registry = new TargetRegistry().register("point", ({ x, y }) => ({ x, y, norm: Math.hypot(x, y) }));
 * const cfg = parseConfig("_target_: point\nx: 3\ny: 4\n");
 * assert.equal((instantiate(cfg, { registry }) as { norm: number }).norm, 5);
 * ```
 */
export function instantiate(
  config: Config | ConfigMap | Plain,
  options: InstantiateOptions,
): unknown {
  const plain: unknown = config instanceof Config
    ? config.toObject({ resolve: true })
    : config instanceof Map
    ? new Config(config).toObject({ resolve: true })
    : config;
  if (!isPlainObject(plain)) {
    throw new TypeError("Cannot instantiate: the config must be a mapping");
  }
  const top: Plain = { ...plain, ...(options.kwargs ?? {}) };
  if (options.args) top._args_ = options.args;
  return build(top, options.registry, "", true);
}

function build(node: unknown, registry: TargetRegistry, path: string, recursive: boolean): unknown {
  if (Array.isArray(node)) {
    return recursive ? node.map((v, i) => build(v, registry, `${path}[${i}]`, true)) : node;
  }
  if (!isPlainObject(node)) return node;
  const rec = node._recursive_ === undefined ? recursive : node._recursive_ !== false;
  if (!("_target_" in node)) {
    if (!rec) return node;
    const out: Plain = {};
    for (const [k, v] of Object.entries(node)) out[k] = build(v, registry, join(path, k), true);
    return out;
  }
  const name = node._target_;
  if (typeof name !== "string") {
    throw new InstantiationError(
      `Cannot instantiate "${path || "<root>"}": _target_ must be a string`,
    );
  }
  const factory = registry.get(name);
  if (!factory) throw unknownTarget(name, path, registry);
  const kwargs: Plain = {};
  for (const [k, v] of Object.entries(node)) {
    if (!RESERVED.has(k)) kwargs[k] = rec ? build(v, registry, join(path, k), true) : v;
  }
  const rawArgs = node._args_ ?? [];
  if (!Array.isArray(rawArgs)) {
    throw new InstantiationError(`Cannot instantiate "${name}": _args_ must be a list`);
  }
  const args = rec
    ? rawArgs.map((a, i) => build(a, registry, `${join(path, "_args_")}[${i}]`, true))
    : rawArgs;
  const call = (kw: Plain, extra: unknown[]) => {
    try {
      return factory(kw, ...args, ...extra);
    } catch (err) {
      throw new InstantiationError(
        `Error in call to target "${name}"${path ? ` at "${path}"` : ""}: ${
          (err as Error).message ?? err
        }`,
        { cause: err },
      );
    }
  };
  if (node._partial_ === true) {
    return (more: Plain = {}, ...extra: unknown[]) => call({ ...kwargs, ...more }, extra);
  }
  return call(kwargs, []);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function unknownTarget(name: string, path: string, registry: TargetRegistry): InstantiationError {
  const known = registry.names();
  return new InstantiationError(
    `Cannot instantiate "${path || "<root>"}": unknown _target_ "${name}": ` +
      (known.length ? `registered targets are ${known.join(", ")}` : "no targets are registered"),
  );
}

/**
 * Checks that every `_target_` in a config names a registered factory, without
 * calling any.
 *
 * @throws {InstantiationError} naming the first unknown target and where it is
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig, TargetRegistry, validateTargets } from "./mod.ts";
 * const registry = new TargetRegistry().register("opt.sgd", (kw) => kw);
 * assert.throws(() => validateTargets(parseConfig("o: {_target_: opt.adam}\n"), registry), /unknown _target_ "opt.adam"/);
 * ```
 */
export function validateTargets(config: Config | PlainValue, registry: TargetRegistry): void {
  const plain = config instanceof Config
    ? config.toObject({ resolve: true, throwOnMissing: false })
    : config;
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isPlainObject(node)) {
      const name = node._target_;
      if (name !== undefined && (typeof name !== "string" || !registry.get(name))) {
        throw unknownTarget(String(name), path, registry);
      }
      for (const [k, v] of Object.entries(node)) walk(v, join(path, k));
    }
  };
  walk(plain, "");
}
