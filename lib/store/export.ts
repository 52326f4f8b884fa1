import { writeImageFolderExport } from "../data/mod.ts";
import type { ExampleStore, LabeledExample, ListOptions } from "./types.ts";

/** Options of {@linkcode exportLabeled}. */
export interface ExportLabeledOptions {
  /** The class list (the model's classes); default: the labels found, sorted. */
  classes?: readonly string[];
  /** Replace an existing folder (default false). */
  overwrite?: boolean;
  /** Only this model's examples. */
  model?: ListOptions["model"];
  /** Time written as `created_at` (default now). */
  now?: Date;
}

/** What {@linkcode exportLabeled} wrote. */
export interface ExportSummary {
  dir: string;
  classes: string[];
  /** Examples written per class. */
  perClass: Record<string, number>;
  total: number;
}

function sortLabels(labels: Iterable<string>): string[] {
  const all = [...new Set(labels)];
  const numeric = all.every((l) => /^\d+$/.test(l));
  return all.sort((a, b) => numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Writes the labeled examples of a store as an image folder data set that the
 * training command reads (`deno task train data=image_folder data.root=<dir>`),
 * through lib/data's `writeImageFolderExport`: `dir/<label>/<id>.<png|jpg>`
 * plus `manifest.json` (format `lifecycle.image_folder`, classes, one entry per
 * example with its source id, label, labeled_at and the model's prediction),
 * written to a temporary sibling folder and renamed into place.
 *
 * @param store the store
 * @param dir the folder to create
 * @param options classes, overwrite, model filter
 * @returns what was written
 * @throws {RangeError} when a label is not in the classes or cannot be a folder name,
 *   or there is no class at all (nothing labeled and no class list)
 * @throws {Error} (lib/data's `DataError`) when `dir` exists and `overwrite` is not set
 */
export async function exportLabeled(
  store: ExampleStore,
  dir: string,
  options: ExportLabeledOptions = {},
): Promise<ExportSummary> {
  const examples: LabeledExample[] = [];
  for await (const ex of store.labeled({ model: options.model })) examples.push(ex);
  const classes = options.classes ? [...options.classes] : sortLabels(examples.map((e) => e.label));
  const manifest = await writeImageFolderExport(dir, examples, {
    classes,
    overwrite: options.overwrite,
    now: options.now,
  });
  const perClass: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const e of manifest.examples) perClass[e.label]!++;
  return { dir, classes, perClass, total: manifest.examples.length };
}
