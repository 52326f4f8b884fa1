import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { DATABASE_FILE, LocalStore, StoreError } from "../../lib/store/mod.ts";
import { migrate, MIGRATIONS } from "../../lib/store/_migrations.ts";
import { fourExamples, storeSuite } from "./_suite.ts";

storeSuite("LocalStore", async () => {
  const dir = await Deno.makeTempDir({ prefix: "store_test_" });
  const store = await LocalStore.open(dir);
  return {
    store,
    close: async () => {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "store_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("LocalStore keeps its examples across reopening", async () => {
  await withDir(async (dir) => {
    const first = await LocalStore.open(dir);
    const ex = await first.add(fourExamples()[0]!);
    await first.close();
    const second = await LocalStore.open(dir);
    assert.equal((await second.get(ex.id))?.predictedLabel, "3");
    await second.close();
  });
});

Deno.test("LocalStore.add() writes the image before the row and leaves no temporary file", async () => {
  await withDir(async (dir) => {
    const store = await LocalStore.open(dir);
    const ex = await store.add(fourExamples()[0]!);
    assert.deepEqual([...Deno.readDirSync(join(dir, "images"))].map((e) => e.name), [ex.imageKey]);
    await store.close();
  });
});

Deno.test("LocalStore.add() removes the image when the row cannot be written", async () => {
  await withDir(async (dir) => {
    const store = await LocalStore.open(dir, { busyTimeoutMs: 0 });
    // Another writer holds the database: the insert fails after the image is written.
    const other = new DatabaseSync(join(dir, DATABASE_FILE));
    other.exec("PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE");
    try {
      await assert.rejects(
        store.add(fourExamples()[0]!),
        (e) =>
          e instanceof StoreError && e.code === "unavailable" &&
          /database is locked/.test(e.message),
      );
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    assert.deepEqual([...Deno.readDirSync(join(dir, "images"))], [], "no orphan image");
    assert.equal((await store.counts()).total, 0);
    await store.close();
  });
});

Deno.test("LocalStore.add() rejects an image larger than maxImageBytes", async () => {
  await withDir(async (dir) => {
    const store = await LocalStore.open(dir, { maxImageBytes: 16 });
    const big = new Uint8Array(17);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await assert.rejects(
      store.add({ ...fourExamples()[0]!, image: big }),
      /^RangeError: Cannot store example: image is 17 bytes, more than 16/,
    );
    await store.close();
  });
});

Deno.test("migrate() applies each step once and records it in user_version", () => {
  const db = new DatabaseSync(":memory:");
  const steps = ["CREATE TABLE t (a INTEGER)", "ALTER TABLE t ADD COLUMN b TEXT"];
  assert.deepEqual(migrate(db, "mem", steps.slice(0, 1)), { from: 0, to: 1 });
  assert.deepEqual(migrate(db, "mem", steps), { from: 1, to: 2 });
  assert.deepEqual(migrate(db, "mem", steps), { from: 2, to: 2 });
  db.exec("INSERT INTO t (a, b) VALUES (1, 'x')");
  assert.throws(
    () => migrate(db, "mem", steps.slice(0, 1)),
    /schema version 2 is newer than this code's 1/,
  );
  db.close();
  assert.ok(MIGRATIONS.length >= 1);
});

Deno.test("migrate() rolls a failing step back and names the version", () => {
  const db = new DatabaseSync(":memory:");
  assert.throws(
    () =>
      migrate(db, "mem", ["CREATE TABLE t (a INTEGER)", "CREATE TABLE u (x); SELECT nope FROM t"]),
    (e) => e instanceof StoreError && /Cannot migrate store "mem" to version 2/.test(e.message),
  );
  const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  assert.equal(user_version, 1);
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'u'").get(), undefined);
  db.close();
});
