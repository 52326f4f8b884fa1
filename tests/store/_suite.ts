// One suite that every ExampleStore implementation runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ExampleStore,
  exportLabeled,
  type NewExample,
  StoreError,
  type TopKEntry,
} from "../../lib/store/mod.ts";

/** A fresh store and how to dispose of it. */
export interface Opened {
  store: ExampleStore;
  close(): Promise<void>;
}

/** A tiny valid PNG (1×1 grey) and a JPEG signature followed by bytes. */
export const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UWCQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

function topK(...pairs: [string, number][]): TopKEntry[] {
  return pairs.map(([label, probability]) => ({ label, probability }));
}

/** Four examples whose least-confidence, margin and entropy orders all differ. */
export function fourExamples(): (NewExample & { name: string })[] {
  const at = (s: number) => new Date(Date.UTC(2024, 4, 1, 10, 0, s));
  return [
    { name: "A", topK: topK(["3", 0.5], ["5", 0.45], ["8", 0.05]), createdAt: at(0) },
    { name: "B", topK: topK(["1", 0.4], ["7", 0.2], ["4", 0.2], ["9", 0.2]), createdAt: at(1) },
    { name: "C", topK: topK(["2", 0.6], ["3", 0.1]), createdAt: at(2) },
    { name: "D", topK: topK(["0", 0.95], ["6", 0.05]), createdAt: at(3), model: "other" },
  ].map((e) => ({ model: "mnist", modelVersion: "1.0", image: PNG, ...e }));
}

async function seed(store: ExampleStore): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const ex of fourExamples()) ids.set((await store.add(ex)).id, ex.name);
  return ids;
}

/** Registers the shared tests for one implementation. */
export function storeSuite(name: string, open: () => Promise<Opened>): void {
  const test = (title: string, fn: (store: ExampleStore) => Promise<void>) =>
    Deno.test(`${name}: ${title}`, async () => {
      const opened = await open();
      try {
        await fn(opened.store);
      } finally {
        await opened.close();
      }
    });

  test("add() stores the prediction with its scores and get() returns it", async (store) => {
    const t = new Date("2024-05-01T10:00:00.250Z");
    const added = await store.add({
      image: PNG,
      model: "mnist",
      modelVersion: "2.0",
      topK: topK(["3", 0.3], ["7", 0.6]),
      createdAt: t,
    });
    assert.match(added.id, /^[0-9a-f-]{36}$/);
    assert.equal(added.imageKey, `${added.id}.png`);
    assert.equal(added.createdAt, "2024-05-01T10:00:00.250Z");
    assert.deepEqual([added.predictedLabel, added.confidence], ["7", 0.6]);
    assert.deepEqual(added.topK, topK(["7", 0.6], ["3", 0.3]));
    assert.ok(Math.abs(added.margin - 0.3) < 1e-12);
    const entropy = -(0.6 * Math.log(0.6) + 0.3 * Math.log(0.3) + 0.1 * Math.log(0.1));
    assert.ok(Math.abs(added.entropy - entropy) < 1e-12);
    assert.deepEqual(
      [added.humanLabel, added.labeledAt, added.skippedAt, added.model, added.modelVersion],
      [null, null, null, "mnist", "2.0"],
    );
    assert.deepEqual(await store.get(added.id), added);
    assert.equal(await store.get(crypto.randomUUID()), undefined);
  });

  test("readImage() returns the bytes and type stored", async (store) => {
    const png = await store.add({ ...fourExamples()[0]!, image: PNG });
    const jpeg = await store.add({ ...fourExamples()[0]!, image: JPEG });
    assert.deepEqual(await store.readImage(png.id), { bytes: PNG, type: "image/png" });
    assert.deepEqual(await store.readImage(jpeg.id), { bytes: JPEG, type: "image/jpeg" });
    assert.equal(jpeg.imageKey.endsWith(".jpg"), true);
    await assert.rejects(
      store.readImage(crypto.randomUUID()),
      (e) => (e as StoreError).code === "not_found",
    );
  });

  test("add() rejects bad input and keeps nothing", async (store) => {
    const ok = fourExamples()[0]!;
    await assert.rejects(
      store.add({ ...ok, image: new TextEncoder().encode("<svg/>") }),
      /^TypeError: .*not PNG or JPEG/,
    );
    await assert.rejects(
      store.add({ ...ok, topK: [] }),
      /^TypeError: .*topK must be a non-empty array/,
    );
    await assert.rejects(
      store.add({ ...ok, topK: topK(["1", 1.5]) }),
      /^RangeError: .*topK\[0\]\.probability 1\.5 is not in 0\.\.1/,
    );
    await assert.rejects(
      store.add({ ...ok, topK: topK(["1", 0.7], ["2", 0.7]) }),
      /add up to 1\.4/,
    );
    await assert.rejects(store.add({ ...ok, model: "" }), /model must be a non-empty string/);
    assert.equal((await store.counts()).total, 0);
  });

  test("list() orders the queue by each uncertainty strategy", async (store) => {
    const ids = await seed(store);
    const order = async (
      strategy: "least_confidence" | "margin" | "entropy" | "newest" | "oldest",
    ) => (await store.list({ strategy })).items.map((e) => ids.get(e.id)).join("");
    assert.equal(await order("least_confidence"), "BACD");
    assert.equal(await order("margin"), "ABCD");
    assert.equal(await order("entropy"), "BCAD");
    assert.equal(await order("newest"), "DCBA");
    assert.equal(await order("oldest"), "ABCD");
  });

  test("list() filters by threshold, model and status, and pages with a total", async (store) => {
    const ids = await seed(store);
    const names = (r: { items: { id: string }[] }) => r.items.map((e) => ids.get(e.id)).join("");
    assert.equal(names(await store.list({ below: 0.55, strategy: "oldest" })), "AB");
    assert.equal(names(await store.list({ model: "other" })), "D");
    const page = await store.list({ strategy: "oldest", limit: 2, offset: 1 });
    assert.deepEqual([names(page), page.total], ["BC", 4]);
    const past = await store.list({ strategy: "oldest", limit: 2, offset: 10 });
    assert.deepEqual([past.items, past.total], [[], 4]);
    const [a, b] = [...ids.keys()];
    await store.setLabel(a!, "5");
    await store.skip(b!);
    assert.equal(names(await store.list({ status: "unlabeled", strategy: "oldest" })), "CD");
    assert.equal(names(await store.list({ status: "labeled" })), "A");
    assert.equal(names(await store.list({ status: "skipped" })), "B");
    const queue = await store.list({ status: "unlabeled", below: 0.9, strategy: "entropy" });
    assert.deepEqual([names(queue), queue.total], ["C", 1]);
  });

  test("list() rejects unknown strategies, statuses and pages", async (store) => {
    // deno-lint-ignore no-explicit-any
    const bad = (o: any) => store.list(o);
    await assert.rejects(
      bad({ strategy: "random" }),
      /^RangeError: .*strategy "random" is not one of least_confidence, margin/,
    );
    await assert.rejects(bad({ status: "done" }), /status "done"/);
    await assert.rejects(bad({ limit: 0 }), /limit 0 is not an integer in 1\.\.500/);
    await assert.rejects(bad({ offset: -1 }), /offset -1/);
    await assert.rejects(bad({ below: 0 }), /below 0 is not in \(0, 1\]/);
  });

  test("setLabel() and skip() update one example; a label clears a skip", async (store) => {
    const ex = await store.add(fourExamples()[0]!);
    const skipped = await store.skip(ex.id);
    assert.ok(skipped.skippedAt && !Number.isNaN(Date.parse(skipped.skippedAt)));
    const labeled = await store.setLabel(ex.id, "<b>5</b>");
    assert.equal(labeled.humanLabel, "<b>5</b>");
    assert.equal(labeled.skippedAt, null);
    assert.ok(labeled.labeledAt! >= skipped.skippedAt!);
    const relabeled = await store.setLabel(ex.id, "6");
    assert.equal(relabeled.humanLabel, "6");
    for (
      const op of [
        () => store.setLabel(crypto.randomUUID(), "1"),
        () => store.skip(crypto.randomUUID()),
      ]
    ) {
      await assert.rejects(op(), (e) => e instanceof StoreError && e.code === "not_found");
    }
    await assert.rejects(
      store.setLabel(ex.id, " "),
      /^TypeError: .*label must be a non-empty string/,
    );
    await assert.rejects(store.setLabel(ex.id, "a\nb"), /^RangeError: .*control characters/);
  });

  test("counts() reports progress over the queue", async (store) => {
    const ids = [...(await seed(store)).keys()];
    await store.setLabel(ids[0]!, "3");
    await store.skip(ids[1]!);
    assert.deepEqual(await store.counts(), { total: 4, labeled: 1, skipped: 1, unlabeled: 2 });
    assert.deepEqual(await store.counts({ below: 0.55 }), {
      total: 2,
      labeled: 1,
      skipped: 1,
      unlabeled: 0,
    });
    assert.deepEqual(await store.counts({ model: "other" }), {
      total: 1,
      labeled: 0,
      skipped: 0,
      unlabeled: 1,
    });
  });

  test("exportLabeled() writes label folders and a manifest of labeled examples", async (store) => {
    const ids = [...(await seed(store)).keys()];
    await store.setLabel(ids[2]!, "2");
    await new Promise((r) => setTimeout(r, 5)); // labeled_at orders the export
    await store.setLabel(ids[0]!, "5");
    const dir = await Deno.makeTempDir();
    try {
      const out = join(dir, "export");
      const summary = await exportLabeled(store, out, { classes: ["0", "1", "2", "3", "4", "5"] });
      assert.equal(summary.total, 2);
      assert.deepEqual([summary.perClass["2"], summary.perClass["5"], summary.perClass["0"]], [
        1,
        1,
        0,
      ]);
      const manifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assert.equal(manifest.format, "lifecycle.image_folder");
      assert.deepEqual(manifest.examples.map((e: { label: string }) => e.label), ["2", "5"]);
      const first = manifest.examples[0];
      assert.equal(first.file, `2/${ids[2]}.png`);
      assert.deepEqual(first.prediction, {
        label: "2",
        confidence: 0.6,
        model: "mnist",
        version: "1.0",
      });
      assert.deepEqual(await Deno.readFile(join(out, first.file)), PNG);
      await assert.rejects(exportLabeled(store, out), /already exists \(pass overwrite/);
      await assert.rejects(
        exportLabeled(store, out, { overwrite: true, classes: ["2"] }),
        /^RangeError: .*label "5" is not a class \(valid: 2\)/,
      );
      assert.ok(await Deno.stat(join(out, "manifest.json")), "a failed export leaves the old one");
      await store.setLabel(ids[1]!, "../up");
      await assert.rejects(
        exportLabeled(store, join(dir, "x")),
        /class "\.\.\/up" is not a valid folder name/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
