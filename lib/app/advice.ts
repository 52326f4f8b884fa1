/**
 * LLM advice as server-sent events: `chunk` events carry text as the model
 * writes it, then `done`; `off` says why advice is off; `error` carries one
 * message when the request fails. Data are JSON strings.
 *
 * @module
 */
import { type AdviceInput, type Advisor, AssistError } from "../assist/mod.ts";

const encoder = new TextEncoder();

function event(name: string, data: string): Uint8Array {
  return encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Streams advice on a prediction as a `text/event-stream` response.
 *
 * @param advisor the app's advisor
 * @param input the prediction
 * @param signal aborts the upstream request when the client goes away
 * @returns the response (status 200; failures travel as `error` events)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Advisor } from "../assist/mod.ts";
 * import { adviceResponse } from "./mod.ts";
 * const off = await Advisor.create({ use: false });
 * const res = adviceResponse(off, { label: "7", confidence: 0.9, topK: [] });
 * assert.match(await res.text(), /^event: off\ndata: "Advice is off/);
 * ```
 */
export function adviceResponse(
  advisor: Advisor,
  input: AdviceInput,
  signal?: AbortSignal,
): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      if (!advisor.state.enabled) {
        controller.enqueue(event("off", advisor.state.reason));
        controller.close();
        return;
      }
      try {
        for await (const text of advisor.advise(input, { signal })) {
          controller.enqueue(event("chunk", text));
        }
        controller.enqueue(event("done", ""));
      } catch (err) {
        const message = err instanceof AssistError
          ? err.message
          : `Advice failed: ${(err as Error).message}`;
        if (!signal?.aborted) controller.enqueue(event("error", message));
      }
      controller.close();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
