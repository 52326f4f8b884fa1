import type { MetricRecord } from "./metrics_log.ts";

/** How a run ended. */
export type RunStatus = "finished" | "failed" | "interrupted";

/** Severity of a log line. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/**
 * Where a run's tracking goes: the local run directory, W&B, or several at once.
 * Methods may return a promise; callers await them.
 */
export interface Sink {
  /** The composed config / hyper-parameters (params.json, W&B config). */
  logConfig(params: Readonly<Record<string, unknown>>): void | Promise<void>;
  /** One step or evaluation record (metrics.jsonl, W&B history). */
  logMetrics(record: Readonly<MetricRecord>): void | Promise<void>;
  /** Final or best figures, merged into what was logged before (results.json, W&B summary). */
  logSummary(summary: Readonly<Record<string, unknown>>): void | Promise<void>;
  /** A human-readable log line (train.log); optional for sinks without text logs. */
  logText?(level: LogLevel, message: string): void | Promise<void>;
  /** Ends the run and releases files or connections. */
  finish(status: RunStatus): Promise<void>;
}

/**
 * A sink forwarding every call to each of `sinks` in turn. Errors of a sink after the
 * first (e.g. a remote service) go to `onError` when given, so the local files keep going.
 *
 * @param sinks the sinks, the one that must not fail first
 * @param options `onError` receives errors of the later sinks
 * @returns the combined sink
 */
export function fanOut(
  sinks: readonly Sink[],
  options: { onError?: (err: unknown, sink: Sink) => void } = {},
): Sink {
  const each = async (call: (s: Sink) => void | Promise<void>) => {
    for (const [i, s] of sinks.entries()) {
      try {
        await call(s);
      } catch (err) {
        if (i === 0 || !options.onError) throw err;
        options.onError(err, s);
      }
    }
  };
  return {
    logConfig: (p) => each((s) => s.logConfig(p)),
    logMetrics: (r) => each((s) => s.logMetrics(r)),
    logSummary: (v) => each((s) => s.logSummary(v)),
    logText: (level, message) => each((s) => s.logText?.(level, message)),
    finish: (status) => each((s) => s.finish(status)),
  };
}
