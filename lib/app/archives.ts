/**
 * The model store's archives, as the serving page lists them.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { readArchive } from "../archive/mod.ts";
import { exists } from "./_run_files.ts";

/** One `.mar` file of the model store. */
export interface ArchiveEntry {
  /** File name (what registration takes as `url`). */
  file: string;
  bytes: number;
  /** Modified time, ISO. */
  modified: string;
  /** From the manifest, when it reads. */
  modelName?: string;
  modelVersion?: string;
  /** Class names, when it reads. */
  labels?: string[];
  /** Figures the archive carries (accuracy…). */
  metrics?: Record<string, unknown>;
  /** Why it does not read. */
  error?: string;
}

// Archives read before, by path, size and modification time: a page lists the
// store on every load, and an archive's model file can be large.
const CACHE = new Map<
  string,
  { stamp: string; entry: Omit<ArchiveEntry, "file" | "bytes" | "modified"> }
>();

async function describeArchive(path: string, stamp: string) {
  const hit = CACHE.get(path);
  if (hit?.stamp === stamp) return hit.entry;
  let entry: Omit<ArchiveEntry, "file" | "bytes" | "modified">;
  try {
    const a = await readArchive(path);
    entry = {
      modelName: a.manifest.model.modelName,
      modelVersion: a.manifest.model.modelVersion,
      labels: a.labels,
      metrics: a.metrics,
    };
  } catch (err) {
    entry = { error: (err as Error).message };
  }
  if (CACHE.size > 1000) CACHE.clear();
  CACHE.set(path, { stamp, entry });
  return entry;
}

/**
 * Lists the `.mar` files of a model store with their manifests, by name.
 *
 * @param modelStore the folder
 * @returns the archives; a missing folder lists none
 * @throws {Error} when the folder exists but cannot be read
 */
export async function listArchives(modelStore: string): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(modelStore));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw new Error(`Cannot list the model store "${modelStore}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".mar") || e.name.startsWith(".")) continue;
    const path = join(modelStore, e.name);
    const stat = await Deno.stat(path);
    const modified = (stat.mtime ?? new Date(0)).toISOString();
    const described = await describeArchive(path, `${stat.size}@${modified}`);
    out.push({ file: e.name, bytes: stat.size, modified, ...described });
  }
  return out.sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * What registration should send for an archive given as a store file name,
 * an http(s) URL, or a local path: a path inside the model store becomes its
 * file name; a `.mar` file elsewhere is first copied into the store (the
 * server registers from the store only).
 *
 * @param modelStore the model store folder
 * @param given what the admin typed or chose
 * @param baseDir folder relative paths are resolved against
 * @returns the `url` for registration, and a note when a file was copied
 * @throws {RangeError} when a different file of that name is already in the store
 */
export async function stageArchive(
  modelStore: string,
  given: string,
  baseDir: string,
): Promise<{ url: string; note?: string }> {
  const text = given.trim();
  if (!text || /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || !/[\\/]/.test(text)) return { url: text };
  const path = resolve(baseDir, text);
  const stat = await Deno.stat(path).catch(() => undefined);
  if (!stat?.isFile || !path.endsWith(".mar")) return { url: text };
  const name = basename(path);
  const target = join(resolve(modelStore), name);
  if (dirname(path) === resolve(modelStore)) return { url: name };
  if (await exists(target)) {
    if (await sameBytes(path, target)) return { url: name };
    throw new RangeError(
      `Cannot copy "${path}" into the model store: a different "${name}" is already there`,
    );
  }
  await Deno.mkdir(resolve(modelStore), { recursive: true });
  const tmp = join(resolve(modelStore), `.${name}.${Deno.pid}.tmp`);
  await Deno.copyFile(path, tmp);
  await Deno.rename(tmp, target);
  return { url: name, note: `copied "${path}" into the model store` };
}
