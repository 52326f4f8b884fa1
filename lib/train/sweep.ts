/**
 * Sweeps (`deno task train -m …`): every job trains in its own run directory,
 * one after another in this process, or `n_jobs` at a time in subprocesses
 * (`hydra.launcher.n_jobs`), their output lines prefixed with the job number.
 * A failed job does not stop the others; an interrupt stops the sweep after
 * the running jobs have saved their checkpoints. The summary table lists each
 * job's final metrics.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type Config, jobLine, writeRunDir } from "../config/mod.ts";
import type { ProgressStream } from "../track/mod.ts";
import { type ExperimentResult, runExperiment } from "./experiment.ts";
import { readSettings } from "./settings.ts";

/** One job of a sweep. */
export interface SweepJob {
  num: number;
  overrides: string[];
  config: Config;
  runDir: string;
}

/** How a job ended. */
export interface SweepJobResult {
  num: number;
  overrides: string[];
  runDir: string;
  status: ExperimentResult["status"] | "failed" | "not_started";
  /** results.json of the run, when it got that far. */
  results: Record<string, unknown> | null;
  /** The error's first line, for a failed job. */
  error: string | null;
  seconds: number;
}

/** Options of {@linkcode runSweep}. */
export interface SweepRunOptions {
  /** Jobs at once (default 1: in this process, one after another). */
  nJobs?: number;
  /** Aborting stops the sweep after the running jobs checkpoint. */
  signal?: AbortSignal;
  /** Progress and job lines (default stderr). */
  stream?: ProgressStream;
  /** Announces a job as it starts (default: `[sweep] #0 : a=1` on the stream). */
  onJobStart?: (job: SweepJob) => void;
}

function writer(stream: ProgressStream | undefined): (line: string) => void {
  const out = stream ?? Deno.stderr;
  const enc = new TextEncoder();
  return (line) => {
    const bytes = enc.encode(`${line}\n`);
    let off = 0;
    while (off < bytes.length) off += out.writeSync(bytes.subarray(off));
  };
}

/**
 * Runs the jobs of a sweep.
 *
 * @param jobs the jobs (from `composeForCli`'s run plan)
 * @param options parallel jobs, abort signal, output
 * @returns one result per job, in job order
 */
export async function runSweep(
  jobs: readonly SweepJob[],
  options: SweepRunOptions = {},
): Promise<SweepJobResult[]> {
  const nJobs = Math.max(1, options.nJobs ?? 1);
  const results: SweepJobResult[] = jobs.map((j) => ({
    num: j.num,
    overrides: j.overrides,
    runDir: j.runDir,
    status: "not_started",
    results: null,
    error: null,
    seconds: 0,
  }));
  const say = writer(options.stream);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !options.signal?.aborted) {
      const i = next++;
      const job = jobs[i]!;
      if (options.onJobStart) options.onJobStart(job);
      else say(`[sweep] ${jobLine(job.num, job.overrides)}`);
      const t = performance.now();
      const run = nJobs === 1 ? runInProcess : runInSubprocess;
      Object.assign(results[i]!, await run(job, options, nJobs, say));
      results[i]!.seconds = (performance.now() - t) / 1000;
      if (results[i]!.error) say(`[sweep] #${job.num} failed: ${results[i]!.error}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(nJobs, jobs.length) }, worker));
  return results;
}

type JobEnd = Pick<SweepJobResult, "status" | "results" | "error">;

async function runInProcess(job: SweepJob, o: SweepRunOptions): Promise<JobEnd> {
  try {
    const r = await runExperiment(job.config, job.runDir, { signal: o.signal, stream: o.stream });
    return { status: r.status, results: r.results, error: null };
  } catch (err) {
    return { status: "failed", results: null, error: (err as Error).message.split("\n")[0]! };
  }
}

const JOB_MAIN = fileURLToPath(new URL("./_job_main.ts", import.meta.url));

async function runInSubprocess(
  job: SweepJob,
  o: SweepRunOptions,
  nJobs: number,
  say: (line: string) => void,
): Promise<JobEnd> {
  try {
    // Checked here, so that a bad value fails before a process starts.
    readSettings(job.config.job().toObject());
    await writeRunDir(job.config, job.runDir);
  } catch (err) {
    return { status: "failed", results: null, error: (err as Error).message.split("\n")[0]! };
  }
  const threads = Math.max(1, Math.floor(navigator.hardwareConcurrency / nJobs));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", JOB_MAIN, job.runDir],
    env: { LIFECYCLE_TRAIN_THREADS: String(threads) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stop = () => child.kill("SIGINT");
  o.signal?.addEventListener("abort", stop);
  let last = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const line of readLines(stream)) {
      if (line.trim()) last = line;
      say(`[#${job.num}] ${line}`);
    }
  };
  const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
  o.signal?.removeEventListener("abort", stop);
  const results = await readResults(job.runDir);
  if (status.code === 0) {
    return { status: (results?.status as JobEnd["status"]) ?? "finished", results, error: null };
  }
  if (status.code === 130) return { status: "interrupted", results, error: null };
  return {
    status: "failed",
    results,
    error: last.replace(/^Error: /, "") || `exit ${status.code}`,
  };
}

/** The lines of a byte stream; a progress bar's `\r` redraws count as line ends. */
async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split(/\r?\n|\r/);
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

async function readResults(runDir: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${runDir}/results.json`));
  } catch {
    return null;
  }
}

function figure(results: Record<string, unknown> | null, key: string): string {
  const v = (results?.final as Record<string, unknown> | undefined)?.[key];
  return typeof v === "number" ? v.toFixed(4) : "-";
}

/**
 * The sweep's summary: one row per job with its overrides, status, final test
 * accuracy, loss and F1 macro, best accuracy, time and run directory.
 *
 * @param results the jobs' results
 * @returns the table, lines joined with newlines
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSweepTable } from "./sweep.ts";
 * const table = formatSweepTable([{ num: 0, overrides: ["optimizer.lr=0.1"], runDir: "r/0",
 *   status: "finished", results: { final: { test_accuracy: 0.9, test_loss: 0.3 } }, error: null, seconds: 65 }]);
 * assert.match(table.split("\n")[2]!, /^0 +optimizer.lr=0.1 +finished +0.9000 +0.3000 /);
 * ```
 */
export function formatSweepTable(results: readonly SweepJobResult[]): string {
  const head = [
    "#",
    "overrides",
    "status",
    "test_acc",
    "test_loss",
    "f1_macro",
    "best_acc",
    "time",
    "run dir",
  ];
  const rows = results.map((r) => {
    const best = (r.results?.best as Record<string, { value?: number }> | undefined)
      ?.test_accuracy?.value;
    const s = Math.round(r.seconds);
    return [
      String(r.num),
      r.overrides.filter((o) => !o.startsWith("hydra.")).join(" ") || "(none)",
      r.status,
      figure(r.results, "test_accuracy"),
      figure(r.results, "test_loss"),
      figure(r.results, "test_f1_macro"),
      typeof best === "number" ? best.toFixed(4) : "-",
      `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`,
      r.runDir,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === cells.length - 1 ? x : x.padEnd(widths[c]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
