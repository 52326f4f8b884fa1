/**
 * Training runs found under `results/` (`<model>/<exp>/<run>_<YYYY-MM-DD_HH-MM-SS>/`),
 * listed for the experiments page: model, experiment, run, date, key
 * parameters and best metrics (the run page's details are in run_details.ts).
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { defaultMode, type MetricRecord, readMetricsLog, RUN_FILES } from "../track/mod.ts";
import { curveName, dirs, exists, readJson } from "./_run_files.ts";

/** A run as the list shows it. */
export interface RunSummary {
  /** `<model>/<exp>/<run dir>`: the run's path under the runs folder. */
  id: string;
  model: string;
  exp: string;
  /** Run name (the folder name without its time stamp). */
  run: string;
  /** Start time from the folder name (`2024-05-01 10:00:00`), or its modified time. */
  date: string;
  /** A few hyper-parameters (flattened keys of params.json). */
  params: Record<string, string | number | boolean>;
  /** Best value per evaluation metric (`test_accuracy`…). */
  best: Record<string, number>;
}

const STAMP = /^(.*)_(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})$/;
const KEY_PARAMS =
  /(^|\.)(_target_|name|lr|learning_rate|batch_size|epochs|max_epochs|iterations|weight_decay|momentum|seed)$/;
const RUN_MARKERS = [RUN_FILES.metrics, RUN_FILES.results, "config.yaml"];

async function isRun(path: string): Promise<boolean> {
  for (const f of RUN_MARKERS) {
    if (await exists(join(path, f))) return true;
  }
  return false;
}

function flatten(obj: unknown, prefix = "", out: Record<string, unknown> = {}) {
  if (typeof obj === "object" && obj !== null && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = obj;
  return out;
}

function keyParams(params: Record<string, unknown> | undefined) {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(flatten(params ?? {}))) {
    if (!KEY_PARAMS.test(k) || k.startsWith("hydra.") || k.startsWith("wandb.")) continue;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
    if (Object.keys(out).length >= 8) break;
  }
  return out;
}

function bestOf(results: Record<string, unknown> | undefined, records: MetricRecord[]) {
  const best: Record<string, number> = {};
  const saved = results?.best;
  if (typeof saved === "object" && saved !== null) {
    for (const [k, e] of Object.entries(saved)) {
      const v = (e as { value?: unknown })?.value;
      if (typeof v === "number") best[k] = v;
    }
    if (Object.keys(best).length) return best;
  }
  for (const r of records) {
    if (r.split === "train") continue;
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number" || ["step", "epoch", "iteration", "time"].includes(k)) continue;
      const name = curveName(r.split, k);
      const old = best[name];
      const better = defaultMode(k) === "min" ? v < (old ?? Infinity) : v > (old ?? -Infinity);
      if (better) best[name] = v;
    }
  }
  return best;
}

/** The summary row of a run (records given when already read). */
export async function summarize(
  root: string,
  id: string,
  records?: MetricRecord[],
): Promise<RunSummary> {
  const path = join(root, id);
  const [model, exp, dir] = id.split("/") as [string, string, string];
  const m = STAMP.exec(dir);
  const date = m
    ? `${m[2]} ${m[3]}:${m[4]}:${m[5]}`
    : ((await Deno.stat(path)).mtime ?? new Date(0)).toISOString().slice(0, 19).replace("T", " ");
  const recs = records ??
    (await readMetricsLog(join(path, RUN_FILES.metrics)).catch(() => undefined))?.records ?? [];
  return {
    id,
    model,
    exp,
    run: m ? m[1]! : dir,
    date,
    params: keyParams(await readJson(join(path, RUN_FILES.params))),
    best: bestOf(await readJson(join(path, RUN_FILES.results)), recs),
  };
}

/**
 * Lists the runs under a runs folder, newest first.
 *
 * @param root the runs folder (`results/`)
 * @returns one summary per run folder; a missing folder lists none
 */
export async function listRuns(root: string): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (const model of await dirs(root)) {
    for (const exp of await dirs(join(root, model))) {
      for (const run of await dirs(join(root, model, exp))) {
        const id = `${model}/${exp}/${run}`;
        if (await isRun(join(root, id))) out.push(await summarize(root, id));
      }
    }
  }
  return out.sort((a, b) => a.date < b.date ? 1 : a.date > b.date ? -1 : a.id < b.id ? -1 : 1);
}

/**
 * The checked folder of a run id: three plain segments, inside the root, a run.
 *
 * @throws {RangeError} for anything else (the page answers 404)
 */
export async function runPath(root: string, id: string): Promise<string> {
  const parts = id.split("/");
  const bad = parts.length !== 3 ||
    parts.some((p) => !p || p === "." || p === ".." || p.startsWith("."));
  const path = resolve(root, id);
  if (bad || relative(resolve(root), path).startsWith("..") || path.includes(`${sep}..`)) {
    throw new RangeError(
      `No run "${id}": expected <model>/<exp>/<run folder> under the runs folder`,
    );
  }
  if (!await isRun(path)) throw new RangeError(`No run "${id}" in "${root}"`);
  return path;
}
