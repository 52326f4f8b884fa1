import { dirname, join } from "node:path";
import { DataError, type Dataset, makeDataset } from "./dataset.ts";
import { checkManifest, detectImageType, safeFileStem, validClassName } from "./_manifest.ts";
import { loadSharp } from "./_decode.ts";

/** The manifest's file name inside an export folder. */
export const MANIFEST_FILE = "manifest.json";
/** The manifest's `format` value. */
export const EXPORT_FORMAT = "lifecycle.image_folder";
/** The manifest version this code writes and the newest it reads. */
export const EXPORT_VERSION = 1;

/** The model's prediction an example was stored with. */
export interface ExportPrediction {
  /** Predicted class. */
  label: string;
  /** Its probability, 0..1. */
  confidence?: number;
  /** Model name. */
  model?: string;
  /** Model version. */
  version?: string;
}

/** One labelled example in `manifest.json`. */
export interface ExportEntry {
  /** Relative POSIX path of the image: `<label>/<stem>.<png|jpg>`. */
  file: string;
  /** Id of the example in the store it came from. */
  source_id: string;
  /** The class given by a person. */
  label: string;
  /** When it was labelled (ISO 8601). */
  labeled_at: string;
  /** What the model predicted, when known. */
  prediction?: ExportPrediction;
}

/** `manifest.json` of an exported data set. */
export interface ExportManifest {
  /** Always {@linkcode EXPORT_FORMAT}. */
  format: typeof EXPORT_FORMAT;
  /** Manifest version ({@linkcode EXPORT_VERSION}). */
  version: number;
  /** When the export was written (ISO 8601). */
  created_at: string;
  /** The class list; an example's class index is its label's position here. */
  classes: string[];
  /** The examples, in export order. */
  examples: ExportEntry[];
}

/** An example to export: encoded image bytes as stored, plus its labels. */
export interface ExportExample {
  /** Id of the example in its store. */
  sourceId: string;
  /** The class given by a person; must be in the class list. */
  label: string;
  /** When it was labelled. */
  labeledAt: string | Date;
  /** PNG or JPEG bytes are copied; anything else sharp reads is converted to PNG. */
  image: Uint8Array;
  /** What the model predicted, when known. */
  prediction?: ExportPrediction;
}

/** Options of {@linkcode writeImageFolderExport}. */
export interface ExportOptions {
  /** The class list (the model's classes), written to the manifest. */
  classes: readonly string[];
  /** Replace an existing folder (default false). */
  overwrite?: boolean;
  /** Time written as `created_at` (default now). */
  now?: Date;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

async function encodeImage(ex: ExportExample): Promise<{ bytes: Uint8Array; ext: string }> {
  const type = detectImageType(ex.image);
  if (type) return { bytes: ex.image, ext: type };
  try {
    const sharp = await loadSharp();
    return { bytes: new Uint8Array(await sharp(ex.image).png().toBuffer()), ext: "png" };
  } catch (err) {
    throw new DataError(
      `Cannot export example "${ex.sourceId}": its image is not a readable image`,
      { cause: err },
    );
  }
}

function isoTime(t: string | Date, sourceId: string): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) {
    throw new RangeError(
      `Cannot export example "${sourceId}": labeled_at ${JSON.stringify(t)} is not a date`,
    );
  }
  return d.toISOString();
}

/**
 * Writes labelled examples as an image folder data set plus `manifest.json`, atomically:
 * everything goes to a temporary sibling folder that is renamed into place at the end.
 *
 * @param dir the folder to create
 * @param examples the examples; labels must be in `options.classes`
 * @param options class list, overwrite, creation time
 * @returns the manifest written
 * @throws {RangeError} on a label outside the classes, an invalid class name or date
 * @throws {DataError} when `dir` exists without `overwrite` or an image cannot be read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadImageFolder, writeImageFolderExport } from "./mod.ts";
 * const png = Uint8Array.from(atob(
 *   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAADElEQVQImWNoaGgAAAMEAYEezv+mAAAAAElFTkSuQmCC",
 * ), (c) => c.charCodeAt(0));
 * const dir = await Deno.makeTempDir();
 * await writeImageFolderExport(`${dir}/out`, [
 *   { sourceId: "ex1", label: "7", labeledAt: "2024-05-01T10:00:00Z", image: png },
 * ], { classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] });
 * const ds = await loadImageFolder(`${dir}/out`);
 * assert.deepEqual([ds.length, ds.labels[0]], [1, 7]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeImageFolderExport(
  dir: string,
  examples: Iterable<ExportExample>,
  options: ExportOptions,
): Promise<ExportManifest> {
  const classes = [...options.classes];
  if (classes.length === 0) {
    throw new RangeError(`Cannot export to "${dir}": the class list is empty`);
  }
  for (const c of classes) validClassName(c, `Cannot export to "${dir}"`);
  if (new Set(classes).size !== classes.length) {
    throw new RangeError(`Cannot export to "${dir}": the class list has duplicates`);
  }
  if (!options.overwrite && await exists(dir)) {
    throw new DataError(
      `Cannot export to "${dir}": it already exists (pass overwrite to replace it)`,
      { path: dir },
    );
  }
  const tag = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const tmp = `${dir}.tmp-${tag}`;
  await Deno.mkdir(dirname(dir), { recursive: true });
  await Deno.mkdir(tmp);
  try {
    const entries: ExportEntry[] = [];
    const used = new Set<string>();
    for (const ex of examples) {
      if (!classes.includes(ex.label)) {
        throw new RangeError(
          `Cannot export example "${ex.sourceId}": label ${
            JSON.stringify(ex.label)
          } is not a class ` +
            `(valid: ${classes.join(", ")})`,
        );
      }
      const labeledAt = isoTime(ex.labeledAt, ex.sourceId);
      const { bytes, ext } = await encodeImage(ex);
      const stem = safeFileStem(ex.sourceId);
      let name = `${ex.label}/${stem}`;
      for (let k = 2; used.has(name); k++) name = `${ex.label}/${stem}_${k}`;
      used.add(name);
      const file = `${name}.${ext}`;
      await Deno.mkdir(join(tmp, ex.label), { recursive: true });
      await Deno.writeFile(join(tmp, file), bytes);
      const entry: ExportEntry = {
        file,
        source_id: ex.sourceId,
        label: ex.label,
        labeled_at: labeledAt,
      };
      if (ex.prediction) entry.prediction = { ...ex.prediction };
      entries.push(entry);
    }
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      created_at: (options.now ?? new Date()).toISOString(),
      classes,
      examples: entries,
    };
    await Deno.writeTextFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
    if (await exists(dir)) {
      const old = `${dir}.old-${tag}`;
      await Deno.rename(dir, old);
      await Deno.rename(tmp, dir);
      await Deno.remove(old, { recursive: true });
    } else {
      await Deno.rename(tmp, dir);
    }
    return manifest;
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
}

/**
 * Reads an export folder: its manifest, checked, and the data set it describes
 * (classes from the manifest, one sample per entry, in manifest order).
 *
 * @param dir the export folder
 * @param options colour mode of the images (default "RGB")
 * @returns the manifest and the data set
 * @throws {DataError} when the manifest or an image file is missing
 * @throws {SyntaxError} when the manifest is not valid JSON or misses a field
 */
export async function readImageFolderExport(
  dir: string,
  options: { mode?: "RGB" | "L" } = {},
): Promise<{ manifest: ExportManifest; dataset: Dataset }> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new DataError(`Cannot read export "${dir}": no ${MANIFEST_FILE}`, { path, cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Cannot read "${path}": ${(err as Error).message}`, { cause: err });
  }
  const manifest = checkManifest(raw, path, EXPORT_FORMAT, EXPORT_VERSION);
  const paths: string[] = [];
  for (const e of manifest.examples) {
    const file = join(dir, e.file);
    if (!await exists(file)) {
      throw new DataError(`Cannot read export "${dir}": missing image "${file}"`, { path: file });
    }
    paths.push(file);
  }
  const dataset = makeDataset({
    name: dir,
    classes: manifest.classes,
    sources: [{ kind: "files", name: dir, paths, mode: options.mode ?? "RGB" }],
    source: new Uint8Array(paths.length),
    item: Int32Array.from(paths.keys()),
    labels: Int32Array.from(manifest.examples, (e) => manifest.classes.indexOf(e.label)),
  });
  return { manifest, dataset };
}
