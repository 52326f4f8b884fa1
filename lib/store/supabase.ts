import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  type CheckedList,
  checkLabel,
  checkListOptions,
  checkNewExample,
  extensionOf,
  labeledExample,
  MAX_IMAGE_BYTES,
  ORDER,
} from "./_common.ts";
import { StoreError } from "./errors.ts";
import type {
  Counts,
  Example,
  ExampleStore,
  ImageType,
  LabeledExample,
  ListOptions,
  ListResult,
  NewExample,
} from "./types.ts";

/** Options of {@linkcode SupabaseStore.open}. */
export interface SupabaseStoreOptions {
  /** Project URL (`SUPABASE_URL`). */
  url: string;
  /** Anon API key (`SUPABASE_KEY`). */
  key: string;
  /** User to sign in as (`SUPABASE_MAIL` / `SUPABASE_PSWD`), so row level security applies. */
  email?: string;
  password?: string;
  /** Table of examples (default "predictions"). */
  table?: string;
  /** Storage bucket of images (default "images"). */
  bucket?: string;
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number;
  /** Retry idempotent table reads after network errors and 503s, backing off 1, 2, 4 s (default true). */
  retry?: boolean;
  /** Largest image accepted, in bytes (default 10 MiB). */
  maxImageBytes?: number;
}

type Row = Record<string, unknown>;
type Query = ReturnType<ReturnType<SupabaseClient["from"]>["select"]>;

function iso(value: unknown): string | null {
  return value === null || value === undefined ? null : new Date(value as string).toISOString();
}

function toExample(row: Row): Example {
  return {
    id: row.id as string,
    createdAt: iso(row.created_at)!,
    imageKey: row.image_key as string,
    imageType: row.image_type as ImageType,
    model: row.model as string,
    modelVersion: row.model_version as string,
    predictedLabel: row.predicted_label as string,
    confidence: Number(row.confidence),
    topK: typeof row.top_k === "string" ? JSON.parse(row.top_k) : row.top_k as Example["topK"],
    margin: Number(row.margin),
    entropy: Number(row.entropy),
    humanLabel: (row.human_label ?? null) as string | null,
    labeledAt: iso(row.labeled_at),
    skippedAt: iso(row.skipped_at),
  };
}

function filtered(q: Query, o: Pick<CheckedList, "status" | "below" | "model">): Query {
  if (o.status === "unlabeled") q = q.is("human_label", null).is("skipped_at", null);
  else if (o.status === "labeled") q = q.not("human_label", "is", null);
  else if (o.status === "skipped") q = q.is("human_label", null).not("skipped_at", "is", null);
  if (o.below !== undefined) q = q.lt("confidence", o.below);
  if (o.model !== undefined) q = q.eq("model", o.model);
  return q;
}

/**
 * The Supabase store: one row per example in a table, images in a storage
 * bucket (docs/supabase.sql sets both up), signed in as a user as the original
 * app did. Any failure of the service becomes a {@linkcode StoreError} with
 * code "unavailable" and a message naming the table or bucket.
 */
export class SupabaseStore implements ExampleStore {
  readonly kind = "supabase";
  readonly location: string;
  #client: SupabaseClient;
  #table: string;
  #bucket: string;
  #maxBytes: number;

  private constructor(client: SupabaseClient, options: SupabaseStoreOptions) {
    this.#client = client;
    this.#table = options.table ?? "predictions";
    this.#bucket = options.bucket ?? "images";
    this.#maxBytes = options.maxImageBytes ?? MAX_IMAGE_BYTES;
    this.location = `${options.url} (table "${this.#table}", bucket "${this.#bucket}")`;
  }

  /**
   * Connects to a Supabase project and signs in when a user is given.
   *
   * @param options project URL, anon key, user, table, bucket
   * @returns the store
   * @throws {TypeError} when the URL or key is missing
   * @throws {StoreError} code "unavailable" when signing in fails
   */
  static async open(options: SupabaseStoreOptions): Promise<SupabaseStore> {
    if (!options.url || !/^https?:\/\//.test(options.url)) {
      throw new TypeError(
        `Cannot open the Supabase store: SUPABASE_URL "${options.url}" is not a URL`,
      );
    }
    if (!options.key) throw new TypeError("Cannot open the Supabase store: SUPABASE_KEY is empty");
    const timeout = options.timeoutMs ?? 15_000;
    const client = createClient(options.url, options.key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      db: { retry: options.retry ?? true },
      global: {
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeout) }),
      },
    });
    if (options.email) {
      const { error } = await client.auth.signInWithPassword({
        email: options.email,
        password: options.password ?? "",
      });
      if (error) {
        throw new StoreError(
          "unavailable",
          `Cannot sign in to Supabase at ${options.url} as "${options.email}": ${error.message}`,
          { cause: error },
        );
      }
    }
    return new SupabaseStore(client, options);
  }

  #fail(what: string, error: unknown): never {
    const message = (error as { message?: string })?.message ?? String(error);
    throw new StoreError("unavailable", `Cannot ${what} in Supabase ${this.location}: ${message}`, {
      cause: error,
    });
  }

  async #call<T>(what: string, run: () => PromiseLike<{ data: T; error: unknown }>): Promise<T> {
    let result: { data: T; error: unknown };
    try {
      result = await run();
    } catch (err) {
      this.#fail(what, err);
    }
    if (result.error) this.#fail(what, result.error);
    return result.data;
  }

  async add(example: NewExample): Promise<Example> {
    const c = checkNewExample(example, this.#maxBytes);
    const id = crypto.randomUUID();
    const key = `${id}.${extensionOf(c.type)}`;
    const bucket = this.#client.storage.from(this.#bucket);
    await this.#call(
      "upload the image",
      () => bucket.upload(key, example.image, { contentType: c.type, upsert: false }),
    );
    const row = {
      id,
      created_at: c.createdAt,
      image_key: key,
      image_type: c.type,
      model: c.model,
      model_version: c.modelVersion,
      predicted_label: c.predictedLabel,
      confidence: c.confidence,
      top_k: c.topK,
      margin: c.margin,
      entropy: c.entropy,
    };
    try {
      const rows = await this.#call(
        "add the example",
        () => this.#client.from(this.#table).insert(row).select(),
      );
      return toExample((rows as Row[])[0]!);
    } catch (err) {
      await bucket.remove([key]).catch(() => {});
      throw err;
    }
  }

  async get(id: string): Promise<Example | undefined> {
    const rows = await this.#call(
      "read the example",
      () => this.#client.from(this.#table).select("*").eq("id", id),
    );
    return rows?.length ? toExample(rows[0] as Row) : undefined;
  }

  async list(options?: ListOptions): Promise<ListResult> {
    const o = checkListOptions(options);
    const { column, ascending } = ORDER[o.strategy];
    const table = this.#client.from(this.#table);
    const result = await this.#call("list examples", async () => {
      const r = await filtered(table.select("*", { count: "exact" }), o)
        .order(column, { ascending })
        .order("created_at", { ascending: true })
        .order("id", { ascending: true })
        .range(o.offset, o.offset + o.limit - 1);
      return { data: { rows: r.data, count: r.count }, error: r.error };
    });
    return { items: (result.rows ?? []).map((r) => toExample(r as Row)), total: result.count ?? 0 };
  }

  async #update(id: string, values: Row, what: string): Promise<Example> {
    const rows = await this.#call(
      `${what} the example`,
      () => this.#client.from(this.#table).update(values).eq("id", id).select(),
    );
    if (!rows?.length) {
      throw new StoreError("not_found", `Cannot ${what} example "${id}": no such example`);
    }
    return toExample(rows[0] as Row);
  }

  async setLabel(id: string, label: string): Promise<Example> {
    const human_label = checkLabel(label);
    const labeled_at = new Date().toISOString();
    return await this.#update(id, { human_label, labeled_at, skipped_at: null }, "label");
  }

  async skip(id: string): Promise<Example> {
    return await this.#update(id, { skipped_at: new Date().toISOString() }, "skip");
  }

  async #count(o: Pick<CheckedList, "status" | "below" | "model">): Promise<number> {
    const table = this.#client.from(this.#table);
    return await this.#call("count examples", async () => {
      const r = await filtered(table.select("id", { count: "exact", head: true }), o);
      return { data: r.count ?? 0, error: r.error };
    });
  }

  async counts(options: Pick<ListOptions, "below" | "model"> = {}): Promise<Counts> {
    const o = checkListOptions(options);
    const [total, labeled, skipped] = await Promise.all(
      (["all", "labeled", "skipped"] as const).map((status) => this.#count({ ...o, status })),
    );
    return {
      total: total!,
      labeled: labeled!,
      skipped: skipped!,
      unlabeled: total! - labeled! - skipped!,
    };
  }

  async readImage(id: string): Promise<{ bytes: Uint8Array; type: ImageType }> {
    const ex = await this.get(id);
    if (!ex) throw new StoreError("not_found", `Cannot read image of "${id}": no such example`);
    const blob = await this.#call(
      `download image "${ex.imageKey}"`,
      () => this.#client.storage.from(this.#bucket).download(ex.imageKey),
    );
    return { bytes: new Uint8Array(await (blob as Blob).arrayBuffer()), type: ex.imageType };
  }

  async *labeled(options: Pick<ListOptions, "model"> = {}): AsyncIterable<LabeledExample> {
    const page = 200;
    for (let offset = 0;; offset += page) {
      const rows = await this.#call(
        "list labeled examples",
        () =>
          filtered(this.#client.from(this.#table).select("*"), { status: "labeled", ...options })
            .order("labeled_at", { ascending: true })
            .order("id", { ascending: true })
            .range(offset, offset + page - 1),
      );
      for (const row of rows as Row[]) {
        const ex = toExample(row);
        yield labeledExample(ex, (await this.readImage(ex.id)).bytes);
      }
      if ((rows as Row[]).length < page) return;
    }
  }

  async close(): Promise<void> {
    await this.#client.removeAllChannels();
  }
}
