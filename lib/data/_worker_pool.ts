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

/** Loader workers; `close()` terminates them and fails what is still queued. */
export class WorkerPool {
  #workers: Worker[] = [];
  #busy = new Map<Worker, Task>();
  #queue: Task[] = [];
  #nextId = 0;
  #closed: Error | undefined;

  constructor(count: number, init: Extract<WorkerRequest, { type: "init" }>) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<WorkerReply>) => this.#reply(w, e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(new Error(`Loader worker failed: ${e.message}`));
      };
      w.postMessage(init);
      this.#workers.push(w);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Queues the batch of `indices` for `epoch`. */
  run(epoch: number, indices: Int32Array): Promise<BatchResult> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, epoch, indices, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const w of this.#workers) {
      if (this.#queue.length === 0) return;
      if (this.#busy.has(w)) continue;
      const task = this.#queue.shift()!;
      this.#busy.set(w, task);
      w.postMessage({ type: "batch", id: task.id, epoch: task.epoch, indices: task.indices });
    }
  }

  #reply(w: Worker, reply: WorkerReply): void {
    const task = this.#busy.get(w);
    if (!task || task.id !== reply.id) return;
    this.#busy.delete(w);
    if (reply.type === "done") {
      const { x, dims, kept, bad } = reply;
      task.resolve({ x, dims, kept, bad });
    } else {
      task.reject(rebuild(reply));
    }
    this.#dispatch();
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    for (const task of [...this.#busy.values(), ...this.#queue]) task.reject(err);
    this.#busy.clear();
    this.#queue = [];
  }

  /** Terminates every worker; queued and running batches fail. */
  close(): void {
    this.#fail(new Error("Cannot build a batch: the data loader is closed"));
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }
}
