/**
 * {@link Config}: a composed config tree with the context its interpolations
 * resolve in (resolvers, environment, clock, Hydra's node), and the ways to
 * read it: resolved values, plain objects, YAML.
 *
 * @module
 */
import { checkInterpolations, Interpolator, type ResolveOptions } from "./interpolation.ts";
import { getAt, type Segment, splitKey } from "./keys.ts";
import { resolveInPlace, toContainer } from "./resolve_tree.ts";
import { parseYaml, toYaml } from "./yaml_io.ts";
import {
  type ConfigMap,
  type ConfigValue,
  deepCopy,
  isMap,
  type PlainValue,
  toPlain,
} from "./values.ts";

/** Options of {@link Config.toObject}. */
export interface ToObjectOptions {
  /** Resolve interpolations. Default true. */
  resolve?: boolean;
  /** Throw on `???` values. Default: same as `resolve`. */
  throwOnMissing?: boolean;
}

/**
 * A config tree and the context its interpolations resolve in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./mod.ts";
 * const cfg = parseConfig("lr: 1e-3\nname: run_${lr}\nroot: ???\n");
 * assert.equal(cfg.get("name"), "run_0.001");
 * assert.deepEqual(cfg.toObject({ throwOnMissing: false }), { lr: 0.001, name: "run_0.001", root: "???" });
 * assert.equal(cfg.toYaml(), "lr: 0.001\nname: run_${lr}\nroot: ???\n");
 * ```
 */
export class Config {
  /** The tree (dicts are `Map`s, floats {@link Float}s). */
  readonly root: ConfigMap;
  /** Resolvers, environment, clock and cache used to resolve interpolations. */
  readonly options: ResolveOptions;

  /** Wraps a tree; a resolver cache is created when none is given. */
  constructor(root: ConfigMap, options: ResolveOptions = {}) {
    this.root = root;
    this.options = { ...options, cache: options.cache ?? new Map() };
  }

  /** An interpolator over this tree. */
  interpolator(): Interpolator {
    return new Interpolator(this.root, this.options);
  }

  /**
   * The resolved value at a dotted key (`trainer.lr`, `model.layers[0]`), as plain JavaScript;
   * the whole config for `""`.
   *
   * @throws {RangeError} when the key does not exist
   * @throws {MissingValueError} when the value is `???`
   * @throws {InterpolationError} when an interpolation cannot be resolved
   */
  get(key = ""): PlainValue {
    const path = this.#path(key);
    if (getAt(this.root, path) === undefined) {
      throw new RangeError(`Cannot read "${key}": no such key`);
    }
    const resolver = this.interpolator();
    resolver.get(path);
    return toPlain(toContainer(resolver, path, { resolve: true, throwOnMissing: true }));
  }

  /** True when the key exists (its value may be `???` or an interpolation). */
  has(key: string): boolean {
    let node: ConfigValue | undefined = this.root;
    for (const seg of splitKey(key)) {
      if (isMap(node)) node = node.get(seg);
      else if (Array.isArray(node)) node = node[Number(seg)];
      else return false;
      if (node === undefined) return false;
    }
    return true;
  }

  /** The tree as plain JavaScript objects, resolved by default. */
  toObject(options: ToObjectOptions = {}): { [key: string]: PlainValue } {
    const { resolve = true, throwOnMissing = resolve } = options;
    const tree = toContainer(this.interpolator(), [], { resolve, throwOnMissing });
    return toPlain(tree) as { [key: string]: PlainValue };
  }

  /** YAML text; interpolations and `???` are kept unless `resolve` is set. */
  toYaml(options: { resolve?: boolean } = {}): string {
    return toYaml(options.resolve ? this.resolved().root : this.root);
  }

  /**
   * A copy whose interpolations are replaced by their values (`OmegaConf.resolve`);
   * interpolations to `???` become `???`.
   *
   * @throws {InterpolationError} when an interpolation cannot be resolved
   */
  resolved(): Config {
    const copy = new Config(deepCopy(this.root), {
      ...this.options,
      hydraRoot: this.options.hydraRoot ?? this.root,
    });
    resolveInPlace(copy.interpolator());
    return copy;
  }

  /** A deep copy sharing the resolve context. */
  copy(): Config {
    return new Config(deepCopy(this.root), this.options);
  }

  /** The config without its `hydra` node (what the job sees), still able to resolve `${hydra:...}`. */
  job(): Config {
    const root = deepCopy(this.root);
    root.delete("hydra");
    return new Config(root, { ...this.options, hydraRoot: this.options.hydraRoot ?? this.root });
  }

  /** Only the `hydra` node (Hydra's `--cfg hydra`, without its help texts). */
  hydra(): Config {
    const node = deepCopy(this.root.get("hydra") ?? new Map());
    if (isMap(node)) {
      node.delete("help");
      node.delete("hydra_help");
    }
    return new Config(new Map([["hydra", node]]), {
      ...this.options,
      hydraRoot: this.options.hydraRoot ?? this.root,
    });
  }

  #path(key: string): Segment[] {
    return key === "" ? [] : splitKey(key);
  }
}

/**
 * A config from YAML text (OmegaConf's loading rules), without composition.
 *
 * @throws {ConfigSyntaxError} for malformed YAML
 * @throws {TypeError} when the top level is not a mapping
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./mod.ts";
 * assert.deepEqual(parseConfig("a: yes\nb: 017\n").toObject(), { a: true, b: 15 });
 * ```
 */
export function parseConfig(
  text: string,
  options: ResolveOptions & { source?: string } = {},
): Config {
  const source = options.source ?? "<text>";
  const tree = parseYaml(text, source);
  if (!isMap(tree)) {
    throw new TypeError(`Cannot use "${source}" as a config: the top level must be a mapping`);
  }
  checkInterpolations(tree, source);
  return new Config(tree, options);
}

/** A config from a YAML file, without composition (see {@link parseConfig}). */
export function loadConfig(path: string, options: ResolveOptions = {}): Config {
  return parseConfig(Deno.readTextFileSync(path), { ...options, source: path });
}
