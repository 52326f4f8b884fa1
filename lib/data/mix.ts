import { type Dataset, makeDataset } from "./dataset.ts";

/**
 * Re-expresses a data set's labels in another class list, matching by name
 * (e.g. an export that only holds "3" and "8" onto the model's "0".."9").
 *
 * @param ds the data set
 * @param classes the target class list
 * @param options `aliases` maps a class name of `ds` to a name in `classes`
 * @returns a data set sharing `ds`'s samples, labelled in `classes`
 * @throws {RangeError} when a class of `ds` has no match in `classes`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeDataset, remapClasses } from "./mod.ts";
 * const ds = makeDataset({
 *   name: "x", classes: ["cat", "dog"], labels: new Int32Array([0, 1]),
 *   source: new Uint8Array(2), item: new Int32Array([0, 1]),
 *   sources: [{ kind: "tensor", name: "x", pixels: new Float32Array(2), dims: [1, 1, 1] }],
 * });
 * const r = remapClasses(ds, ["bird", "dog", "cat"]);
 * assert.deepEqual([...r.labels], [2, 1]);
 * ```
 */
export function remapClasses(
  ds: Dataset,
  classes: readonly string[],
  options: { aliases?: Readonly<Record<string, string>> } = {},
): Dataset {
  const aliases = options.aliases ?? {};
  const map = ds.classes.map((name) => {
    const target = aliases[name] ?? name;
    const index = classes.indexOf(target);
    if (index < 0) {
      throw new RangeError(
        `Cannot remap the classes of "${ds.name}": "${target}" is not in the class list ` +
          `(valid: ${classes.join(", ")}; add an alias)`,
      );
    }
    return index;
  });
  return { ...ds, classes: [...classes], labels: ds.labels.map((l) => map[l]!) };
}

/** Options of {@linkcode mixDatasets}. */
export interface MixOptions {
  /**
   * Fraction of the mixed set's samples taken from `b`, in [0, 1). `b`'s samples repeat
   * as often as needed (each repeat gets its own augmentation). Default: all of `a`
   * followed by all of `b`.
   */
  ratio?: number;
  /** Name of the result (default `a+b`). */
  name?: string;
}

/**
 * Mixes two data sets with the same class list, e.g. the original training data with
 * relabelled examples: all of `a` plus `round(|a| · ratio / (1 − ratio))` samples cycling
 * through `b`. The loader shuffles the result.
 *
 * @param a the main data set
 * @param b the data set mixed in
 * @param options ratio and name
 * @returns the mixed data set (sources of both, `a`'s first)
 * @throws {RangeError} when the class lists differ, the ratio is out of range or `b` is
 *   empty while a share of it is asked for
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeDataset, mixDatasets } from "./mod.ts";
 * const toy = (name: string, n: number) => makeDataset({
 *   name, classes: ["a"], labels: new Int32Array(n), source: new Uint8Array(n),
 *   item: Int32Array.from({ length: n }, (_, i) => i),
 *   sources: [{ kind: "tensor", name, pixels: new Float32Array(n), dims: [1, 1, 1] }],
 * });
 * const mixed = mixDatasets(toy("orig", 80), toy("relabeled", 3), { ratio: 0.2 });
 * assert.equal(mixed.length, 100);
 * ```
 */
export function mixDatasets(a: Dataset, b: Dataset, options: MixOptions = {}): Dataset {
  const { ratio, name = `${a.name}+${b.name}` } = options;
  if (a.classes.join("\u0000") !== b.classes.join("\u0000")) {
    throw new RangeError(
      `Cannot mix "${a.name}" and "${b.name}": their classes differ ` +
        `(${a.classes.join(", ")} vs ${b.classes.join(", ")}); remap them with remapClasses first`,
    );
  }
  if (ratio !== undefined && !(ratio >= 0 && ratio < 1)) {
    throw new RangeError(`Invalid mix ratio ${JSON.stringify(ratio)}: expected a number in [0, 1)`);
  }
  const nb = ratio === undefined ? b.length : Math.round((a.length * ratio) / (1 - ratio));
  if (nb > 0 && b.length === 0) {
    throw new RangeError(`Cannot mix in "${b.name}": it has no samples`);
  }
  const n = a.length + nb;
  const source = new Uint8Array(n);
  const item = new Int32Array(n);
  const labels = new Int32Array(n);
  source.set(a.source);
  item.set(a.item);
  labels.set(a.labels);
  const offset = a.sources.length;
  for (let k = 0; k < nb; k++) {
    const j = k % b.length;
    source[a.length + k] = b.source[j]! + offset;
    item[a.length + k] = b.item[j]!;
    labels[a.length + k] = b.labels[j]!;
  }
  return makeDataset({
    name,
    classes: a.classes,
    sources: [...a.sources, ...b.sources],
    source,
    item,
    labels,
  });
}
