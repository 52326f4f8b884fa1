/**
 * Merging config trees with OmegaConf's rules: dicts merge key by key, lists and
 * scalars replace, a `???` in the source keeps the destination's value, and in
 * struct mode (after composition) a merge cannot add keys.
 *
 * @module
 */
import { ConfigCompositionError } from "./errors.ts";
import { formatPath, type Segment } from "./keys.ts";
import {
  type ConfigMap,
  deepCopy,
  isContainer,
  isInterpolation,
  isList,
  isMap,
  MISSING,
} from "./values.ts";

/** A key was added to a dict in struct mode (OmegaConf's "Key 'x' is not in struct"). */
export class StructKeyError extends ConfigCompositionError {
  /** Path of the key that could not be added. */
  readonly path: Segment[];
  /** Creates the error for `path`. */
  constructor(path: Segment[]) {
    super(`Key "${path[path.length - 1]}" is not in struct: ${formatPath(path)}`);
    this.path = path;
  }
}

/** How a merge treats new keys and interpolations in the destination. */
export interface MergeOptions {
  /** Reject keys that the destination does not have. Default false. */
  struct?: boolean;
  /** Path of `dest` in its tree (for messages). */
  path?: Segment[];
  /** Resolves an interpolation of the destination to the dict it points at, if it does. */
  derefDict?: (text: string, path: Segment[]) => ConfigMap | undefined;
}

/**
 * Merges `src` into `dest` in place (`src` is not modified; its nodes are copied).
 *
 * @throws {StructKeyError} when `struct` is set and `src` has a key `dest` lacks
 * @throws {ConfigCompositionError} when a dict meets a list
 */
export function mergeInto(dest: ConfigMap, src: ConfigMap, options: MergeOptions = {}): void {
  const base = options.path ?? [];
  for (const [key, srcValue] of src) {
    const path = [...base, key];
    const destValue = dest.get(key);
    if (destValue === undefined) {
      if (options.struct) throw new StructKeyError(path);
      dest.set(key, deepCopy(srcValue));
      continue;
    }
    if (srcValue === MISSING && destValue !== MISSING) continue;
    if (isMap(destValue) && isMap(srcValue)) {
      mergeInto(destValue, srcValue, { ...options, path });
    } else if (
      isContainer(destValue) && isContainer(srcValue) && isList(destValue) !== isList(srcValue)
    ) {
      const [d, s] = isList(destValue) ? ["list", "dict"] : ["dict", "list"];
      throw new ConfigCompositionError(
        `Cannot merge a ${s} into the ${d} at "${formatPath(path)}"`,
      );
    } else if (isMap(srcValue) && isInterpolation(destValue) && options.derefDict) {
      const target = options.derefDict(destValue, path);
      const copy = target ? deepCopy(target) : new Map();
      mergeInto(copy, srcValue, { ...options, path, struct: false });
      dest.set(key, copy);
    } else {
      dest.set(key, deepCopy(srcValue));
    }
  }
}

/**
 * Merges configs left to right into a new tree (`OmegaConf.merge`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeConfigs, parseConfig, toPlain } from "./mod.ts";
 * const a = parseConfig("x: {y: 1, z: [1]}\nk: 1\n").root;
 * const b = parseConfig("x: {z: [2]}\nk: ???\n").root;
 * assert.deepEqual(toPlain(mergeConfigs(a, b)), { x: { y: 1, z: [2] }, k: 1 });
 * ```
 */
export function mergeConfigs(...configs: ConfigMap[]): ConfigMap {
  const out: ConfigMap = new Map();
  for (const cfg of configs) mergeInto(out, cfg);
  return out;
}
