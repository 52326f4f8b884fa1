// A loopback stand-in of OpenAI's chat completions endpoint in its streaming
// format: server-sent events of `chat.completion.chunk` objects whose
// choices[0].delta.content carry the text, ended by `data: [DONE]`.

/** How the stand-in answers the next requests. */
export type StandInMode =
  | { kind: "stream"; chunks: string[] }
  | { kind: "error"; status: number; code: string; message: string }
  | { kind: "cut"; chunks: string[] };

/** A running stand-in. */
export interface OpenAIStandIn {
  /** Base URL to give the client (`http://127.0.0.1:<port>/v1`). */
  baseURL: string;
  /** The key it accepts. */
  apiKey: string;
  mode: StandInMode;
  /** JSON bodies of the requests received. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();

function chunk(content: string | null, finish: string | null, role = false): string {
  const delta: Record<string, string> = {};
  if (role) delta.role = "assistant";
  if (content !== null) delta.content = content;
  const body = {
    id: "chatcmpl-standin",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "standin-model",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

function errorBody(status: number, code: string, message: string): Response {
  const type = status === 429 ? "requests" : "invalid_request_error";
  return Response.json({ error: { message, type, param: null, code } }, { status });
}

function stream(chunks: string[], cut: boolean): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(chunk("", null, true)));
      for (const text of chunks) controller.enqueue(encoder.encode(chunk(text, null)));
      if (cut) {
        // Let the chunks reach the client, then drop the connection mid-stream.
        await new Promise((r) => setTimeout(r, 50));
        controller.error(new Error("connection reset"));
        return;
      }
      controller.enqueue(encoder.encode(chunk(null, "stop")));
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** Starts the stand-in on 127.0.0.1, streaming "Looks like a 7." in three chunks. */
export function startOpenAIStandIn(): OpenAIStandIn {
  const s: OpenAIStandIn = {
    baseURL: "",
    apiKey: "sk-test-standin",
    mode: { kind: "stream", chunks: ["Looks ", "like ", "a 7."] },
    requests: [],
    close: () => server.shutdown(),
  };
  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return errorBody(404, "unknown_url", `Unknown request URL: ${req.method} ${url.pathname}`);
    }
    s.requests.push(await req.json());
    if (req.headers.get("authorization") !== `Bearer ${s.apiKey}`) {
      return errorBody(401, "invalid_api_key", "Incorrect API key provided");
    }
    const mode = s.mode;
    if (mode.kind === "error") return errorBody(mode.status, mode.code, mode.message);
    return stream(mode.chunks, mode.kind === "cut");
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  s.baseURL = `http://127.0.0.1:${server.addr.port}/v1`;
  return s;
}
