import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  classCounts,
  DataError,
  loadExamples,
  makeDataset,
  withExamples,
  writeImageFolderExport,
} from "../../lib/data/mod.ts";

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** A PNG of `w`×`h` RGBA: left half white, right half transparent (alpha 0, colour red). */
async function halfPng(w: number, h: number): Promise<Uint8Array> {
  const px = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      px.set(x < w / 2 ? [255, 255, 255, 255] : [255, 0, 0, 0], o);
    }
  }
  return new Uint8Array(
    await sharp(px, { raw: { width: w, height: h, channels: 4 } }).png()
      .toBuffer(),
  );
}

async function tempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "examples_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadExamples() reads an export at the model's size, labels by class name", async () => {
  await tempDir(async (dir) => {
    const img = await halfPng(280, 280);
    await writeImageFolderExport(join(dir, "export"), [
      { sourceId: "a", label: "7", labeledAt: "2024-05-01T10:00:00Z", image: img },
      { sourceId: "b", label: "1", labeledAt: "2024-05-01T10:01:00Z", image: img },
      { sourceId: "c", label: "7", labeledAt: "2024-05-01T10:02:00Z", image: img },
    ], { classes: DIGITS });
    const ds = await loadExamples(join(dir, "export"), { classes: DIGITS, dims: [1, 28, 28] });
    assert.deepEqual([...ds.labels], [7, 1, 7], "manifest order, indices of the digit names");
    assert.deepEqual(ds.classes, DIGITS);
    const src = ds.sources[0]!;
    assert.equal(src.kind, "tensor");
    if (src.kind !== "tensor") return;
    assert.deepEqual(src.dims, [1, 28, 28]);
    assert.equal(src.pixels.length, 3 * 784);
    // Transparent pixels are flattened onto black (as the server does), white stays 1.
    assert.equal(src.pixels[28 * 14 + 2], 1);
    assert.equal(src.pixels[28 * 14 + 25], 0);
  });
});

Deno.test("loadExamples() maps a plain folder's names onto a longer class list, RGB too", async () => {
  await tempDir(async (dir) => {
    await Deno.mkdir(join(dir, "3"));
    await Deno.mkdir(join(dir, "eight"));
    await Deno.writeFile(join(dir, "3", "x.png"), await halfPng(10, 10));
    await Deno.writeFile(join(dir, "eight", "y.png"), await halfPng(10, 10));
    const ds = await loadExamples(dir, {
      classes: DIGITS,
      dims: [3, 8, 8],
      aliases: { eight: "8" },
    });
    assert.deepEqual([...ds.labels], [3, 8]);
    assert.deepEqual(ds.sources[0]!.kind === "tensor" && ds.sources[0]!.dims, [3, 8, 8]);
    await assert.rejects(
      () => loadExamples(dir, { classes: DIGITS, dims: [1, 28, 28] }),
      {
        name: "RangeError",
        message: new RegExp(`"eight" is not in the class list \\(valid: 0, 1, .*add an alias\\)`),
      },
    );
  });
});

Deno.test("loadExamples() names an unreadable image and refuses bad dims", async () => {
  await tempDir(async (dir) => {
    await Deno.mkdir(join(dir, "4"));
    await Deno.writeTextFile(join(dir, "4", "bad.png"), "not a png");
    await assert.rejects(
      () => loadExamples(dir, { classes: DIGITS, dims: [1, 28, 28] }),
      (err: Error) => err instanceof DataError && err.message.includes(join(dir, "4", "bad.png")),
    );
    await assert.rejects(
      () => loadExamples(dir, { classes: DIGITS, dims: [2, 28, 28] }),
      /sample dims \[2,28,28\] are not \[1 or 3, height, width\]/,
    );
    await assert.rejects(
      () => loadExamples(join(dir, "missing"), { classes: DIGITS, dims: [1, 28, 28] }),
      /no such directory/,
    );
  });
});

Deno.test("withExamples() mixes the asked share into a training split", async () => {
  await tempDir(async (dir) => {
    for (const label of ["2", "5"]) {
      await Deno.mkdir(join(dir, label));
      await Deno.writeFile(join(dir, label, "a.png"), await halfPng(28, 28));
    }
    const n = 90;
    const train = makeDataset({
      name: "orig",
      classes: DIGITS,
      labels: new Int32Array(n),
      source: new Uint8Array(n),
      item: Int32Array.from({ length: n }, (_, i) => i),
      sources: [{
        kind: "tensor",
        name: "orig",
        pixels: new Float32Array(n * 784),
        dims: [1, 28, 28],
      }],
    });
    const mix = await withExamples(train, dir, { dims: [1, 28, 28], ratio: 0.1 });
    assert.equal(mix.train.length, 100);
    assert.equal(mix.mixedIn, 10);
    assert.equal(mix.examples.length, 2);
    const counts = classCounts(mix.train);
    assert.deepEqual([counts[0], counts[2], counts[5]], [90, 5, 5]);
    const once = await withExamples(train, dir, { dims: [1, 28, 28] });
    assert.equal(once.mixedIn, 2, "no ratio: each example once");
  });
});
