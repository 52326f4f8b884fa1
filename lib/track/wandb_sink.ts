/**
 * A {@linkcode Sink} sending a run to Weights & Biases over W&B's own HTTP
 * protocol, as its Python and JavaScript clients speak it:
 *
 * - `POST {base}/graphql` with HTTP basic auth `api:<key>`: the `Viewer` query
 *   (the default entity) and the `UpsertBucket` mutation (creates or resumes
 *   the run: id, project, entity, group, display name, config as
 *   `{key: {value, desc}}`).
 * - `POST {base}/files/{entity}/{project}/{run}/file_stream`: history rows as
 *   `{"files": {"wandb-history.jsonl": {"offset": n, "content": [row, …]},
 *   "wandb-summary.json": {"offset": 0, "content": [summary]}}}`, then
 *   `{"complete": true, "exitcode": n}` at the end.
 *
 * Records are queued and posted every `flushSeconds` in the background, so the
 * training loop never waits on the network; failed posts keep their rows for
 * the next one (429, 5xx and network errors are retried with backoff). A
 * history row merges the records of one step (`train/loss`, `test/accuracy`);
 * on resume, `historyOffset` continues the run's history where the kept
 * records end.
 *
 * @module
 */
import type { MetricRecord } from "./metrics_log.ts";
import type { RunStatus, Sink } from "./sink.ts";
import { graphql, post, retryable, WandbError } from "./_wandb_http.ts";

export { WandbError };

/** Options of {@linkcode WandbSink.open}. */
export interface WandbOptions {
  /** The API key (`WANDB_API_KEY`). */
  apiKey: string;
  /** Server (default `https://api.wandb.ai`; `WANDB_BASE_URL`). */
  baseUrl?: string;
  /** Entity (user or team); default the key's own, asked from the server. */
  entity?: string | null;
  project: string;
  group?: string | null;
  /** Display name. */
  name?: string | null;
  /** Run id to resume (default: a new random id). */
  runId?: string;
  /** History rows the run already has (on resume). */
  historyOffset?: number;
  /** Seconds between background posts (default 10). */
  flushSeconds?: number;
  /** Seconds `finish` waits for the last posts (default 30). */
  finishSeconds?: number;
  /** Receives one line per problem (dropped rows, failed posts). */
  onWarning?: (message: string) => void;
  /** The fetch used (default `globalThis.fetch`), for tests. */
  fetch?: typeof fetch;
}

const UPSERT = `mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String,
  $groupName: String, $displayName: String, $config: JSONString, $jobType: String) {
  upsertBucket(input: {id: $id, name: $name, modelName: $project, entityName: $entity,
    groupName: $groupName, displayName: $displayName, config: $config, jobType: $jobType}) {
    bucket { id name displayName project { id name entity { id name } } }
    inserted
  }
}`;

const VIEWER = `query Viewer { viewer { id entity } }`;

const HISTORY = "wandb-history.jsonl";
const SUMMARY = "wandb-summary.json";
const KEYS = new Set(["step", "epoch", "iteration", "split", "time"]);

/**
 * The W&B history rows of metrics records: one row per step, numeric values as
 * `<split>/<name>`, `_step`, `_timestamp`; lists (per-class figures, the confusion
 * matrix) stay out of the history.
 *
 * @param records metrics.jsonl records in order
 * @returns the rows
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyRows } from "./wandb_sink.ts";
 * const rows = historyRows([
 *   { step: 5, epoch: 0, iteration: 0, split: "train", time: 1, loss: 0.5 },
 *   { step: 5, epoch: 0, iteration: 0, split: "test", time: 2, accuracy: 0.9, confusion_matrix: [[1]] },
 * ]);
 * assert.deepEqual(rows, [{ _step: 5, _timestamp: 2, epoch: 0, iteration: 0, "train/loss": 0.5, "test/accuracy": 0.9 }]);
 * ```
 */
export function historyRows(records: readonly MetricRecord[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const r of records) {
    let row = rows[rows.length - 1];
    if (!row || row._step !== r.step) {
      row = { _step: r.step };
      rows.push(row);
    }
    row._timestamp = r.time;
    row.epoch = r.epoch;
    row.iteration = r.iteration;
    for (const [k, v] of Object.entries(r)) {
      if (!KEYS.has(k) && typeof v === "number") row[`${r.split}/${k}`] = v;
    }
  }
  return rows;
}

/** A random run id as W&B makes them: 8 characters of [a-z0-9]. */
export function newRunId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

/** Connection and timing settings of an open sink. */
interface Settings {
  baseUrl: string;
  apiKey: string;
  project: string;
  historyOffset: number;
  flushSeconds: number;
  finishSeconds: number;
  fetch: typeof fetch;
  onWarning: (message: string) => void;
}

/** The W&B run of a training run. */
export class WandbSink implements Sink {
  /** The run id (resume with it). */
  readonly runId: string;
  readonly entity: string;
  readonly project: string;
  /** The run's page. */
  readonly url: string;
  #o: Settings;
  #bucket: Record<string, unknown>;
  #offset: number;
  #pending: Record<string, unknown>[] = [];
  #open: Record<string, unknown> | null = null;
  #summary: Record<string, unknown> = {};
  #summaryDirty = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> = Promise.resolve();
  #done = false;

  private constructor(o: Settings, bucket: Record<string, unknown>, ids: string[]) {
    this.#o = o;
    this.#bucket = bucket;
    [this.runId, this.entity, this.project] = ids as [string, string, string];
    this.#offset = o.historyOffset;
    const app = o.baseUrl.replace("://api.", "://");
    this.url = `${app}/${this.entity}/${this.project}/runs/${this.runId}`;
  }

  /**
   * Creates (or resumes) the run on the server and starts the background posts.
   *
   * @param options key, server, project/group/name, run id and history offset to resume
   * @returns the sink
   * @throws {WandbError} when the server refuses the key or cannot be reached
   */
  static async open(options: WandbOptions): Promise<WandbSink> {
    const o: Settings = {
      baseUrl: (options.baseUrl ?? "https://api.wandb.ai").replace(/\/+$/, ""),
      apiKey: options.apiKey,
      project: options.project,
      historyOffset: options.historyOffset ?? 0,
      flushSeconds: options.flushSeconds ?? 10,
      finishSeconds: options.finishSeconds ?? 30,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      onWarning: options.onWarning ?? ((m: string) => console.error(m)),
    };
    let entity = options.entity ?? "";
    if (!entity) {
      const data = await graphql(o, VIEWER, {});
      entity = String((data.viewer as Record<string, unknown> | null)?.entity ?? "");
      if (!entity) throw new WandbError("Cannot find the W&B entity of this API key", 200);
    }
    const runId = options.runId ?? newRunId();
    const data = await graphql(o, UPSERT, {
      name: runId,
      project: o.project,
      entity,
      groupName: options.group ?? null,
      displayName: options.name ?? null,
      jobType: "train",
    });
    const bucket = ((data.upsertBucket as Record<string, unknown>)?.bucket ?? {}) as Record<
      string,
      unknown
    >;
    const sink = new WandbSink(o, bucket, [runId, entity, o.project]);
    sink.#schedule();
    return sink;
  }

  /** Sends the config (`{key: {value, desc}}`, as W&B stores it). */
  async logConfig(params: Readonly<Record<string, unknown>>): Promise<void> {
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) config[k] = { value: v, desc: null };
    await graphql(this.#o, UPSERT, {
      id: this.#bucket.id ?? null,
      name: this.runId,
      project: this.project,
      entity: this.entity,
      config: JSON.stringify(config),
    });
  }

  /** Queues a record; rows of one step are merged. */
  logMetrics(record: Readonly<MetricRecord>): void {
    if (this.#done) return;
    const [row] = historyRows([record]);
    if (this.#open && this.#open._step === row!._step) Object.assign(this.#open, row);
    else {
      if (this.#open) this.#pending.push(this.#open);
      this.#open = row!;
    }
    for (const [k, v] of Object.entries(row!)) if (!k.startsWith("_")) this.#summary[k] = v;
    this.#summaryDirty = true;
  }

  /** Merges figures into the run's summary. */
  logSummary(summary: Readonly<Record<string, unknown>>): void {
    Object.assign(this.#summary, summary);
    this.#summaryDirty = true;
  }

  /** Posts what is left and marks the run complete (exit code 0, 1 failed, 130 interrupted). */
  async finish(status: RunStatus): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    if (this.#open) this.#pending.push(this.#open);
    this.#open = null;
    const exitcode = status === "finished" ? 0 : status === "failed" ? 1 : 130;
    const deadline = Date.now() + this.#o.finishSeconds * 1000;
    await this.#sending;
    let delay = 500;
    while (true) {
      try {
        await this.#flush();
        await this.#stream({ complete: true, exitcode });
        return;
      } catch (err) {
        if (!retryable(err) || Date.now() + delay > deadline) {
          this.#o.onWarning(`W&B: could not finish run ${this.runId}: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#sending = this.#flush().catch((err) => {
        if (!retryable(err)) {
          this.#o.onWarning(`W&B: dropped ${this.#pending.length} rows: ${(err as Error).message}`);
          this.#pending = [];
        }
      }).finally(() => {
        if (!this.#done) this.#schedule();
      });
    }, this.#o.flushSeconds * 1000);
    Deno.unrefTimer(Number(this.#timer));
  }

  /** Posts the complete rows and the summary; rows stay queued when the post fails. */
  async #flush(): Promise<void> {
    const rows = this.#pending.slice();
    if (rows.length === 0 && !this.#summaryDirty) return;
    const files: Record<string, unknown> = {};
    if (rows.length > 0) {
      files[HISTORY] = { offset: this.#offset, content: rows.map((r) => JSON.stringify(r)) };
    }
    files[SUMMARY] = { offset: 0, content: [JSON.stringify(this.#summary)] };
    this.#summaryDirty = false;
    try {
      await this.#stream({ files });
    } catch (err) {
      this.#summaryDirty = true;
      throw err;
    }
    this.#offset += rows.length;
    this.#pending.splice(0, rows.length);
  }

  #stream(body: unknown): Promise<unknown> {
    const path = [this.entity, this.project, this.runId].map(encodeURIComponent).join("/");
    return post(this.#o, `/files/${path}/file_stream`, body);
  }
}
