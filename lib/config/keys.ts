/**
 * Dotted keys and paths into config trees: `a.b[0].c`, OmegaConf's `split_key`,
 * reading a child of a dict or list, and printing a path back.
 *
 * @module
 */
import { type ConfigValue, isList, isMap, keyText } from "./values.ts";

/** One step of a path: a dict key or a list index. */
export type Segment = string | number;

const HEAD = /^(\.)*[^.[]*/;
const OTHER = /\.([^.[]*)|\[(.*?)\]/y;

/**
 * Splits a dotted key as OmegaConf does: `a.b[c].d` -> `[a, b, c, d]`; leading
 * dots give empty strings (`.a` -> `["", "a"]`).
 */
export function splitKey(key: string): string[] {
  const head = HEAD.exec(key)![0];
  const tokens = head.split(".");
  if (head.length === key.length) return tokens;
  if (key[head.length] === "[" && tokens[tokens.length - 1] === "") tokens.pop();
  OTHER.lastIndex = head.length;
  let m: RegExpExecArray | null;
  while (OTHER.lastIndex < key.length && (m = OTHER.exec(key))) {
    tokens.push(m[1] ?? m[2]);
  }
  return tokens;
}

/** True for text Python's `int()` accepts as a list index. */
export function isIndex(text: string): boolean {
  return /^\s*[+-]?\d(_?\d)*\s*$/.test(text);
}

/** The child of a dict or list under `segment` (list indices may be given as text), or undefined. */
export function childOf(
  container: ConfigValue | undefined,
  segment: Segment,
): ConfigValue | undefined {
  if (isMap(container)) return container.get(String(segment));
  if (isList(container)) {
    const index = typeof segment === "number"
      ? segment
      : isIndex(segment)
      ? Number(segment.replaceAll("_", ""))
      : NaN;
    return Number.isInteger(index) && index >= 0 && index < container.length
      ? container[index]
      : undefined;
  }
  return undefined;
}

/** The node at `path`, or undefined when any step is absent. */
export function getAt(root: ConfigValue, path: readonly Segment[]): ConfigValue | undefined {
  let node: ConfigValue | undefined = root;
  for (const seg of path) {
    node = childOf(node, seg);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Normalizes a segment for the container it indexes (list indices become numbers). */
export function segmentFor(container: ConfigValue | undefined, segment: Segment): Segment {
  return isList(container) && typeof segment === "string" && isIndex(segment)
    ? Number(segment.replaceAll("_", ""))
    : segment;
}

/** Replaces the node at `path` (its parent must exist). */
export function setAt(root: ConfigValue, path: readonly Segment[], value: ConfigValue): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isMap(parent)) parent.set(String(last), value);
  else if (isList(parent)) parent[Number(last)] = value;
  else throw new RangeError(`Cannot set "${formatPath(path)}": parent is not a container`);
}

/** Prints a path as OmegaConf names nodes: `a.b[0].c`. */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? keyText(seg) : `.${keyText(seg)}`;
  }
  return out;
}
