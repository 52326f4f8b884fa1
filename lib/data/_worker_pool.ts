// A fixed set of loader workers fed from one FIFO queue, one batch per worker at a time.

import type { BatchResult } from "./_batch.ts";
import { DataError, type SampleSource } from "./dataset.ts";
import type { TransformSpec } from "./transforms.ts";

/** Messages to a loader worker. */
export type WorkerRequest =
  | {
    type: "init";
    sources: readonly SampleSource[];
    source: Uint8Array;
    item: Int32Array;
    specs: readonly TransformSpec[];
    seed: number;
  }
  | { type: "batch"; id: number; epoch: number; indices: Int32Array };

/** Messages from a loader worker. */
export type WorkerReply =
  | ({ type: "done"; id: number } & BatchResult)
  | { type: "error"; id: number; name: string; message: string; path?: string };

interface Task {
  id: number;
  epoch: number;
  indices: Int32Array;
  resolve(r: BatchResult): void;
  reject(e: Error): void;
}

const ERRORS: Record<string, new (message: string) => Error> = {
  TypeError,
  RangeError,
  SyntaxError,
};

function rebuild(reply: Extract<WorkerReply, { type: "error" }>): Error {
  if (reply.name === "DataError") return new DataError(reply.message, { path: reply.path });
  return new (ERRORS[reply.name] ?? Error)(reply.message);
}

/**
 * Loader workers. Each batch is posted at once to the worker with the fewest batches
 * outstanding, so workers keep building while the main thread is busy; `close()`
 * terminates them and fails what is still outstanding.
 */
export class WorkerPool {
  #workers: Worker[] = [];
  #load: number[] = [];
  #tasks = new Map<number, Task & { worker: number }>();
  #nextId = 0;
  #closed: Error | undefined;

  constructor(count: number, init: Extract<WorkerRequest, { type: "init" }>) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<WorkerReply>) => this.#reply(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(new Error(`Loader worker failed: ${e.message}`));
      };
      w.postMessage(init);
      this.#workers.push(w);
      this.#load.push(0);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Sends the batch of `indices` for `epoch` to the least loaded worker. */
  run(epoch: number, indices: Int32Array): Promise<BatchResult> {
    if (this.#closed) return Promise.reject(this.#closed);
    let worker = 0;
    for (let i = 1; i < this.#load.length; i++) {
      if (this.#load[i]! < this.#load[worker]!) worker = i;
    }
    const id = this.#nextId++;
    this.#load[worker]!++;
    return new Promise((resolve, reject) => {
      this.#tasks.set(id, { id, epoch, indices, resolve, reject, worker });
      this.#workers[worker]!.postMessage({ type: "batch", id, epoch, indices });
    });
  }

  #reply(reply: WorkerReply): void {
    const task = this.#tasks.get(reply.id);
    if (!task) return;
    this.#tasks.delete(reply.id);
    this.#load[task.worker]!--;
    if (reply.type === "done") {
      const { x, dims, kept, bad } = reply;
      task.resolve({ x, dims, kept, bad });
    } else {
      task.reject(rebuild(reply));
    }
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    for (const task of this.#tasks.values()) task.reject(err);
    this.#tasks.clear();
  }

  /** Terminates every worker; outstanding batches fail. */
  close(): void {
    this.#fail(new Error("Cannot build a batch: the data loader is closed"));
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }
}
