/**
 * Whole-tree operations over an {@link Interpolator}: resolving every
 * interpolation in place (`OmegaConf.resolve`, what `--resolve` prints), and
 * copying a subtree with or without resolution (`OmegaConf.to_container`).
 *
 * @module
 */
import { InterpolationError } from "./errors.ts";
import {
  InterpolationToMissingError,
  type Interpolator,
  missingError,
  type Ref,
} from "./interpolation.ts";
import { formatPath, getAt, type Segment, setAt } from "./keys.ts";
import {
  type ConfigMap,
  type ConfigValue,
  deepCopy,
  isContainer,
  isInterpolation,
  MISSING,
} from "./values.ts";

/**
 * Replaces every interpolation under `path` by its value, in place. An
 * interpolation to a `???` value becomes `???`; a dict or list returned by a
 * resolver not declared `returnsConfig` is rejected, as OmegaConf does.
 *
 * @throws {InterpolationError} when an interpolation cannot be resolved
 */
export function resolveInPlace(interp: Interpolator, path: Segment[] = []): void {
  const node = getAt(interp.root, path);
  if (node instanceof Map) {
    for (const key of [...node.keys()]) resolveChild(interp, [...path, key]);
  } else if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) resolveChild(interp, [...path, i]);
  }
}

function resolveChild(interp: Interpolator, path: Segment[]): void {
  const root = interp.root;
  const value = getAt(root, path) as ConfigValue;
  if (!isInterpolation(value)) {
    if (isContainer(value)) resolveInPlace(interp, path);
    return;
  }
  let ref: Ref;
  try {
    ref = interp.deref(path);
  } catch (err) {
    if (!(err instanceof InterpolationToMissingError)) throw err;
    setAt(root, path, MISSING);
    return;
  }
  if (!isContainer(ref.value)) {
    setAt(root, path, ref.value);
  } else if (ref.path) {
    resolveInPlace(interp, ref.path);
    setAt(root, path, deepCopy(getAt(root, ref.path) as ConfigValue));
  } else if (ref.config) {
    setAt(root, path, deepCopy(ref.value));
    resolveInPlace(interp, path);
  } else {
    const kind = ref.value instanceof Map ? "dict" : "list";
    throw new InterpolationError(
      `Cannot resolve "${value}" in "${
        formatPath(path)
      }": Value '${kind}' is not a supported primitive type`,
    );
  }
}

/**
 * A copy of the subtree at `path`, interpolations resolved when `resolve` is set.
 *
 * @throws {MissingValueError} for `???` values when `throwOnMissing` is set
 * @throws {InterpolationError} when an interpolation cannot be resolved
 */
export function toContainer(
  interp: Interpolator,
  path: Segment[],
  options: { resolve: boolean; throwOnMissing: boolean },
): ConfigValue {
  let value = getAt(interp.root, path) as ConfigValue;
  let at: Segment[] | undefined = path;
  if (options.resolve && isInterpolation(value)) {
    const ref = interp.deref(path);
    value = ref.value;
    at = ref.path;
  }
  if (value === MISSING && options.throwOnMissing) throw missingError(path);
  if (!isContainer(value)) return value;
  if (!at) return deepCopy(value);
  const where = at;
  if (value instanceof Map) {
    const out: ConfigMap = new Map();
    for (const key of value.keys()) out.set(key, toContainer(interp, [...where, key], options));
    return out;
  }
  return value.map((_, i) => toContainer(interp, [...where, i], options));
}
