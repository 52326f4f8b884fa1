/**
 * Training runs found under `results/` (`<model>/<exp>/<run>_<YYYY-MM-DD_HH-MM-SS>/`),
 * read for the experiments pages: summary rows, metric curves, confusion
 * matrix, composed config and checkpoints.
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { defaultMode, type MetricRecord, readMetricsLog, RUN_FILES } from "../track/mod.ts";

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

/** A metric over steps. */
export interface Curve {
  /** `<split>_<metric>`, e.g. `train_loss`, `test_accuracy`. */
  name: string;
  steps: number[];
  values: number[];
}

/** A checkpoint folder. */
export interface CheckpointInfo {
  name: string;
  files: { name: string; bytes: number }[];
  /** Its state.json, when it reads. */
  state?: Record<string, unknown>;
}

/** Everything the run page shows. */
export interface RunDetails extends RunSummary {
  curves: Curve[];
  /** The last confusion matrix logged, with its class names. */
  confusion?: { matrix: number[][]; classes: string[]; split: string; step: number };
  /** config.yaml (or .hydra/config.yaml) text. */
  config?: string;
  checkpoints: CheckpointInfo[];
  /** Whether metrics.jsonl ended in a torn line (the run crashed while writing). */
  torn: boolean;
}

const STAMP = /^(.*)_(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})$/;
const KEY_PARAMS =
  /(^|\.)(_target_|name|lr|learning_rate|batch_size|epochs|max_epochs|iterations|weight_decay|momentum|seed)$/;
const RUN_MARKERS = [RUN_FILES.metrics, RUN_FILES.results, "config.yaml"];

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

async function dirs(path: string): Promise<string[]> {
  try {
    const out: string[] = [];
    for await (const e of Deno.readDir(path)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
    }
    return out.sort();
  } catch {
    return [];
  }
}

async function isRun(path: string): Promise<boolean> {
  for (const f of RUN_MARKERS) {
    if (await Deno.stat(join(path, f)).then(() => true, () => false)) return true;
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

async function summarize(root: string, id: string, records?: MetricRecord[]): Promise<RunSummary> {
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

/**
 * A curve's name: `<split>_<metric>`; a metric already named for a split
 * (the iteration's `train_loss` logged with an evaluation) keeps its name,
 * marked as per evaluation so it stays apart from the per-step curve.
 */
function curveName(split: string, key: string): string {
  const named = /^(train|val|test)_/.exec(key);
  if (!named) return `${split}_${key}`;
  return named[1] === split ? key : `${key} (per evaluation)`;
}

function curvesOf(records: MetricRecord[]): Curve[] {
  const byName = new Map<string, Curve>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number" || ["step", "epoch", "iteration", "time"].includes(k)) continue;
      const name = curveName(r.split, k);
      let c = byName.get(name);
      if (!c) byName.set(name, c = { name, steps: [], values: [] });
      c.steps.push(r.step);
      c.values.push(v);
    }
  }
  return [...byName.values()];
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 &&
    v.every((row) =>
      Array.isArray(row) && row.length === v.length && row.every((x) => typeof x === "number")
    );
}

function confusionOf(records: MetricRecord[], results: Record<string, unknown> | undefined) {
  // The trainer writes the class list under data.classes; older runs at the top level.
  const classList = results?.classes ??
    (results?.data as { classes?: unknown } | undefined)?.classes;
  const classesOf = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n
      ? v.map(String)
      : Array.from({ length: n }, (_, i) => String(i));
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    for (const [k, v] of Object.entries(r)) {
      if (/confusion/i.test(k) && isMatrix(v)) {
        return {
          matrix: v,
          classes: classesOf(r.classes ?? classList, v.length),
          split: r.split,
          step: r.step,
        };
      }
    }
  }
  for (const [k, v] of Object.entries(results ?? {})) {
    if (/confusion/i.test(k) && isMatrix(v)) {
      return { matrix: v, classes: classesOf(classList, v.length), split: "test", step: -1 };
    }
  }
  return undefined;
}

async function checkpointsOf(path: string): Promise<CheckpointInfo[]> {
  const out: CheckpointInfo[] = [];
  for (const name of await dirs(join(path, "checkpoints"))) {
    const dir = join(path, "checkpoints", name);
    const files: CheckpointInfo["files"] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile) files.push({ name: e.name, bytes: (await Deno.stat(join(dir, e.name))).size });
    }
    files.sort((a, b) => a.name < b.name ? -1 : 1);
    out.push({ name, files, state: await readJson(join(dir, "state.json")) });
  }
  return out;
}

/**
 * Reads one run for its page.
 *
 * @param root the runs folder
 * @param id the run id (`<model>/<exp>/<run folder>`)
 * @returns summary, curves, confusion matrix, config and checkpoints
 * @throws {RangeError} when the id is not a run under the root
 * @throws {SyntaxError} when metrics.jsonl has a malformed line before its last
 */
export async function readRun(root: string, id: string): Promise<RunDetails> {
  const path = await runPath(root, id);
  const log = await readMetricsLog(join(path, RUN_FILES.metrics));
  const results = await readJson(join(path, RUN_FILES.results));
  let config: string | undefined;
  for (const f of ["config.yaml", ".hydra/config.yaml"]) {
    config ??= await Deno.readTextFile(join(path, f)).catch(() => undefined);
  }
  return {
    ...await summarize(root, id, log.records),
    curves: curvesOf(log.records),
    confusion: confusionOf(log.records, results),
    config,
    checkpoints: await checkpointsOf(path),
    torn: log.torn,
  };
}
