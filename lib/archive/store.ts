/**
 * The model store: a folder of `.mar` files. Naming and versioning of new
 * archives live in one function, {@linkcode planArchive}: an archive of a
 * model name that the store already holds gets the next major version.
 *
 * @module
 */
import { strFromU8, unzipSync } from "fflate";
import { join } from "node:path";
import { MANIFEST_PATH } from "./mar.ts";
import { parseManifest } from "./manifest.ts";

/** An archive found in a store. */
export interface StoredArchive {
  file: string;
  modelName: string;
  modelVersion: string;
}

/** Where and as what a new archive goes. */
export interface ArchivePlan {
  /** The served model name (manifest `model.modelName`). */
  modelName: string;
  /** The version (manifest `model.modelVersion`): "1.0", then "2.0", … per model name. */
  modelVersion: string;
  /** The file name inside the store. */
  fileName: string;
  /** The full path. */
  path: string;
}

/** What names a new archive. */
export interface ArchiveIdentity {
  /** The served model name. */
  modelName: string;
  /** The file name without `.mar`. */
  stem: string;
  /** A fixed version instead of the next one. */
  version?: string;
}

/**
 * Lists the archives of a store with their manifest's name and version;
 * files that cannot be read as archives are skipped.
 *
 * @param store The model store folder (missing: empty).
 * @returns The archives, sorted by file name.
 */
export async function listStore(store: string): Promise<StoredArchive[]> {
  const out: StoredArchive[] = [];
  try {
    for await (const e of Deno.readDir(store)) {
      if (!e.isFile || !e.name.endsWith(".mar")) continue;
      const file = join(store, e.name);
      try {
        const files = unzipSync(await Deno.readFile(file), {
          filter: (f) => f.name === MANIFEST_PATH,
        });
        const m = parseManifest(strFromU8(files[MANIFEST_PATH]!), file);
        out.push({ file, modelName: m.model.modelName, modelVersion: m.model.modelVersion });
      } catch {
        // Not an archive this store can serve: it takes no part in versioning.
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/**
 * Names a new archive: the model name and file stem given, the next major
 * version of that model name in the store (or the one given), and a file
 * name that does not overwrite an archive already there (`<stem>_v<N>.mar`
 * when `<stem>.mar` is taken).
 *
 * @param store The model store folder.
 * @param id Model name, file stem, optional fixed version.
 * @returns The plan.
 * @throws {RangeError} When a fixed version of that model name is already in the store.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planArchive } from "./mod.ts";
 * const store = await Deno.makeTempDir();
 * const plan = await planArchive(store, { modelName: "cnn_int8", stem: "cnn_default_run_1_int8" });
 * assert.deepEqual([plan.modelVersion, plan.fileName], ["1.0", "cnn_default_run_1_int8.mar"]);
 * await Deno.remove(store, { recursive: true });
 * ```
 */
export async function planArchive(store: string, id: ArchiveIdentity): Promise<ArchivePlan> {
  const all = await listStore(store);
  const same = all.filter((a) => a.modelName === id.modelName);
  let modelVersion = id.version;
  if (modelVersion !== undefined) {
    const clash = same.find((a) => a.modelVersion === modelVersion);
    if (clash) {
      throw new RangeError(
        `Cannot archive "${id.modelName}" version ${modelVersion}: "${clash.file}" already holds it (leave the version out for the next one)`,
      );
    }
  } else {
    const majors = same.map((a) => Number.parseInt(a.modelVersion, 10)).filter(Number.isFinite);
    modelVersion = `${majors.length ? Math.max(...majors) + 1 : 1}.0`;
  }
  const taken = new Set(all.map((a) => a.file));
  let fileName = `${id.stem}.mar`;
  if (taken.has(join(store, fileName)) || (await exists(join(store, fileName)))) {
    fileName = `${id.stem}_v${modelVersion.replace(/[^A-Za-z0-9.]/g, "_")}.mar`;
  }
  return { modelName: id.modelName, modelVersion, fileName, path: join(store, fileName) };
}

/**
 * The identity of an archive made from a training run: file
 * `<model>_<experiment>_<run>_<opt>` (as the original project named them) and
 * model name `<model>_<opt>`, so that later runs of the same architecture and
 * optimization become new versions of one served model.
 *
 * @param parts The run's model and experiment names, the run folder name, the optimization.
 * @returns Model name and file stem.
 */
export function runArchiveIdentity(
  parts: { model: string; experiment: string; run: string; opt: string },
): ArchiveIdentity {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");
  return {
    modelName: clean(`${parts.model}_${parts.opt}`),
    stem: clean(`${parts.model}_${parts.experiment}_${parts.run}_${parts.opt}`),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
