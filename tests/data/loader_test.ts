import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Batch,
  DataError,
  DataLoader,
  type Dataset,
  loadImageFolder,
  mnistSplit,
  subsetDataset,
  type TensorSource,
} from "../../lib/data/mod.ts";
import { encodeImage, withTempDir, writeImage } from "./_images.ts";

const AUGMENT = [
  { name: "random_resized_crop", size: 24, scale: [0.6, 1] },
  { name: "rotation", degrees: 15, interpolation: "bilinear" },
  { name: "color_jitter", brightness: 0.2, contrast: 0.2 },
  { name: "normalize", mean: [0.1307], std: [0.3081] },
];

async function small(n = 300): Promise<Dataset> {
  const { train } = await mnistSplit();
  return subsetDataset(train, Array.from({ length: n }, (_, i) => i * 7));
}

async function collect(loader: DataLoader, epoch: number, fromBatch?: number): Promise<Batch[]> {
  return await Array.fromAsync(loader.epoch(epoch, { fromBatch }));
}

Deno.test("DataLoader batches every sample once per epoch, with a smaller last batch or drop_last", async () => {
  const ds = await small(300);
  await using loader = await DataLoader.create(ds, { batchSize: 64, shuffle: true, seed: 3 });
  assert.equal(loader.mode, "slices");
  const batches = await collect(loader, 0);
  assert.deepEqual(batches.map((b) => b.dims[0]), [64, 64, 64, 64, 44]);
  assert.equal(loader.batchesPerEpoch, 5);
  const seen = batches.flatMap((b) => [...b.indices]).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i));
  for (const b of batches) {
    assert.deepEqual([...b.y], [...b.indices].map((i) => BigInt(ds.labels[i]!)));
    assert.equal(b.x.length, b.dims[0] * 784);
  }
  await using dropping = await DataLoader.create(ds, { batchSize: 64, dropLast: true });
  assert.deepEqual((await collect(dropping, 0)).map((b) => b.dims[0]), [64, 64, 64, 64]);
  assert.equal(dropping.batchesPerEpoch, 4);
});

Deno.test("DataLoader shuffles from (seed, epoch) and keeps order without shuffle", async () => {
  const ds = await small(100);
  const order = async (seed: number, epoch: number, shuffle = true) => {
    await using l = await DataLoader.create(ds, { batchSize: 100, shuffle, seed });
    return [...(await collect(l, epoch))[0]!.indices];
  };
  assert.deepEqual(await order(1, 0), await order(1, 0));
  assert.notDeepEqual(await order(1, 0), await order(1, 1));
  assert.notDeepEqual(await order(1, 0), await order(2, 0));
  assert.deepEqual(await order(1, 0, false), Array.from({ length: 100 }, (_, i) => i));
});

Deno.test("DataLoader without random transforms gathers pre-transformed rows", async () => {
  const ds = await small(50);
  await using loader = await DataLoader.create(ds, {
    batchSize: 50,
    transforms: [{ name: "normalize", mean: [0.5], std: [0.25] }],
  });
  assert.equal(loader.mode, "slices");
  const [b] = await collect(loader, 0);
  const px = (ds.sources[0] as TensorSource).pixels;
  for (const k of [0, 17, 49]) {
    const item = ds.item[b!.indices[k]!]!;
    for (const j of [0, 300, 400, 783]) {
      assert.equal(b!.x[k * 784 + j], Math.fround((px[item * 784 + j]! - 0.5) * (1 / 0.25)));
    }
  }
});

Deno.test("DataLoader gives identical augmented batches in workers and inline, per (seed, epoch)", async () => {
  const ds = await small(200);
  const run = async (workers: number, seed = 9) => {
    await using l = await DataLoader.create(ds, {
      batchSize: 48,
      shuffle: true,
      seed,
      workers,
      transforms: AUGMENT,
    });
    assert.equal(l.mode, workers > 0 ? "workers" : "inline");
    return [...await collect(l, 0), ...await collect(l, 1)];
  };
  const inline = await run(0);
  const one = await run(1);
  const two = await run(2);
  assert.equal(inline.length, 10);
  assert.deepEqual(inline[0]!.dims, [48, 1, 24, 24]);
  for (let i = 0; i < inline.length; i++) {
    assert.deepEqual(one[i]!.x, inline[i]!.x, `batch ${i}, 1 worker`);
    assert.deepEqual(two[i]!.x, inline[i]!.x, `batch ${i}, 2 workers`);
    assert.deepEqual(two[i]!.y, inline[i]!.y);
  }
  assert.notDeepEqual(inline[0]!.x, inline[5]!.x.subarray(0, inline[0]!.x.length), "epochs differ");
  const other = await run(0, 10);
  assert.notDeepEqual(other[0]!.x, inline[0]!.x);
});

Deno.test("DataLoader resumes inside an epoch with the same remaining batches", async () => {
  const ds = await small(200);
  await using l = await DataLoader.create(ds, {
    batchSize: 32,
    shuffle: true,
    seed: 4,
    workers: 1,
    transforms: AUGMENT,
  });
  const all = await collect(l, 2);
  const rest = await collect(l, 2, 4);
  assert.deepEqual(rest.map((b) => b.index), [4, 5, 6]);
  await assert.rejects(
    () => collect(l, 2, 8),
    /"from_batch": expected an integer in \[0, 7\], got 8/,
  );
  for (let i = 0; i < rest.length; i++) assert.deepEqual(rest[i]!.x, all[i + 4]!.x);
});

Deno.test("DataLoader keeps `prefetch` batches ready while the consumer is busy", async () => {
  const ds = await small(600);
  await using l = await DataLoader.create(ds, {
    batchSize: 32,
    workers: 1,
    prefetch: 3,
    transforms: AUGMENT,
  });
  const it = l.epoch(0);
  await it.next();
  // The consumer "trains" on batch 0; the worker fills the window meanwhile.
  const deadline = Date.now() + 10_000;
  while (l.buffered < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(l.buffered, 3);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(l.buffered, 3, "no more than prefetch batches are built ahead");
  await it.return(undefined);
});

Deno.test("DataLoader builds the next epoch's first batches while the consumer finishes one", async () => {
  const ds = await small(200);
  const options = {
    batchSize: 32,
    shuffle: true,
    seed: 8,
    workers: 1,
    prefetch: 2,
    transforms: AUGMENT,
  };
  await using l = await DataLoader.create(ds, options);
  await collect(l, 0);
  const deadline = Date.now() + 10_000;
  while (l.buffered < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(l.buffered, 3, "batches 0..prefetch of epoch 1 are ready");
  const next = await collect(l, 1);
  await using fresh = await DataLoader.create(ds, { ...options, prefetchNextEpoch: false });
  const expected = await collect(fresh, 1);
  assert.deepEqual(next.map((b) => b.x), expected.map((b) => b.x));
  assert.equal(fresh.buffered, 0);
});

Deno.test("DataLoader decodes image files inside workers (sharp in a worker)", async () => {
  await withTempDir(async (root) => {
    for (let i = 0; i < 12; i++) {
      await writeImage(join(root, `c${i % 3}`, `${i}.${i % 2 ? "jpg" : "png"}`), {
        seed: i,
        width: 10,
        height: 9,
      });
    }
    const ds = await loadImageFolder(root);
    const specs = [{ name: "grayscale" }, { name: "resize", size: [8, 8] }, {
      name: "horizontal_flip",
    }];
    const run = async (workers: number) => {
      await using l = await DataLoader.create(ds, {
        batchSize: 5,
        shuffle: true,
        seed: 1,
        workers,
        transforms: specs,
      });
      return await collect(l, 0);
    };
    const inWorkers = await run(2);
    const inline = await run(0);
    assert.deepEqual(inWorkers.map((b) => b.dims), [[5, 1, 8, 8], [5, 1, 8, 8], [2, 1, 8, 8]]);
    for (let i = 0; i < 3; i++) assert.deepEqual(inWorkers[i]!.x, inline[i]!.x);
  });
});

async function folderWithBadImages(root: string): Promise<{ truncated: string; text: string }> {
  for (let i = 0; i < 8; i++) await writeImage(join(root, `c${i % 2}`, `${i}.png`), { seed: i });
  const truncated = join(root, "c0", "truncated.png");
  const png = await encodeImage("png", { width: 40, height: 40 });
  await Deno.writeFile(truncated, png.subarray(0, png.length >> 1));
  const text = join(root, "c1", "text.png");
  await Deno.writeTextFile(text, "hello");
  return { truncated, text };
}

for (const workers of [0, 1]) {
  Deno.test(`DataLoader skips and reports unreadable images up to max_bad_fraction (workers: ${workers})`, async () => {
    await withTempDir(async (root) => {
      const { truncated, text } = await folderWithBadImages(root);
      const ds = await loadImageFolder(root);
      const warnings: string[] = [];
      await using l = await DataLoader.create(ds, {
        batchSize: 4,
        workers,
        maxBadFraction: 0.2,
        onWarning: (m) => warnings.push(m),
      });
      for (const epoch of [0, 1]) {
        const batches = await collect(l, epoch);
        assert.equal(batches.reduce((s, b) => s + b.dims[0], 0), 8);
        for (const b of batches) assert.equal(b.y.length, b.dims[0]);
      }
      assert.deepEqual(l.badSamples.map((s) => s.path), [truncated, text]);
      assert.equal(warnings.length, 2, "each bad image is reported once");
      assert.match(warnings[0]!, new RegExp(`^Skipping unreadable image "${truncated}": .+`));

      await using strict = await DataLoader.create(ds, {
        batchSize: 4,
        workers,
        maxBadFraction: 0.1,
      });
      const err = await collect(strict, 0).catch((e) => e);
      assert.ok(err instanceof DataError, String(err));
      assert.match(
        err.message,
        new RegExp(
          `^Too many unreadable images in "${root}": 2 of 10 \\(20\\.0% > max_bad_fraction 10\\.0%\\), last "${text}": `,
        ),
      );
    });
  });

  Deno.test(`DataLoader names both images when sizes differ after transforms (workers: ${workers})`, async () => {
    await withTempDir(async (root) => {
      await writeImage(join(root, "a", "1.png"), { width: 8, height: 6 });
      await writeImage(join(root, "b", "2.png"), { width: 5, height: 4 });
      const ds = await loadImageFolder(root);
      await using l = await DataLoader.create(ds, {
        batchSize: 2,
        workers,
        transforms: [{ name: "grayscale" }],
      });
      await assert.rejects(() => collect(l, 0), {
        name: "DataError",
        message:
          `Cannot batch "${join(root, "b", "2.png")}": its size after transforms is 1x4x5, ` +
          `"${join(root, "a", "1.png")}" has 1x6x8: add a resize or center_crop transform`,
      });
      await using fixed = await DataLoader.create(ds, {
        batchSize: 2,
        workers,
        transforms: [{ name: "grayscale" }, { name: "resize", size: [4, 4] }],
      });
      assert.deepEqual((await collect(fixed, 0))[0]!.dims, [2, 1, 4, 4]);
    });
  });
}

Deno.test("DataLoader stops its workers on close and refuses batches afterwards", async () => {
  const ds = await small(200);
  const l = await DataLoader.create(ds, { batchSize: 16, workers: 2, transforms: AUGMENT });
  for await (const _ of l.epoch(0)) break;
  await l.close();
  await assert.rejects(() => collect(l, 1), /Cannot build a batch: the data loader is closed/);
});

Deno.test("DataLoader.create() names an invalid option", async () => {
  const ds = await small(10);
  await assert.rejects(() => DataLoader.create(ds, { batchSize: 0 }), {
    name: "RangeError",
    message: 'Invalid loader option "batch_size": expected a positive integer, got 0',
  });
  await assert.rejects(
    () => DataLoader.create(ds, { batchSize: 1, maxBadFraction: 2 }),
    /"max_bad_fraction": expected a number in \[0, 1\], got 2/,
  );
  await assert.rejects(
    () => DataLoader.create(ds, { batchSize: 1, workers: -1 }),
    /"workers": expected a non-negative integer/,
  );
  await assert.rejects(
    () => DataLoader.create(ds, { batchSize: 1, transforms: [{ name: "warp" }] }),
    /Unknown transform transforms\[0\] "warp"/,
  );
});
