/**
 * The model snapshot: which models and versions are registered, their
 * default version and scaling, in TorchServe's `model_snapshot` layout,
 * written atomically after each change and read at start-up so that a
 * restart serves what was served before.
 *
 * @module
 */
import { dirname } from "node:path";
import type { Registry } from "./registry.ts";

/** One version in a snapshot (TorchServe's field names). */
export interface SnapshotVersion {
  /** Whether it is its model's default version. */
  defaultVersion: boolean;
  /** Archive file name in the model store. */
  marName: string;
  /** Workers kept running. */
  minWorkers: number;
  /** Upper bound under load. */
  maxWorkers: number;
  /** Most requests per run. */
  batchSize: number;
  /** Milliseconds. */
  maxBatchDelay: number;
  /** Seconds. */
  responseTimeout: number;
}

/** TorchServe's `model_snapshot` object. */
export interface ModelSnapshot {
  /** File name. */
  name: string;
  /** Number of models. */
  modelCount: number;
  /** When written, ms since epoch. */
  created: number;
  /** Model name → version → settings. */
  models: Record<string, Record<string, SnapshotVersion>>;
}

/** The registry's state as a snapshot. */
export function takeSnapshot(registry: Registry): ModelSnapshot {
  const models: ModelSnapshot["models"] = {};
  for (const m of registry.all()) {
    const s = m.settings;
    (models[m.name] ??= {})[m.version] = {
      defaultVersion: registry.defaultVersion(m.name) === m.version,
      marName: m.marName,
      minWorkers: s.minWorkers,
      maxWorkers: s.maxWorkers,
      batchSize: s.batchSize,
      maxBatchDelay: s.maxBatchDelay,
      responseTimeout: s.responseTimeout,
    };
  }
  return {
    name: "snapshot.json",
    modelCount: Object.keys(models).length,
    created: Date.now(),
    models,
  };
}

/**
 * Writes a snapshot atomically (temporary file, then rename).
 *
 * @param path the snapshot file
 * @param snapshot its contents
 */
export async function writeSnapshot(path: string, snapshot: ModelSnapshot): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(snapshot, null, 2) + "\n");
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * Reads a snapshot.
 *
 * @param path the snapshot file
 * @returns the snapshot, or undefined when there is none
 * @throws {SyntaxError} naming the file when it is not a snapshot
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSnapshot } from "./snapshot.ts";
 * assert.equal(await readSnapshot("no/such/snapshot.json"), undefined);
 * ```
 */
export async function readSnapshot(path: string): Promise<ModelSnapshot | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  let snap: ModelSnapshot;
  try {
    snap = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Invalid snapshot "${path}": ${(err as Error).message}`, { cause: err });
  }
  if (typeof snap?.models !== "object" || snap.models === null) {
    throw new SyntaxError(`Invalid snapshot "${path}": no "models" object`);
  }
  return snap;
}
