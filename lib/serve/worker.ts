/**
 * The main-thread side of one model worker: starts the worker thread, loads
 * the model, runs one batch at a time with a response timeout, and stops
 * after its current batch so that scaling down drops nothing.
 *
 * @module
 */
import { ServeError } from "./errors.ts";
import type { ValueInfo } from "./_runtime.ts";
import type { Tensor } from "./tensor.ts";

/** Worker states as TorchServe's describe API reports them. */
export type WorkerStatus = "LOADING" | "READY" | "UNLOADING" | "STOPPED";

const WORKER_URL = new URL("./_worker_thread.ts", import.meta.url).href;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Options of {@linkcode ModelWorker.start}. */
export interface WorkerStartOptions {
  /** TorchServe-style id ("9000", "9001", …). */
  id: string;
  /** ONNX Runtime intra-op threads of this worker's session. */
  intraOpThreads: number;
  /** How long loading may take, in ms. */
  startupTimeoutMs?: number;
  /** Called once when the worker dies without being asked to stop. */
  onDeath?: (worker: ModelWorker, reason: string) => void;
}

/** One ONNX Runtime session in its own thread. */
export class ModelWorker {
  /** TorchServe-style id. */
  readonly id: string;
  /** When it started. */
  readonly startTime: Date = new Date();
  /** ONNX Runtime intra-op threads of its session. */
  readonly intraOpThreads: number;
  /** Graph inputs, known once loaded. */
  inputs: ValueInfo[] = [];
  /** Graph outputs, known once loaded. */
  outputs: ValueInfo[] = [];
  #status: WorkerStatus = "LOADING";
  #thread: Worker;
  #seq = 0;
  #pending = new Map<number, Pending>();
  #busy = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};
  #onDeath?: WorkerStartOptions["onDeath"];
  /** When the last batch finished (ms since epoch), for idle scale-down. */
  lastUsed: number = Date.now();

  private constructor(options: WorkerStartOptions) {
    this.id = options.id;
    this.intraOpThreads = options.intraOpThreads;
    this.#onDeath = options.onDeath;
    this.#thread = new Worker(WORKER_URL, { type: "module", name: `model-worker-${this.id}` });
    this.#thread.onmessage = (e) => this.#receive(e.data);
    this.#thread.onerror = (e) => {
      e.preventDefault();
      this.#die(`worker thread failed: ${e.message}`);
    };
  }

  /**
   * Starts a worker and loads the model into it.
   *
   * @param model ONNX bytes (copied into the worker)
   * @param options id, threads, timeout, death callback
   * @returns the loaded worker
   * @throws {ServeError} when the model does not load in time or at all
   */
  static async start(model: Uint8Array, options: WorkerStartOptions): Promise<ModelWorker> {
    const w = new ModelWorker(options);
    try {
      const info = await w.#call(
        "load",
        { model, intraOpThreads: options.intraOpThreads },
        [],
        options.startupTimeoutMs ?? 120_000,
      ) as { inputs: ValueInfo[]; outputs: ValueInfo[] };
      w.inputs = info.inputs;
      w.outputs = info.outputs;
      w.#status = "READY";
      return w;
    } catch (err) {
      w.kill();
      throw err;
    }
  }

  /** READY, LOADING, UNLOADING or STOPPED. */
  get status(): WorkerStatus {
    return this.#status;
  }

  /** Whether a batch is running now. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Whether it can take a batch now. */
  get available(): boolean {
    return this.#status === "READY" && !this.#busy;
  }

  /**
   * Runs one batch.
   *
   * @param feeds tensors by input name (their buffers move to the worker thread)
   * @param timeoutMs response timeout; on expiry the worker is killed
   * @returns tensors by output name
   * @throws {ServeError} 504 on timeout, 500 when the run fails
   */
  async run(feeds: Record<string, Tensor>, timeoutMs: number): Promise<Record<string, Tensor>> {
    if (!this.available) throw ServeError.internal(`Worker ${this.id} is not available`);
    this.#busy = true;
    this.#idle = new Promise((r) => this.#markIdle = r);
    const transfer = Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
    try {
      return await this.#call("run", { feeds }, transfer, timeoutMs) as Record<string, Tensor>;
    } finally {
      this.#busy = false;
      this.lastUsed = Date.now();
      this.#markIdle();
    }
  }

  /** Stops after the batch in progress (if any) has finished. */
  async stop(): Promise<void> {
    if (this.#status === "STOPPED") return;
    this.#status = "UNLOADING";
    await this.#idle;
    this.kill();
  }

  /** Stops now; a batch in progress fails. */
  kill(): void {
    if (this.#status === "STOPPED") return;
    this.#status = "STOPPED";
    this.#thread.terminate();
    this.#failAll(ServeError.internal(`Worker ${this.id} stopped`));
  }

  #call(
    op: string,
    body: Record<string, unknown>,
    transfer: Transferable[],
    timeoutMs: number,
  ): Promise<unknown> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (Number.isFinite(timeoutMs)) {
        p.timer = setTimeout(() => {
          const err = new ServeError(
            504,
            "RequestTimeoutException",
            `Worker ${this.id} did not answer within ${timeoutMs / 1000} s (${
              op === "load" ? "startup_timeout" : "response_timeout"
            })`,
          );
          this.#pending.delete(seq);
          reject(err);
          this.#die(err.message);
        }, timeoutMs);
      }
      this.#pending.set(seq, p);
      try {
        this.#thread.postMessage({ op, seq, ...body }, transfer);
      } catch (err) {
        this.#pending.delete(seq);
        clearTimeout(p.timer);
        reject(ServeError.internal(`Cannot send to worker ${this.id}: ${(err as Error).message}`));
      }
    });
  }

  // deno-lint-ignore no-explicit-any
  #receive(msg: any): void {
    const p = this.#pending.get(msg.seq);
    if (!p) return;
    this.#pending.delete(msg.seq);
    clearTimeout(p.timer);
    if (msg.op === "error") {
      p.reject(ServeError.internal(`Inference failed in worker ${this.id}: ${msg.message}`));
    } else {
      p.resolve(msg.op === "result" ? msg.outputs : msg);
    }
  }

  #die(reason: string): void {
    if (this.#status === "STOPPED") return;
    const wasStopping = this.#status === "UNLOADING";
    this.kill();
    if (!wasStopping) this.#onDeath?.(this, reason);
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
  }
}
