/**
 * One run read for its page: metric curves, the last confusion matrix, the
 * composed config and the checkpoints.
 *
 * @module
 */
import { join } from "node:path";
import { type MetricRecord, readMetricsLog, RUN_FILES } from "../track/mod.ts";
import { curveName, dirs, readJson } from "./_run_files.ts";
import { runPath, type RunSummary, summarize } from "./runs.ts";

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
