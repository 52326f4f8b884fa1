/**
 * Body of one model worker: a Web Worker holding one ONNX Runtime session.
 * onnxruntime-node runs `session.run` on the calling JS thread, so each
 * worker gets its own thread and several workers really run in parallel.
 *
 * Messages in (each with a `seq` echoed in its answer): `{op: "load", model,
 * intraOpThreads}`, `{op: "run", feeds}`, `{op: "release"}`. Out: `{op: "loaded",
 * inputs, outputs}`, `{op: "result", outputs}`, `{op: "released"}` or
 * `{op: "error", message}`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { RuntimeSession } from "./_runtime.ts";
import type { Tensor } from "./tensor.ts";

let session: RuntimeSession | undefined;

self.onmessage = async (event: MessageEvent) => {
  const msg = event.data;
  try {
    if (msg.op === "load") {
      session = await RuntimeSession.create(msg.model, { intraOpThreads: msg.intraOpThreads });
      self.postMessage({
        op: "loaded",
        seq: msg.seq,
        inputs: session.inputs,
        outputs: session.outputs,
      });
    } else if (msg.op === "run") {
      if (!session) throw new Error("worker has no model loaded");
      const outputs = await session.run(msg.feeds as Record<string, Tensor>);
      self.postMessage({ op: "result", seq: msg.seq, outputs }, transferables(outputs));
    } else if (msg.op === "release") {
      await session?.release();
      session = undefined;
      self.postMessage({ op: "released", seq: msg.seq });
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    self.postMessage({ op: "error", seq: msg.seq, message });
  }
};

function transferables(outputs: Record<string, Tensor>): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of Object.values(outputs)) {
    const buf = t.data.buffer as ArrayBuffer;
    // Only a buffer the tensor fills alone can move without copying others' bytes.
    if (t.data.byteOffset === 0 && t.data.byteLength === buf.byteLength && !list.includes(buf)) {
      list.push(buf);
    }
  }
  return list;
}
