// Loader worker: receives the data set once, then builds batches on request.

import { type BatchContext, makeBatch } from "./_batch.ts";
import type { WorkerReply, WorkerRequest } from "./_worker_pool.ts";
import { Pipeline } from "./transforms.ts";

interface Scope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;
let ctx: BatchContext | undefined;

scope.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === "init") {
    const { sources, source, item, specs, seed } = msg;
    ctx = { sources, source, item, seed, pipeline: new Pipeline(specs) };
    return;
  }
  try {
    if (!ctx) throw new Error("Cannot build a batch: the loader worker was not initialised");
    const r = await makeBatch(ctx, msg.epoch, msg.indices);
    scope.postMessage({ type: "done", id: msg.id, ...r }, [r.x.buffer, r.kept.buffer]);
  } catch (err) {
    const { name = "Error", message = String(err) } = err as Error;
    const path = (err as { path?: string }).path;
    scope.postMessage({ type: "error", id: msg.id, name, message, path });
  }
};
