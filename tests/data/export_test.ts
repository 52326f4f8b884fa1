import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compilePipelines,
  DataLoader,
  type ExportExample,
  loadImageFolder,
  MANIFEST_FILE,
  mixDatasets,
  mnistSplit,
  readImageFolderExport,
  subsetDataset,
  writeImageFolderExport,
} from "../../lib/data/mod.ts";
import { encodeImage, withTempDir } from "./_images.ts";

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

async function examples(): Promise<ExportExample[]> {
  return [
    {
      sourceId: "a1",
      label: "3",
      labeledAt: "2024-05-01T10:00:00Z",
      image: await encodeImage("png", { seed: 1 }),
      prediction: { label: "8", confidence: 0.41, model: "cnn", version: "1.0" },
    },
    {
      sourceId: "b/2<x>",
      label: "8",
      labeledAt: new Date(Date.UTC(2024, 4, 2)),
      image: await encodeImage("jpeg", { seed: 2 }),
    },
    {
      sourceId: "b/2<x>",
      label: "8",
      labeledAt: "2024-05-03",
      image: await encodeImage("png", { seed: 3 }),
    },
  ];
}

Deno.test("writeImageFolderExport() writes images by label and a manifest that reads back", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "exports", "e1");
    const manifest = await writeImageFolderExport(out, await examples(), {
      classes: DIGITS,
      now: new Date(Date.UTC(2024, 5, 1)),
    });
    assert.deepEqual(manifest.examples.map((e) => e.file), [
      "3/a1.png",
      "8/b_2_x_.jpg",
      "8/b_2_x__2.png",
    ]);
    assert.equal(manifest.created_at, "2024-06-01T00:00:00.000Z");
    assert.deepEqual(manifest.examples[0]!.prediction, {
      label: "8",
      confidence: 0.41,
      model: "cnn",
      version: "1.0",
    });
    assert.equal(manifest.examples[1]!.labeled_at, "2024-05-02T00:00:00.000Z");
    const onDisk = JSON.parse(await Deno.readTextFile(join(out, MANIFEST_FILE)));
    assert.deepEqual(onDisk, manifest);
    const { manifest: read, dataset } = await readImageFolderExport(out);
    assert.deepEqual(read, manifest);
    assert.deepEqual(dataset.classes, DIGITS);
    assert.deepEqual([...dataset.labels], [3, 8, 8]);
    // The folder also loads as an image folder, through its manifest's class list.
    const ds = await loadImageFolder(out);
    assert.deepEqual([...ds.labels], [3, 8, 8]);
    await using loader = await DataLoader.create(ds, { batchSize: 8, workers: 0 });
    const [batch] = await Array.fromAsync(loader.epoch(0));
    assert.deepEqual(batch!.dims, [3, 3, 6, 8]);
    assert.deepEqual([...batch!.y], [3n, 8n, 8n]);
    const entries = [...Deno.readDirSync(dir + "/exports")].map((e) => e.name);
    assert.deepEqual(entries, ["e1"], "no temporary folder left");
  });
});

Deno.test("writeImageFolderExport() leaves an existing export alone unless overwrite is set", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "e");
    const ex = await examples();
    await writeImageFolderExport(out, ex.slice(0, 1), { classes: DIGITS });
    await assert.rejects(() => writeImageFolderExport(out, ex, { classes: DIGITS }), {
      name: "DataError",
      message: `Cannot export to "${out}": it already exists (pass overwrite to replace it)`,
    });
    assert.equal((await readImageFolderExport(out)).manifest.examples.length, 1);
    await writeImageFolderExport(out, ex, { classes: DIGITS, overwrite: true });
    assert.equal((await readImageFolderExport(out)).manifest.examples.length, 3);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["e"]);
  });
});

Deno.test("writeImageFolderExport() fails cleanly on a bad label or image and keeps the old export", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "e");
    const ex = await examples();
    await writeImageFolderExport(out, ex.slice(0, 1), { classes: DIGITS });
    const bad = [...ex, { ...ex[0]!, sourceId: "z", label: "<b>x</b>" }];
    await assert.rejects(
      () => writeImageFolderExport(out, bad, { classes: DIGITS, overwrite: true }),
      {
        name: "RangeError",
        message:
          'Cannot export example "z": label "<b>x</b>" is not a class (valid: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)',
      },
    );
    const junk = [{ ...ex[0]!, sourceId: "j", image: new TextEncoder().encode("not an image") }];
    await assert.rejects(
      () => writeImageFolderExport(out, junk, { classes: DIGITS, overwrite: true }),
      /Cannot export example "j": its image is not a readable image/,
    );
    await assert.rejects(
      () => writeImageFolderExport(join(dir, "f"), ex, { classes: ["../up", "3"] }),
      /class "..\/up" is not a valid folder name/,
    );
    assert.equal((await readImageFolderExport(out)).manifest.examples.length, 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["e"]);
  });
});

Deno.test("writeImageFolderExport() converts images that are neither PNG nor JPEG to PNG", async () => {
  await withTempDir(async (dir) => {
    const sharp = (await import("sharp")).default;
    const webp = new Uint8Array(
      await sharp(await encodeImage("png")).webp({ lossless: true }).toBuffer(),
    );
    const m = await writeImageFolderExport(join(dir, "e"), [
      { sourceId: "w", label: "1", labeledAt: "2024-01-01", image: webp },
    ], { classes: DIGITS });
    assert.equal(m.examples[0]!.file, "1/w.png");
  });
});

Deno.test("readImageFolderExport() names the manifest field, bad JSON or a missing image", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "e");
    await writeImageFolderExport(out, await examples(), { classes: DIGITS });
    const path = join(out, MANIFEST_FILE);
    const good = JSON.parse(await Deno.readTextFile(path));
    const cases: [unknown, RegExp][] = [
      [{ ...good, version: 2 }, /version 2 is newer than the supported 1/],
      [{ ...good, format: "other" }, /format must be "lifecycle.image_folder", got "other"/],
      [{ ...good, classes: ["a", "a"] }, /classes must be unique names/],
      [
        { ...good, examples: [{ ...good.examples[0], label: "x" }] },
        /examples\[0\]\.label must be one of classes \(0, 1, .*\), got "x"/,
      ],
      [
        { ...good, examples: [{ ...good.examples[0], file: "../x.png" }] },
        /examples\[0\]\.file must be a relative path/,
      ],
      [
        { ...good, examples: [{ ...good.examples[0], labeled_at: "yesterday" }] },
        /labeled_at must be an ISO 8601 date/,
      ],
      [
        { ...good, examples: [{ ...good.examples[0], source_id: 3 }] },
        /examples\[0\]\.source_id must be a non-empty string/,
      ],
    ];
    for (const [manifest, pattern] of cases) {
      await Deno.writeTextFile(path, JSON.stringify(manifest));
      await assert.rejects(() => readImageFolderExport(out), (e: Error) => {
        assert.equal(e.name, "SyntaxError");
        assert.match(e.message, new RegExp(`^Invalid "${path}": `));
        assert.match(e.message, pattern);
        return true;
      });
    }
    await Deno.writeTextFile(path, "{ nope");
    await assert.rejects(
      () => readImageFolderExport(out),
      new RegExp(`^SyntaxError: Cannot read "${path}": `),
    );
    await Deno.writeTextFile(path, JSON.stringify(good));
    await Deno.remove(join(out, "3", "a1.png"));
    await assert.rejects(() => readImageFolderExport(out), {
      name: "DataError",
      message: `Cannot read export "${out}": missing image "${join(out, "3", "a1.png")}"`,
    });
  });
});

Deno.test("an export mixes into mnist for retraining with one shared pipeline", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "e");
    // Larger RGB images than mnist's 1x28x28 digits, as uploads are.
    await writeImageFolderExport(out, [
      {
        sourceId: "a",
        label: "3",
        labeledAt: "2024-05-01",
        image: await encodeImage("png", { width: 40, height: 40 }),
      },
      {
        sourceId: "b",
        label: "8",
        labeledAt: "2024-05-01",
        image: await encodeImage("jpeg", { width: 56, height: 56 }),
      },
    ], { classes: DIGITS });
    const { train } = await mnistSplit();
    const base = subsetDataset(train, Array.from({ length: 90 }, (_, i) => i * 80));
    const mixed = mixDatasets(base, await loadImageFolder(out), { ratio: 0.1 });
    assert.equal(mixed.length, 100);
    const { train: pipeline } = compilePipelines({
      train: [{ name: "grayscale" }, { name: "resize", size: 28 }, {
        name: "rotation",
        degrees: 5,
      }],
    });
    await using loader = await DataLoader.create(mixed, {
      batchSize: 25,
      shuffle: true,
      seed: 2,
      transforms: pipeline,
    });
    assert.equal(loader.mode, "workers");
    let relabeled = 0;
    for await (const b of loader.epoch(0)) {
      assert.deepEqual(b.dims.slice(1), [1, 28, 28]);
      for (let k = 0; k < b.dims[0]; k++) {
        if (b.indices[k]! >= 90) {
          relabeled++;
          assert.equal(b.y[k], b.indices[k]! % 2 === 0 ? 3n : 8n);
        }
      }
    }
    assert.equal(relabeled, 10);
  });
});
