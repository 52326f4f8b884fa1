/**
 * Dynamic batching in front of a worker pool, as TorchServe's `batch_size`
 * and `max_batch_delay`: requests wait in a bounded queue; a free worker
 * takes up to `batchSize` of them at once, or fewer once the oldest has
 * waited `maxBatchDelay` ms — or sooner, as soon as no accepted request is
 * still on its way to the queue (being read or decoded): nothing more is
 * coming to fill the batch, so waiting would only add latency (one client
 * alone pays nothing, not the whole delay). When the model's batch
 * dimension is dynamic the
 * requests' tensors are concatenated along it into one run and the outputs
 * split back; otherwise each request runs alone.
 *
 * @module
 */
import { ServeError } from "./errors.ts";
import { concatRows, sliceRows, type Tensor } from "./tensor.ts";
import type { WorkerPool } from "./worker_pool.ts";

/** Options of {@linkcode Batcher}. */
export interface BatcherOptions {
  /** Most requests in one run. */
  batchSize: number;
  /** Longest a request waits for a fuller batch (ms). */
  maxBatchDelayMs: number;
  /** Requests that may wait; one more gets 503. */
  queueSize: number;
  /** Per-batch response timeout (ms). */
  responseTimeoutMs: number;
  /** Whether requests may be concatenated along dim 0. */
  dynamicBatch: boolean;
  /** Name of the model, for messages. */
  label: string;
  /** Requests accepted but not yet submitted (still being read or decoded); default none. */
  incoming?: () => number;
}

/** What a request gets back: its rows of every output, and how long it queued. */
export interface BatchResult {
  /** This request's rows of each output. */
  outputs: Record<string, Tensor>;
  /** Time from submission to the run's start (ms). */
  queueMs: number;
}

interface Job {
  feeds: Record<string, Tensor>;
  rows: number;
  enqueued: number;
  resolve(r: BatchResult): void;
  reject(e: Error): void;
}

/** Counts of what the batcher ran. */
export interface BatchStats {
  /** Runs handed to workers. */
  batches: number;
  /** Requests in those runs. */
  requests: number;
  /** Most requests in one run. */
  largest: number;
}

/** The request queue of one model version. */
export class Batcher {
  /** What has run so far. */
  readonly stats: BatchStats = { batches: 0, requests: 0, largest: 0 };
  #pool: WorkerPool;
  #opts: BatcherOptions;
  #queue: Job[] = [];
  #running = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #runningJobs = 0;
  #drained: (() => void)[] = [];

  /** A queue in front of `pool`. */
  constructor(pool: WorkerPool, options: BatcherOptions) {
    this.#pool = pool;
    this.#opts = { ...options };
  }

  /** Requests waiting for a worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Requests that may still be queued. */
  get remainingCapacity(): number {
    return Math.max(0, this.#opts.queueSize - this.#queue.length);
  }

  /** Batches being run now. */
  get running(): number {
    return this.#running;
  }

  /** Requests submitted and not answered yet (queued or in a running batch). */
  get submitted(): number {
    return this.#queue.length + this.#runningJobs;
  }

  /**
   * Queues one request.
   *
   * @param feeds its tensors by input name; dim 0 is its row count
   * @returns its rows of each output once its batch has run
   * @throws {ServeError} 503 when the queue is full or no worker can ever serve it
   */
  submit(feeds: Record<string, Tensor>): Promise<BatchResult> {
    if (this.#queue.length >= this.#opts.queueSize) {
      return Promise.reject(ServeError.unavailable(
        `Model "${this.#opts.label}" has a full job queue (${this.#opts.queueSize}): try again later`,
      ));
    }
    if (this.#pool.closed) {
      return Promise.reject(
        ServeError.unavailable(`Model "${this.#opts.label}" was unregistered`),
      );
    }
    if (this.#pool.maxWorkers === 0 || (this.#pool.liveCount === 0 && this.#pool.lastError)) {
      const why = this.#pool.lastError ? `: ${this.#pool.lastError}` : "";
      return Promise.reject(ServeError.unavailable(
        `Model "${this.#opts.label}" has no worker to serve inference request${why}. ` +
          `Please use scale workers API to add workers`,
      ));
    }
    const rows = Object.values(feeds)[0]?.dims[0] ?? 1;
    return new Promise((resolve, reject) => {
      this.#queue.push({ feeds, rows, enqueued: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((r) => this.#drained.push(r));
  }

  /** Fails every queued request (used when no worker can be had). */
  rejectAll(err: Error): void {
    for (const job of this.#queue.splice(0)) job.reject(err);
    this.#checkDrained();
  }

  /** Hands queued requests to free workers; called on arrival and when a worker frees up. */
  pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const worker = this.#pool.acquire();
      if (!worker) {
        this.#pool.grow();
        return;
      }
      const size = this.#opts.dynamicBatch ? this.#opts.batchSize : 1;
      const left = this.#opts.maxBatchDelayMs - (performance.now() - this.#queue[0]!.enqueued);
      const coming = this.#opts.incoming?.() ?? 0;
      if (this.#queue.length < size && left > 0 && coming > 0) {
        // More requests are on their way: each arrival pumps again; the delay bounds the wait.
        this.#timer = setTimeout(() => this.pump(), left);
        return;
      }
      const jobs = this.#take(size);
      this.#running++;
      this.#runningJobs += jobs.length;
      this.stats.batches++;
      this.stats.requests += jobs.length;
      this.stats.largest = Math.max(this.stats.largest, jobs.length);
      void this.#run(worker, jobs);
    }
  }

  /** Up to `size` queued requests, in order, whose tensors agree after dim 0 with the first's. */
  #take(size: number): Job[] {
    const first = this.#queue[0]!;
    const jobs: Job[] = [];
    const rest: Job[] = [];
    for (const job of this.#queue) {
      if (jobs.length < size && sameShape(first.feeds, job.feeds)) jobs.push(job);
      else rest.push(job);
    }
    this.#queue = rest;
    return jobs;
  }

  async #run(worker: NonNullable<ReturnType<WorkerPool["acquire"]>>, jobs: Job[]): Promise<void> {
    const started = performance.now();
    try {
      const feeds = jobs.length === 1 ? ownFeeds(jobs[0]!.feeds) : concatFeeds(jobs);
      const outputs = await worker.run(feeds, this.#opts.responseTimeoutMs);
      const total = jobs.reduce((n, j) => n + j.rows, 0);
      let row = 0;
      for (const job of jobs) {
        const mine: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(outputs)) {
          // Outputs without the batch dimension (e.g. a constant) go to every request whole.
          mine[name] = t.dims[0] === total ? sliceRows(t, row, job.rows) : t;
        }
        row += job.rows;
        job.resolve({ outputs: mine, queueMs: started - job.enqueued });
      }
    } catch (err) {
      for (const job of jobs) job.reject(err as Error);
    } finally {
      this.#running--;
      this.#runningJobs -= jobs.length;
      this.pump();
      this.#checkDrained();
    }
  }

  #checkDrained(): void {
    if (this.#queue.length === 0 && this.#running === 0) {
      for (const r of this.#drained.splice(0)) r();
    }
  }
}

/** Whether two requests' tensors can be concatenated: equal dims after the batch dimension. */
function sameShape(a: Record<string, Tensor>, b: Record<string, Tensor>): boolean {
  if (a === b) return true;
  for (const [name, t] of Object.entries(a)) {
    const u = b[name];
    if (!u || u.dims.length !== t.dims.length) return false;
    for (let i = 1; i < t.dims.length; i++) if (t.dims[i] !== u.dims[i]) return false;
  }
  return true;
}

function concatFeeds(jobs: Job[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const name of Object.keys(jobs[0]!.feeds)) {
    feeds[name] = concatRows(jobs.map((j) => j.feeds[name]!));
  }
  return feeds;
}

/** Feeds whose buffers can move to the worker thread without taking others' bytes along. */
function ownFeeds(feeds: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
    out[name] = whole ? t : concatRows([t]);
  }
  return out;
}
