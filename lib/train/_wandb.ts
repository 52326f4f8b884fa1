// The W&B sink of a run when WANDB_API_KEY is set: project/group/name from `tracking.wandb`,
// server from WANDB_BASE_URL, entity from WANDB_ENTITY (or the key's own); the run id is kept
// in `<run>/wandb.json` so a resumed run continues the same W&B run where its history ends.

import { join } from "node:path";
import {
  historyRows,
  readMetricsLog,
  type Sink,
  WandbSink,
  writeJsonAtomic,
} from "../track/mod.ts";
import type { ExperimentSettings } from "./settings.ts";

/** File in the run directory naming the W&B run. */
export const WANDB_FILE = "wandb.json";

async function savedRunId(runDir: string): Promise<string | undefined> {
  try {
    const saved = JSON.parse(await Deno.readTextFile(join(runDir, WANDB_FILE)));
    return typeof saved.id === "string" ? saved.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the W&B sink, or returns null when W&B is off (no key, or WANDB_MODE
 * disabled/offline) or unreachable (said through `warn`; the run goes on locally).
 */
export async function openWandb(
  s: ExperimentSettings,
  runDir: string,
  job: Record<string, unknown>,
  env: (name: string) => string | undefined,
  warn: (message: string) => void,
): Promise<Sink | null> {
  const apiKey = env("WANDB_API_KEY");
  const mode = env("WANDB_MODE");
  if (!apiKey || mode === "disabled" || mode === "offline" || mode === "dryrun") return null;
  const runId = await savedRunId(runDir);
  const records = runId ? (await readMetricsLog(join(runDir, "metrics.jsonl"))).records : [];
  try {
    const sink = await WandbSink.open({
      apiKey,
      baseUrl: env("WANDB_BASE_URL") || undefined,
      entity: env("WANDB_ENTITY") || s.wandb.entity,
      project: env("WANDB_PROJECT") || s.wandb.project,
      group: s.wandb.group,
      name: s.wandb.name,
      runId,
      historyOffset: historyRows(records).length,
      onWarning: warn,
    });
    await writeJsonAtomic(join(runDir, WANDB_FILE), {
      id: sink.runId,
      entity: sink.entity,
      project: sink.project,
      url: sink.url,
    });
    await sink.logConfig(job);
    return sink;
  } catch (err) {
    warn(`W&B is off for this run: ${(err as Error).message}`);
    return null;
  }
}
