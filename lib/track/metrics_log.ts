import { writeTextAtomic } from "./_files.ts";

/** Which data a record is about. */
export type Split = "train" | "val" | "test" | (string & Record<never, never>);

/** One line of `metrics.jsonl`: a logged training step or an evaluation. */
export interface MetricRecord {
  /** Optimizer steps done so far. */
  step: number;
  /** Epoch index. */
  epoch: number;
  /** Index of the training iteration (iterations × epochs per iteration, as the original). */
  iteration: number;
  /** "train" for step records, the evaluated split otherwise. */
  split: Split;
  /** Unix time in seconds. */
  time: number;
  /** The metrics: numbers, or arrays such as a confusion matrix. */
  [metric: string]: unknown;
}

/** What {@linkcode readMetricsLog} found. */
export interface MetricsLog {
  /** The complete records, in file order. */
  records: MetricRecord[];
  /** Whether the last line was cut short (a crash while appending) and left out. */
  torn: boolean;
  /** Byte length of the complete lines (where a resumed writer should continue). */
  validBytes: number;
  /** Whether the file is empty or ends with a newline, so appending is safe. */
  complete: boolean;
}

function isRecord(v: unknown): v is MetricRecord {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return typeof r.step === "number" && typeof r.split === "string";
}

/**
 * Reads `metrics.jsonl`, tolerating a torn last line; a missing file reads as empty.
 *
 * @param path the file
 * @returns the records, whether a torn tail was dropped, and the size of the good part
 * @throws {SyntaxError} naming the line when a line other than the last is not a record
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMetricsLog } from "./mod.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"step":1,"epoch":0,"iteration":0,"split":"train","time":0,"loss":2}\n{"step":2,');
 * const log = await readMetricsLog(path);
 * assert.deepEqual([log.records.length, log.torn], [1, true]);
 * await Deno.remove(path);
 * ```
 */
export async function readMetricsLog(path: string): Promise<MetricsLog> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { records: [], torn: false, validBytes: 0, complete: true };
    }
    throw err;
  }
  const decoder = new TextDecoder();
  const records: MetricRecord[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    line++;
    const text = decoder.decode(bytes.subarray(start, end)).trim();
    let value: unknown;
    let ok = text === "";
    if (!ok) {
      try {
        value = JSON.parse(text);
        ok = isRecord(value);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      if (nl < 0) return { records, torn: true, validBytes: start, complete: false };
      throw new SyntaxError(
        `Cannot read "${path}": line ${line} is not a metrics record: ${text.slice(0, 80)}`,
      );
    }
    if (value !== undefined) records.push(value as MetricRecord);
    if (nl < 0) return { records, torn: false, validBytes: bytes.length, complete: false };
    start = nl + 1;
  }
  return { records, torn: false, validBytes: bytes.length, complete: true };
}

/**
 * Rewrites `metrics.jsonl` atomically with the records `keep` accepts, dropping a torn
 * last line; used when a run resumes from a checkpoint so that the records logged after
 * it are not doubled.
 *
 * @param path the file (missing: nothing to do)
 * @param keep which records stay (default all)
 * @returns the records kept
 * @throws {SyntaxError} as {@linkcode readMetricsLog}
 */
export async function trimMetricsLog(
  path: string,
  keep: (r: MetricRecord) => boolean = () => true,
): Promise<MetricRecord[]> {
  const log = await readMetricsLog(path);
  const kept = log.records.filter(keep);
  if (log.validBytes === 0 && log.complete) return kept;
  await writeTextAtomic(path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  return kept;
}
