import { join } from "node:path";
import { LineFile, writeJsonAtomic } from "./_files.ts";
import { type MetricRecord, readMetricsLog, trimMetricsLog } from "./metrics_log.ts";
import type { LogLevel, RunStatus, Sink } from "./sink.ts";

/** File names inside a run directory. */
export const RUN_FILES = {
  metrics: "metrics.jsonl",
  params: "params.json",
  results: "results.json",
  log: "train.log",
} as const;

/** Options of {@linkcode LocalSink.open}. */
export interface LocalSinkOptions {
  /** Logger name in train.log lines (default "train"). */
  name?: string;
  /** On resume: which existing metrics records to keep (default all). */
  keep?: (r: MetricRecord) => boolean;
  /** Clock (default `Date.now`), for tests. */
  now?: () => number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `2024-05-01 10:00:00,123` in local time, as Python's logging `asctime`. */
export function logTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${
      pad(d.getMilliseconds(), 3)
    }`;
}

/**
 * The run directory as a sink: `metrics.jsonl` (a line per record), `params.json` and
 * `results.json` (written atomically), `train.log` (lines as Hydra's job log:
 * `[time][name][LEVEL] - message`). The directory must exist.
 */
export class LocalSink implements Sink {
  /** The run directory. */
  readonly dir: string;
  #metrics: LineFile;
  #log: LineFile;
  #summary: Record<string, unknown>;
  #name: string;
  #now: () => number;
  #closed = false;

  private constructor(
    dir: string,
    metrics: LineFile,
    log: LineFile,
    summary: Record<string, unknown>,
    options: LocalSinkOptions,
  ) {
    this.dir = dir;
    this.#metrics = metrics;
    this.#log = log;
    this.#summary = summary;
    this.#name = options.name ?? "train";
    this.#now = options.now ?? Date.now;
  }

  /**
   * Opens the files of `dir` for a new or resumed run. Existing metrics are kept
   * (filtered by `keep`) with a torn last line removed; an existing results.json is
   * merged into.
   *
   * @param dir an existing run directory
   * @param options logger name, records to keep, clock
   * @returns the sink; call `finish` at the end
   * @throws {Error} naming the file when it cannot be opened
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LocalSink, readMetricsLog } from "./mod.ts";
   * const dir = await Deno.makeTempDir();
   * const sink = await LocalSink.open(dir);
   * sink.logMetrics({ step: 10, epoch: 0, iteration: 0, split: "train", time: 0, loss: 1.5 });
   * await sink.finish("finished");
   * assert.equal((await readMetricsLog(`${dir}/metrics.jsonl`)).records[0]?.loss, 1.5);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(dir: string, options: LocalSinkOptions = {}): Promise<LocalSink> {
    const metricsPath = join(dir, RUN_FILES.metrics);
    const log = await readMetricsLog(metricsPath);
    if (options.keep || !log.complete) await trimMetricsLog(metricsPath, options.keep);
    let summary: Record<string, unknown> = {};
    try {
      summary = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.results)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        throw new SyntaxError(
          `Cannot read "${join(dir, RUN_FILES.results)}": ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    const metrics = await LineFile.open(metricsPath);
    const text = await LineFile.open(join(dir, RUN_FILES.log)).catch((err) => {
      metrics.close();
      throw err;
    });
    return new LocalSink(dir, metrics, text, summary, options);
  }

  /** Writes params.json. */
  logConfig(params: Readonly<Record<string, unknown>>): Promise<void> {
    return writeJsonAtomic(join(this.dir, RUN_FILES.params), params);
  }

  /** Appends one line to metrics.jsonl. */
  logMetrics(record: Readonly<MetricRecord>): void {
    this.#check();
    this.#metrics.append(JSON.stringify(record));
  }

  /** Merges into results.json and rewrites it. */
  logSummary(summary: Readonly<Record<string, unknown>>): Promise<void> {
    this.#summary = { ...this.#summary, ...summary };
    return writeJsonAtomic(join(this.dir, RUN_FILES.results), this.#summary);
  }

  /** Appends `[time][name][LEVEL] - message` to train.log, one line per message line. */
  logText(level: LogLevel, message: string): void {
    this.#check();
    const head = `[${logTime(this.#now())}][${this.#name}][${level}] - `;
    for (const line of message.split("\n")) this.#log.append(head + line);
  }

  /** Logs the status and closes the files. */
  finish(status: RunStatus): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.logText(status === "finished" ? "INFO" : "WARNING", `Run ${status}`);
    this.#closed = true;
    this.#metrics.close();
    this.#log.close();
    return Promise.resolve();
  }

  #check(): void {
    if (this.#closed) throw new Error(`Cannot log to "${this.dir}": the run is finished`);
  }
}
