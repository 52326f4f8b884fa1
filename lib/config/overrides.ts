/**
 * Applying value overrides to a composed config, after the defaults list, in
 * struct mode, as Hydra does: `key=v` changes an existing key (a dict value
 * merges into an existing dict), `+key=v` adds a new one, `++key=v` adds or
 * changes, `~key` / `~key=v` delete.
 *
 * @module
 */
import { ConfigCompositionError, ConfigError, ConfigSyntaxError } from "./errors.ts";
import { checkInterpolations, Interpolator } from "./interpolation.ts";
import { childOf, formatPath, isIndex, type Segment, splitKey } from "./keys.ts";
import { mergeInto, StructKeyError } from "./merge.ts";
import { elementText, type Override, overrideValue } from "./override_types.ts";
import { pyStr } from "./_pyrepr.ts";
import {
  type ConfigMap,
  type ConfigValue,
  deepCopy,
  deepEqual,
  isContainer,
  isList,
  isMap,
} from "./values.ts";

/**
 * Applies value overrides (not group choices) to `cfg` in place.
 *
 * @throws {ConfigCompositionError} with Hydra's hints (`+key` to add, `++key` to force)
 */
export function applyOverrides(cfg: ConfigMap, overrides: Override[]): void {
  for (const o of overrides) {
    if (o.package !== undefined) {
      throw new ConfigCompositionError(
        `Override "${o.inputLine}" looks like a config group override, but config group "${o.keyOrGroup}" does not exist`,
      );
    }
    try {
      applyOne(cfg, o);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof ConfigSyntaxError) throw err;
      throw new ConfigCompositionError(
        `Error merging override "${o.inputLine}": ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

function applyOne(cfg: ConfigMap, o: Override): void {
  const key = o.keyOrGroup;
  const value = overrideValue(o);
  if (value !== undefined) checkInterpolations(value, o.inputLine);
  const selected = () => new Interpolator(cfg).select(key)?.value ?? null;
  if (o.type === "delete") {
    const current = selected();
    if (current === null) {
      throw new ConfigCompositionError(
        `Could not delete "${key}" from the config: the key does not exist`,
      );
    }
    if (value !== undefined && value !== null && !deepEqual(value, current)) {
      throw new ConfigCompositionError(
        `Could not delete "${key}" from the config: its value is ${pyStr(current)}, not ${
          pyStr(value)
        }`,
      );
    }
    deleteKey(cfg, key);
  } else if (o.type === "add") {
    if (selected() !== null && !isContainer(value)) {
      const line = o.inputLine;
      throw new ConfigCompositionError(
        `Could not append to the config: an item is already at "${key}"; either remove the + prefix ` +
          `(${line.slice(1)}) or add a second + to add or override it (+${line})`,
      );
    }
    update(cfg, key, value!, { forceAdd: true });
  } else if (o.type === "force_add") {
    update(cfg, key, value!, { forceAdd: true });
  } else {
    try {
      update(cfg, key, value!, { forceAdd: false });
    } catch (err) {
      if (!(err instanceof StructKeyError)) throw err;
      throw new ConfigCompositionError(
        `Could not override "${key}": the key is not in the config (${formatPath(err.path)}); ` +
          `to append to the config use +${o.inputLine}`,
        { cause: err },
      );
    }
  }
}

function deleteKey(cfg: ConfigMap, key: string): void {
  const segs = splitKey(key);
  const parent = segs.length === 1
    ? cfg
    : new Interpolator(cfg).select(segs.slice(0, -1).join("."))?.value;
  const last = segs[segs.length - 1];
  if (isMap(parent)) parent.delete(last);
  else if (isList(parent) && isIndex(last)) parent.splice(Number(last), 1);
}

/**
 * Sets `key` to `value` as `OmegaConf.update(merge=True)` does in struct mode:
 * missing intermediate dicts are created only with `forceAdd`, a dict value merges
 * into an existing dict.
 */
export function update(
  cfg: ConfigMap,
  key: string,
  value: ConfigValue,
  options: { forceAdd: boolean },
): void {
  const struct = !options.forceAdd;
  const segs = splitKey(key);
  let node: ConfigMap | ConfigValue[] = cfg;
  const path: Segment[] = [];
  for (const seg of segs.slice(0, -1)) {
    path.push(seg);
    let next = childOf(node, seg);
    if (!isContainer(next)) {
      next = new Map();
      put(node, seg, next, struct, path);
    }
    node = next;
  }
  const last = segs[segs.length - 1];
  path.push(last);
  const target = childOf(node, last);
  if (isContainer(value) && isContainer(target)) {
    if (isMap(target) && isMap(value)) return mergeInto(target, value, { struct, path });
    if (isList(target) && isList(value)) return put(node, last, deepCopy(value), struct, path);
    throw new ConfigCompositionError(
      `Cannot merge ${elementText(value)} into "${formatPath(path)}": a ${
        isMap(value) ? "dict" : "list"
      } ` +
        `cannot merge into a ${isMap(target) ? "dict" : "list"}`,
    );
  }
  put(node, last, deepCopy(value), struct, path);
}

function put(
  node: ConfigMap | ConfigValue[],
  seg: string,
  value: ConfigValue,
  struct: boolean,
  path: Segment[],
): void {
  if (isMap(node)) {
    if (struct && !node.has(seg)) throw new StructKeyError([...path]);
    node.set(seg, value);
    return;
  }
  if (!isIndex(seg)) throw new TypeError(`invalid list index "${seg}" in "${formatPath(path)}"`);
  const index = Number(seg.replaceAll("_", ""));
  if (index < 0 || index >= node.length) {
    throw new RangeError(`list index out of range in "${formatPath(path)}"`);
  }
  node[index] = value;
}
