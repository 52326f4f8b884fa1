import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { join } from "node:path";
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
import { migrate } from "./_migrations.ts";
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

/** Options of {@linkcode LocalStore.open}. */
export interface LocalStoreOptions {
  /** Largest image accepted, in bytes (default 10 MiB). */
  maxImageBytes?: number;
  /** How long a write waits for another writer's lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/** File name of the database inside the data folder. */
export const DATABASE_FILE = "examples.sqlite";

type Row = Record<string, SQLInputValue>;

/** Runs synchronous work so that its errors reject, as the interface promises. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function toExample(row: Row): Example {
  return {
    id: row.id as string,
    createdAt: row.created_at as string,
    imageKey: row.image_key as string,
    imageType: row.image_type as ImageType,
    model: row.model as string,
    modelVersion: row.model_version as string,
    predictedLabel: row.predicted_label as string,
    confidence: row.confidence as number,
    topK: JSON.parse(row.top_k as string),
    margin: row.margin as number,
    entropy: row.entropy as number,
    humanLabel: row.human_label as string | null,
    labeledAt: row.labeled_at as string | null,
    skippedAt: row.skipped_at as string | null,
  };
}

function whereOf(o: Pick<CheckedList, "status" | "below" | "model">) {
  const parts: string[] = [];
  const args: SQLInputValue[] = [];
  if (o.status === "unlabeled") parts.push("human_label IS NULL AND skipped_at IS NULL");
  else if (o.status === "labeled") parts.push("human_label IS NOT NULL");
  else if (o.status === "skipped") parts.push("human_label IS NULL AND skipped_at IS NOT NULL");
  if (o.below !== undefined) parts.push("confidence < ?"), args.push(o.below);
  if (o.model !== undefined) parts.push("model = ?"), args.push(o.model);
  return { sql: parts.length ? `WHERE ${parts.join(" AND ")}` : "", args };
}

/**
 * The local store: a SQLite database (`examples.sqlite`, node:sqlite) and one
 * image file per example under `images/` in a data folder. Images are written
 * to a temporary name and renamed before their row is inserted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await LocalStore.open(dir);
 * const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
 * const ex = await store.add({
 *   image: png, model: "mnist", modelVersion: "1.0",
 *   topK: [{ label: "7", probability: 0.6 }, { label: "1", probability: 0.3 }],
 * });
 * assert.equal((await store.setLabel(ex.id, "1")).humanLabel, "1");
 * assert.deepEqual(await store.counts(), { total: 1, labeled: 1, skipped: 0, unlabeled: 0 });
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LocalStore implements ExampleStore {
  readonly kind = "local";
  readonly location: string;
  #db: DatabaseSync;
  #images: string;
  #maxBytes: number;

  private constructor(dir: string, db: DatabaseSync, maxBytes: number) {
    this.location = dir;
    this.#db = db;
    this.#images = join(dir, "images");
    this.#maxBytes = maxBytes;
  }

  /**
   * Opens (creating and migrating as needed) the store in a data folder.
   *
   * @param dataDir the folder (`data/store`)
   * @param options image size limit
   * @returns the store; call `close()` when done
   * @throws {StoreError} code "corrupt" when the database cannot be opened or migrated
   */
  static async open(dataDir: string, options: LocalStoreOptions = {}): Promise<LocalStore> {
    await Deno.mkdir(join(dataDir, "images"), { recursive: true });
    const file = join(dataDir, DATABASE_FILE);
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(file);
      db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    } catch (err) {
      throw new StoreError("corrupt", `Cannot open store "${file}": ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new LocalStore(dataDir, db, options.maxImageBytes ?? MAX_IMAGE_BYTES);
  }

  async add(example: NewExample): Promise<Example> {
    const c = checkNewExample(example, this.#maxBytes);
    const id = crypto.randomUUID();
    const key = `${id}.${extensionOf(c.type)}`;
    const path = join(this.#images, key);
    const tmp = join(this.#images, `.${key}.tmp`);
    await Deno.writeFile(tmp, example.image);
    await Deno.rename(tmp, path);
    try {
      this.#db.prepare(
        `INSERT INTO examples (id, created_at, image_key, image_type, model, model_version,
          predicted_label, confidence, top_k, margin, entropy) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
      ).run(
        id,
        c.createdAt,
        key,
        c.type,
        c.model,
        c.modelVersion,
        c.predictedLabel,
        c.confidence,
        JSON.stringify(c.topK),
        c.margin,
        c.entropy,
      );
    } catch (err) {
      await Deno.remove(path).catch(() => {});
      throw new StoreError("unavailable", `Cannot add example to "${this.location}": ${err}`, {
        cause: err,
      });
    }
    return this.#row(id)!;
  }

  #row(id: string): Example | undefined {
    const row = this.#db.prepare("SELECT * FROM examples WHERE id = ?").get(id);
    return row ? toExample(row as Row) : undefined;
  }

  get(id: string): Promise<Example | undefined> {
    return attempt(() => this.#row(id));
  }

  list(options?: ListOptions): Promise<ListResult> {
    return attempt(() => {
      const o = checkListOptions(options);
      const { sql, args } = whereOf(o);
      const { column, ascending } = ORDER[o.strategy];
      const order = `${column} ${ascending ? "ASC" : "DESC"}, created_at ASC, id ASC`;
      const rows = this.#db.prepare(
        `SELECT * FROM examples ${sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
        .all(...args, o.limit, o.offset);
      const { n } = this.#db.prepare(`SELECT count(*) AS n FROM examples ${sql}`).get(...args) as {
        n: number;
      };
      return { items: rows.map((r) => toExample(r as Row)), total: n };
    });
  }

  #update(id: string, sql: string, args: SQLInputValue[], what: string): Example {
    const { changes } = this.#db.prepare(`UPDATE examples SET ${sql} WHERE id = ?`).run(
      ...args,
      id,
    );
    if (changes === 0) {
      throw new StoreError("not_found", `Cannot ${what} example "${id}": no such example`);
    }
    return this.#row(id)!;
  }

  setLabel(id: string, label: string): Promise<Example> {
    return attempt(() => {
      const checked = checkLabel(label);
      const now = new Date().toISOString();
      return this.#update(id, "human_label = ?, labeled_at = ?, skipped_at = NULL", [
        checked,
        now,
      ], "label");
    });
  }

  skip(id: string): Promise<Example> {
    return attempt(() => {
      return this.#update(id, "skipped_at = ?", [new Date().toISOString()], "skip");
    });
  }

  counts(options: Pick<ListOptions, "below" | "model"> = {}): Promise<Counts> {
    return attempt(() => {
      const o = checkListOptions(options);
      const { sql, args } = whereOf({ ...o, status: "all" });
      const row = this.#db.prepare(
        `SELECT count(*) AS total, count(human_label) AS labeled,
          count(CASE WHEN human_label IS NULL AND skipped_at IS NOT NULL THEN 1 END) AS skipped
         FROM examples ${sql}`,
      ).get(...args) as { total: number; labeled: number; skipped: number };
      const { total, labeled, skipped } = row;
      return { total, labeled, skipped, unlabeled: total - labeled - skipped };
    });
  }

  async readImage(id: string): Promise<{ bytes: Uint8Array; type: ImageType }> {
    const ex = await this.get(id);
    if (!ex) throw new StoreError("not_found", `Cannot read image of "${id}": no such example`);
    try {
      return { bytes: await Deno.readFile(join(this.#images, ex.imageKey)), type: ex.imageType };
    } catch (err) {
      throw new StoreError(
        "corrupt",
        `Cannot read image of "${id}": ${join(this.#images, ex.imageKey)} is missing`,
        { cause: err },
      );
    }
  }

  async *labeled(options: Pick<ListOptions, "model"> = {}): AsyncIterable<LabeledExample> {
    const { sql, args } = whereOf({ status: "labeled", model: options.model });
    const rows = this.#db.prepare(`SELECT * FROM examples ${sql} ORDER BY labeled_at, id`)
      .all(...args);
    for (const row of rows) {
      const ex = toExample(row as Row);
      yield labeledExample(ex, (await this.readImage(ex.id)).bytes);
    }
  }

  close(): Promise<void> {
    return attempt(() => {
      if (this.#db.isOpen) this.#db.close();
    });
  }
}
