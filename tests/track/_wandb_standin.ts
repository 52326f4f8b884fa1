// A loopback stand-in for the W&B server, speaking the wire format its clients use:
// POST /graphql (the Viewer query and the UpsertBucket mutation) and
// POST /files/{entity}/{project}/{run}/file_stream (history lines written at their
// offsets, the summary replaced, `complete`/`exitcode` at the end), behind HTTP basic
// auth "api:<key>".

/** What the stand-in knows about one run. */
export interface StandInRun {
  name: string;
  project: string;
  entity: string;
  groupName: string | null;
  displayName: string | null;
  config: Record<string, { value: unknown; desc: unknown }> | null;
  /** History lines by offset, as the server stores them. */
  history: string[];
  summary: Record<string, unknown> | null;
  complete: boolean;
  exitcode: number | null;
  /** file_stream posts received. */
  posts: number;
}

/** The stand-in server. */
export class WandbStandIn implements AsyncDisposable {
  readonly url: string;
  readonly runs = new Map<string, StandInRun>();
  /** Every request: path and GraphQL operation or file_stream keys. */
  readonly log: string[] = [];
  /** Statuses to answer the next file_stream posts with (then normal service). */
  failures: number[] = [];
  #server: Deno.HttpServer;

  private constructor(server: Deno.HttpServer, url: string) {
    this.#server = server;
    this.url = url;
  }

  /** Starts on a free loopback port; requests must carry `key`. */
  static start(key = "test-key", entity = "alice"): WandbStandIn {
    const auth = `Basic ${btoa(`api:${key}`)}`;
    const ref: { self?: WandbStandIn } = {};
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const self = ref.self!;
      if (req.method !== "POST") return new Response("method", { status: 405 });
      if (req.headers.get("authorization") !== auth) {
        self.log.push("401");
        return Response.json({ error: "invalid api key" }, { status: 401 });
      }
      const path = new URL(req.url).pathname;
      const body = await req.json();
      if (path === "/graphql") return Response.json(self.#graphql(body, entity));
      const m = /^\/files\/([^/]+)\/([^/]+)\/([^/]+)\/file_stream$/.exec(path);
      if (m) return self.#fileStream(decodeURIComponent(m[3]!), body);
      return new Response("not found", { status: 404 });
    });
    ref.self = new WandbStandIn(server, `http://127.0.0.1:${server.addr.port}`);
    return ref.self;
  }

  #graphql(body: { query: string; variables: Record<string, unknown> }, entity: string) {
    const v = body.variables;
    if (/query Viewer/.test(body.query)) {
      this.log.push("Viewer");
      return { data: { viewer: { id: "u1", entity } } };
    }
    if (/mutation UpsertBucket/.test(body.query)) {
      this.log.push("UpsertBucket");
      const name = String(v.name);
      const run = this.runs.get(name) ?? {
        name,
        project: String(v.project),
        entity: String(v.entity),
        groupName: null,
        displayName: null,
        config: null,
        history: [],
        summary: null,
        complete: false,
        exitcode: null,
        posts: 0,
      };
      if (v.groupName) run.groupName = String(v.groupName);
      if (v.displayName) run.displayName = String(v.displayName);
      if (v.config) run.config = JSON.parse(String(v.config));
      this.runs.set(name, run);
      return {
        data: {
          upsertBucket: {
            bucket: {
              id: `bucket-${name}`,
              name,
              displayName: run.displayName,
              project: { id: "p1", name: run.project, entity: { id: "e1", name: run.entity } },
            },
            inserted: true,
          },
        },
      };
    }
    return { errors: [{ message: "unknown operation" }] };
  }

  #fileStream(name: string, body: Record<string, unknown>): Response {
    const run = this.runs.get(name);
    if (!run) return Response.json({ error: "run not found" }, { status: 404 });
    const status = this.failures.shift();
    if (status) {
      this.log.push(`file_stream ${status}`);
      return Response.json({ error: "try again" }, { status });
    }
    run.posts++;
    const files = (body.files ?? {}) as Record<string, { offset: number; content: string[] }>;
    this.log.push(
      `file_stream ${Object.keys(files).sort().join(",")}${body.complete ? " complete" : ""}`,
    );
    const history = files["wandb-history.jsonl"];
    if (history) {
      history.content.forEach((line, i) => (run.history[history.offset + i] = line));
    }
    const summary = files["wandb-summary.json"];
    if (summary) run.summary = JSON.parse(summary.content[summary.content.length - 1]!);
    if (body.complete === true) {
      run.complete = true;
      run.exitcode = Number(body.exitcode);
    }
    return Response.json({ limits: {} });
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
