// NOTE: lib/data's writeImageFolderExport writes this same layout; until that
// area is merged this file writes it itself. Switch to lib/data then.
import { dirname, join } from "node:path";
import { extensionOf, hasControlChars, imageTypeOf } from "./_common.ts";
import type { ExampleStore, LabeledExample, ListOptions } from "./types.ts";

/** `format` of the export's manifest.json (the `image_folder` data set format). */
export const EXPORT_FORMAT = "lifecycle.image_folder";
/** Manifest version written. */
export const EXPORT_VERSION = 1;

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

function checkClassName(name: string): void {
  if (!name || name === "." || name === ".." || /[/\\]/.test(name) || hasControlChars(name)) {
    throw new RangeError(
      `Cannot export: class ${JSON.stringify(name)} cannot be a folder name ` +
        "(no slashes, control characters, . or ..)",
    );
  }
}

function sortLabels(labels: Iterable<string>): string[] {
  const all = [...new Set(labels)];
  const numeric = all.every((l) => /^\d+$/.test(l));
  return all.sort((a, b) => numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/**
 * Writes the labeled examples of a store as an image folder data set that the
 * training command reads: `dir/<label>/<id>.<png|jpg>` plus `manifest.json`
 * (format `lifecycle.image_folder`, classes, one entry per example with its
 * source id, label, labeled_at and the model's prediction). Written to a
 * temporary sibling folder and renamed into place.
 *
 * @param store the store
 * @param dir the folder to create
 * @param options classes, overwrite, model filter
 * @returns what was written
 * @throws {RangeError} when a label is not in the classes or cannot be a folder name
 * @throws {Error} when `dir` exists and `overwrite` is not set
 */
export async function exportLabeled(
  store: ExampleStore,
  dir: string,
  options: ExportLabeledOptions = {},
): Promise<ExportSummary> {
  if (!options.overwrite && await exists(dir)) {
    throw new Error(`Cannot export to "${dir}": it already exists (pass overwrite to replace it)`);
  }
  const examples: LabeledExample[] = [];
  for await (const ex of store.labeled({ model: options.model })) examples.push(ex);
  const classes = options.classes ? [...options.classes] : sortLabels(examples.map((e) => e.label));
  classes.forEach(checkClassName);
  if (new Set(classes).size !== classes.length) {
    throw new RangeError(`Cannot export to "${dir}": the class list has duplicates`);
  }
  const tmp = `${dir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dirname(dir), { recursive: true });
  await Deno.mkdir(tmp);
  try {
    const perClass: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
    const entries = [];
    for (const ex of examples) {
      if (!classes.includes(ex.label)) {
        throw new RangeError(
          `Cannot export example "${ex.sourceId}": label ${JSON.stringify(ex.label)} is not a ` +
            `class (valid: ${classes.join(", ")})`,
        );
      }
      const file = `${ex.label}/${ex.sourceId}.${extensionOf(imageTypeOf(ex.image)!)}`;
      await Deno.mkdir(join(tmp, ex.label), { recursive: true });
      await Deno.writeFile(join(tmp, file), ex.image);
      perClass[ex.label]!++;
      const { sourceId: source_id, label, labeledAt: labeled_at, prediction } = ex;
      entries.push({ file, source_id, label, labeled_at, prediction });
    }
    const manifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      created_at: (options.now ?? new Date()).toISOString(),
      classes,
      examples: entries,
    };
    await Deno.writeTextFile(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    if (await exists(dir)) await Deno.remove(dir, { recursive: true });
    await Deno.rename(tmp, dir);
    return { dir, classes, perClass, total: entries.length };
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
}
