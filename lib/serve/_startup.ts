/**
 * What the server does before it listens: restore the model snapshot,
 * register the start-up models; and the coalescing snapshot writer.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import type { ServerConfig } from "./config.ts";
import type { ServerLogs } from "./logs.ts";
import type { Registry } from "./registry.ts";
import { readSnapshot, takeSnapshot, writeSnapshot } from "./snapshot.ts";

/** Re-registers what the snapshot holds; a version that fails is logged and skipped. */
export async function restoreSnapshot(
  registry: Registry,
  config: ServerConfig,
  logs: ServerLogs,
): Promise<void> {
  if (!config.snapshotFile) return;
  const snap = await readSnapshot(config.snapshotFile);
  for (const [name, versions] of Object.entries(snap?.models ?? {})) {
    for (const [version, v] of Object.entries(versions)) {
      try {
        await registry.register({
          url: v.marName,
          modelName: name,
          batchSize: v.batchSize,
          maxBatchDelay: v.maxBatchDelay,
          minWorkers: v.minWorkers,
          maxWorkers: v.maxWorkers,
          responseTimeout: v.responseTimeout,
          synchronous: true,
          loadedAtStartup: true,
          setDefault: v.defaultVersion,
        });
      } catch (err) {
        const message = `Cannot restore "${name}" ${version} from ${config.snapshotFile}: ${
          (err as Error).message
        }`;
        logs.server.write({ event: "restore_failed", message });
        console.error(message);
      }
    }
  }
}

/** Registers `models` ("name=file.mar", "file.mar" or "all"); one that fails stops the start. */
export async function registerStartupModels(
  registry: Registry,
  config: ServerConfig,
): Promise<void> {
  let entries = config.models;
  if (entries.length === 1 && entries[0] === "all") {
    entries = (await readdir(config.modelStore)).filter((f) => f.endsWith(".mar")).sort();
  }
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    const [name, url] = eq > 0 ? [entry.slice(0, eq), entry.slice(eq + 1)] : [undefined, entry];
    try {
      await registry.register({
        url,
        modelName: name,
        initialWorkers: config.defaultWorkersPerModel,
        synchronous: true,
        loadedAtStartup: true,
      });
    } catch (err) {
      // Already restored from the snapshot: keep the snapshot's settings.
      if ((err as { status?: number }).status === 409) continue;
      throw new Error(`Cannot register start-up model "${entry}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/** A coalescing snapshot writer: one write at a time, the last state always written. */
export function snapshotWriter(
  path: string | undefined,
  registry: () => Registry,
  logs: ServerLogs,
) {
  let running: Promise<void> | undefined;
  let dirty = false;
  const write = () => {
    if (!path) return;
    dirty = true;
    running ??= (async () => {
      while (dirty) {
        dirty = false;
        await writeSnapshot(path, takeSnapshot(registry())).catch((err) =>
          logs.server.write({ event: "snapshot_failed", message: String(err) })
        );
      }
      running = undefined;
    })();
  };
  write.flush = async () => {
    write();
    await running;
  };
  return write;
}
