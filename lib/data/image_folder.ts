import { join } from "node:path";
import { DataError, type Dataset, makeDataset } from "./dataset.ts";
import { MANIFEST_FILE, readImageFolderExport } from "./export.ts";

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** File extensions read, case-insensitive (default `.jpg`, `.jpeg`, `.png`). */
  extensions?: readonly string[];
  /** "RGB" (3 channels, default, as torchvision) or "L" (one luma channel). */
  mode?: "RGB" | "L";
  /**
   * A fixed class list (e.g. the model's): folders must be named after its entries,
   * classes without a folder get no samples. Default: the sorted folder names.
   */
  classes?: readonly string[];
}

const DEFAULT_EXTENSIONS = [".jpg", ".jpeg", ".png"];

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Sub-folder names, sorted by code point; hidden ones (".x") are skipped. */
async function listFolders(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".")) continue;
    if (e.isDirectory || (e.isSymlink && await isDirectory(join(dir, e.name)))) names.push(e.name);
  }
  return names.sort();
}

/** Image files under `dir`, recursively, in sorted walk order (as torchvision's make_dataset). */
async function listImages(dir: string, extensions: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory || (e.isSymlink && await isDirectory(path))) {
      if (!e.name.startsWith(".")) files.push(...await listImages(path, extensions));
    } else if (extensions.some((x) => e.name.toLowerCase().endsWith(x))) {
      files.push(path);
    }
  }
  return files;
}

/**
 * Reads `root/<label>/**.{jpg,jpeg,png}` as torchvision's ImageFolder does: classes are the
 * sorted folder names, a class's index is its position. A folder written by
 * {@linkcode writeImageFolderExport} (it has a `manifest.json`) is read through its manifest,
 * whose class list wins. Images are decoded later, by the loader.
 *
 * @param root the data folder
 * @param options extensions, colour mode, fixed class list
 * @returns the data set
 * @throws {DataError} when the folder is missing, has no class folders, a class folder
 *   has no images, or a folder is not in the given class list
 */
export async function loadImageFolder(
  root: string,
  options: ImageFolderOptions = {},
): Promise<Dataset> {
  const { mode = "RGB" } = options;
  const extensions = (options.extensions ?? DEFAULT_EXTENSIONS).map((x) => x.toLowerCase());
  if (!await isDirectory(root)) {
    throw new DataError(`Cannot load image folder "${root}": no such directory`, { path: root });
  }
  try {
    await Deno.stat(join(root, MANIFEST_FILE));
    return (await readImageFolderExport(root, { mode })).dataset;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const folders = await listFolders(root);
  if (folders.length === 0) {
    throw new DataError(
      `Cannot load image folder "${root}": no class folders (expected ${root}/<label>/<image>.png)`,
      { path: root },
    );
  }
  const classes = options.classes ? [...options.classes] : folders;
  const paths: string[] = [];
  const labels: number[] = [];
  for (const folder of folders) {
    const label = classes.indexOf(folder);
    if (label < 0) {
      throw new DataError(
        `Cannot load image folder "${root}": folder "${folder}" is not a class (valid: ${
          classes.join(", ")
        })`,
        { path: join(root, folder) },
      );
    }
    const files = await listImages(join(root, folder), extensions);
    if (files.length === 0) {
      throw new DataError(
        `Cannot load image folder "${root}": class folder "${join(root, folder)}" has no images ` +
          `(${extensions.join(", ")})`,
        { path: join(root, folder) },
      );
    }
    for (const f of files) {
      paths.push(f);
      labels.push(label);
    }
  }
  return makeDataset({
    name: root,
    classes,
    sources: [{ kind: "files", name: root, paths, mode }],
    source: new Uint8Array(paths.length),
    item: Int32Array.from(paths.keys()),
    labels: Int32Array.from(labels),
  });
}
