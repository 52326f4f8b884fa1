/**
 * The workers of one model version: keeps between `minWorkers` and
 * `maxWorkers` of them, grows when requests wait and all are busy, shrinks
 * idle ones back to the minimum, and stops a worker only after its batch.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { ModelWorker } from "./worker.ts";

let nextWorkerId = 9000;

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers kept running. */
  minWorkers: number;
  /** Upper bound when growing under load. */
  maxWorkers: number;
  /** Intra-op threads per worker; default: cores / workers, at least 1. */
  threadsPerWorker?: number;
  /** How long a worker may take to load (ms). */
  startupTimeoutMs?: number;
  /** Idle time after which a worker above the minimum stops (ms). */
  idleTimeoutMs?: number;
  /** Called when a worker becomes available (loaded or done with a batch). */
  onAvailable?: () => void;
  /** Receives lifecycle events for the model log. */
  log?: (event: string, detail: Record<string, unknown>) => void;
}

/** A described worker, as TorchServe's describe API lists it. */
export interface WorkerDescription {
  /** "9000", "9001", … */
  id: string;
  /** ISO time it started. */
  startTime: string;
  /** READY, LOADING or UNLOADING. */
  status: string;
  /** Resident memory of the server process (workers are its threads), bytes. */
  memoryUsage: number;
  /** The server's pid. */
  pid: number;
  /** Always false: CPU only. */
  gpu: boolean;
  /** "N/A". */
  gpuUsage: string;
  /** ONNX Runtime intra-op threads of this worker. */
  intraOpThreads: number;
}

/** Workers of one model version. */
export class WorkerPool {
  #model: Uint8Array;
  #opts: WorkerPoolOptions;
  #workers: ModelWorker[] = [];
  #loading = 0;
  #loads = new Set<Promise<unknown>>();
  #reaper: ReturnType<typeof setInterval>;
  #closed = false;
  /** Last worker start failure, if any. */
  lastError?: string;

  /** A pool for `model` (ONNX bytes); no workers until {@linkcode WorkerPool.scale}. */
  constructor(model: Uint8Array, options: WorkerPoolOptions) {
    this.#model = model;
    this.#opts = { ...options };
    const every = Math.max(250, Math.min(5000, (options.idleTimeoutMs ?? 60_000) / 4));
    this.#reaper = setInterval(() => this.#reapIdle(), every);
    Deno.unrefTimer(this.#reaper as unknown as number);
  }

  /** Workers kept running. */
  get minWorkers(): number {
    return this.#opts.minWorkers;
  }

  /** Upper bound under load. */
  get maxWorkers(): number {
    return this.#opts.maxWorkers;
  }

  /** Whether the pool was closed (its version unregistered). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Workers that are loaded and not stopping. */
  get readyCount(): number {
    return this.#workers.filter((w) => w.status === "READY").length;
  }

  /** Workers loaded or loading, not stopping. */
  get liveCount(): number {
    return this.readyCount + this.#loading;
  }

  /** An idle loaded worker, or undefined. */
  acquire(): ModelWorker | undefined {
    return this.#workers.find((w) => w.available);
  }

  /** Whether every worker that can take work is busy. */
  get allBusy(): boolean {
    return this.acquire() === undefined;
  }

  /** Starts one more worker when requests wait, all are busy and the maximum allows. */
  grow(): void {
    if (this.#closed || this.#loading > 0 || this.liveCount >= this.#opts.maxWorkers) return;
    this.#spawn(this.#opts.maxWorkers);
  }

  /**
   * Sets the bounds and starts or stops workers to fit them.
   *
   * @param minWorkers workers to keep running
   * @param maxWorkers upper bound for growth under load
   * @returns once every started worker is loaded and every stopped one is gone
   */
  async scale(minWorkers: number, maxWorkers: number): Promise<void> {
    this.#opts.minWorkers = minWorkers;
    this.#opts.maxWorkers = maxWorkers;
    const stops: Promise<void>[] = [];
    let excess = this.liveCount - maxWorkers;
    // Idle workers go first, busy ones finish their batch before stopping.
    const ready = this.#workers.filter((w) => w.status === "READY")
      .sort((a, b) => Number(a.busy) - Number(b.busy));
    for (const w of ready) {
      if (excess-- <= 0) break;
      stops.push(this.#retire(w));
    }
    const target = Math.max(minWorkers, 0);
    while (this.liveCount < target) this.#spawn(target);
    await Promise.all([...stops, ...this.#loads]);
  }

  /** Stops every worker after its batch; the pool takes no more work. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    await Promise.allSettled([...this.#loads]);
    await Promise.all(this.#workers.map((w) => this.#retire(w)));
  }

  /**
   * The workers for the describe API. Workers are threads of the server process, so
   * `memoryUsage` is the process's resident memory and `pid` its pid.
   */
  describe(): WorkerDescription[] {
    const rss = Deno.memoryUsage().rss;
    return this.#workers.filter((w) => w.status !== "STOPPED").map((w) => ({
      id: w.id,
      startTime: w.startTime.toISOString(),
      status: w.status,
      memoryUsage: rss,
      pid: Deno.pid,
      gpu: false,
      gpuUsage: "N/A",
      intraOpThreads: w.intraOpThreads,
    }));
  }

  #threads(target: number): number {
    if (this.#opts.threadsPerWorker) return this.#opts.threadsPerWorker;
    return Math.max(1, Math.floor(availableParallelism() / Math.max(1, target)));
  }

  #spawn(target: number): void {
    const id = String(nextWorkerId++);
    this.#loading++;
    const load = ModelWorker.start(this.#model, {
      id,
      intraOpThreads: this.#threads(target),
      startupTimeoutMs: this.#opts.startupTimeoutMs,
      onDeath: (w, reason) => this.#onDeath(w, reason),
    }).then((w) => {
      if (this.#closed) return w.kill();
      this.#workers.push(w);
      this.lastError = undefined;
      this.#opts.log?.("worker_started", { worker: id, threads: w.intraOpThreads });
      this.#opts.onAvailable?.();
    }, (err: Error) => {
      this.lastError = err.message;
      this.#opts.log?.("worker_failed", { worker: id, error: err.message });
    }).finally(() => {
      this.#loading--;
      this.#loads.delete(load);
    });
    this.#loads.add(load);
  }

  async #retire(w: ModelWorker): Promise<void> {
    await w.stop();
    this.#workers = this.#workers.filter((x) => x !== w);
    this.#opts.log?.("worker_stopped", { worker: w.id });
  }

  #onDeath(w: ModelWorker, reason: string): void {
    this.#workers = this.#workers.filter((x) => x !== w);
    this.#opts.log?.("worker_died", { worker: w.id, reason });
    // Keep the minimum: a worker that died (e.g. after a response timeout) is replaced.
    if (!this.#closed && this.liveCount < this.#opts.minWorkers) this.#spawn(this.#opts.minWorkers);
  }

  #reapIdle(): void {
    const idleMs = this.#opts.idleTimeoutMs ?? 60_000;
    const now = Date.now();
    for (const w of this.#workers) {
      if (this.liveCount <= this.#opts.minWorkers) return;
      if (w.available && now - w.lastUsed > idleMs) void this.#retire(w);
    }
  }
}
