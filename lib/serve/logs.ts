/**
 * Access, model and server logs as JSON lines (`access_log.jsonl`,
 * `model_log.jsonl`, `ts_log.jsonl` under `log_location`), buffered and
 * flushed every 200 ms so that logging stays off the request path.
 *
 * @module
 */
import { join } from "node:path";

/** One JSON-lines log file; without a path it drops lines (logging off). */
export class JsonLog {
  #file?: Deno.FsFile;
  #lines: string[] = [];
  #timer?: ReturnType<typeof setTimeout>;
  #encoder = new TextEncoder();

  private constructor(file?: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Opens (appending) or creates a log file.
   *
   * @param path the file, or undefined for no logging
   * @returns the log
   */
  static async open(path?: string): Promise<JsonLog> {
    if (!path) return new JsonLog();
    const file = await Deno.open(path, { append: true, create: true });
    return new JsonLog(file);
  }

  /** Appends one record with a `time` field first. */
  write(record: Record<string, unknown>): void {
    if (!this.#file) return;
    const body = JSON.stringify(record);
    this.#lines.push(`{"time":"${isoNow()}"${body.length > 2 ? "," : ""}${body.slice(1)}`);
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), 200);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
  }

  /** Writes buffered lines now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#file || this.#lines.length === 0) return;
    const bytes = this.#encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    this.#file?.close();
    this.#file = undefined;
  }
}

let lastMs = 0;
let lastIso = "";

/** `new Date().toISOString()`, made once per millisecond (a busy server logs many per ms). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** The server's three logs. */
export interface ServerLogs {
  access: JsonLog;
  model: JsonLog;
  server: JsonLog;
}

/**
 * Opens the three logs under a folder (created if missing).
 *
 * @param dir `log_location`, or undefined for no log files
 * @returns the logs
 */
export async function openLogs(dir?: string): Promise<ServerLogs> {
  if (dir) await Deno.mkdir(dir, { recursive: true });
  const at = (name: string) => dir ? join(dir, name) : undefined;
  return {
    access: await JsonLog.open(at("access_log.jsonl")),
    model: await JsonLog.open(at("model_log.jsonl")),
    server: await JsonLog.open(at("ts_log.jsonl")),
  };
}
