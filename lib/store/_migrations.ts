// Schema of the local store: migration n brings `PRAGMA user_version` from n-1 to n.
import type { DatabaseSync } from "node:sqlite";
import { StoreError } from "./errors.ts";

/** The local store's migrations, in order; never edit one that has shipped, add one. */
export const MIGRATIONS: readonly string[] = [
  // margin and entropy are precomputed so the labeling queue sorts in SQL;
  // a skip (skipped_at) takes an example out of the queue until it is labeled.
  `CREATE TABLE examples (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    image_key TEXT NOT NULL UNIQUE,
    image_type TEXT NOT NULL CHECK (image_type IN ('image/png', 'image/jpeg')),
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    predicted_label TEXT NOT NULL,
    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    top_k TEXT NOT NULL,
    margin REAL NOT NULL,
    entropy REAL NOT NULL,
    human_label TEXT,
    labeled_at TEXT,
    skipped_at TEXT
  );
  CREATE INDEX examples_queue ON examples (human_label, skipped_at, confidence);
  CREATE INDEX examples_created ON examples (created_at)`,
];

/**
 * Brings a database to the newest schema, one migration per transaction.
 *
 * @returns the version before and after
 * @throws {StoreError} code "corrupt" when the database is newer than this code
 */
export function migrate(
  db: DatabaseSync,
  file: string,
  migrations: readonly string[] = MIGRATIONS,
): { from: number; to: number } {
  const { user_version: from } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (from > migrations.length) {
    throw new StoreError(
      "corrupt",
      `Cannot open store "${file}": its schema version ${from} is newer than this code's ` +
        `${migrations.length} (update lifecycle)`,
    );
  }
  for (let v = from; v < migrations.length; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw new StoreError("corrupt", `Cannot migrate store "${file}" to version ${v + 1}`, {
        cause: err,
      });
    }
  }
  return { from, to: migrations.length };
}
