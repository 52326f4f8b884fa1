import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DataError,
  DataLoader,
  type ImageFileSource,
  loadImageFolder,
} from "../../lib/data/mod.ts";
import { pattern, withTempDir, writeImage } from "./_images.ts";

Deno.test("loadImageFolder() sorts classes and files as torchvision's ImageFolder", async () => {
  await withTempDir(async (root) => {
    await writeImage(join(root, "dog", "b.png"));
    await writeImage(join(root, "dog", "a.JPG"));
    await writeImage(join(root, "cat", "z.jpeg"));
    await writeImage(join(root, "cat", "nested", "y.png"));
    await Deno.writeTextFile(join(root, "cat", "notes.txt"), "not an image");
    await writeImage(join(root, ".hidden", "x.png"));
    const ds = await loadImageFolder(root);
    assert.deepEqual(ds.classes, ["cat", "dog"]);
    const paths = (ds.sources[0] as ImageFileSource).paths.map((p) => p.slice(root.length + 1));
    assert.deepEqual(paths, ["cat/nested/y.png", "cat/z.jpeg", "dog/a.JPG", "dog/b.png"]);
    assert.deepEqual([...ds.labels], [0, 0, 1, 1]);
  });
});

Deno.test("loadImageFolder() with a class list keeps its order and leaves missing classes empty", async () => {
  await withTempDir(async (root) => {
    await writeImage(join(root, "7", "a.png"));
    await writeImage(join(root, "3", "b.png"));
    const ds = await loadImageFolder(root, {
      classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    });
    assert.deepEqual([...ds.labels], [3, 7]);
    await assert.rejects(() => loadImageFolder(root, { classes: ["3"] }), {
      name: "DataError",
      message: `Cannot load image folder "${root}": folder "7" is not a class (valid: 3)`,
    });
  });
});

Deno.test("loadImageFolder() names the missing folder, the empty class folder, or the lack of classes", async () => {
  await withTempDir(async (root) => {
    const missing = join(root, "nope");
    await assert.rejects(() => loadImageFolder(missing), {
      name: "DataError",
      message: `Cannot load image folder "${missing}": no such directory`,
    });
    await assert.rejects(
      () => loadImageFolder(root),
      /no class folders \(expected .*\/<label>\/<image>\.png\)/,
    );
    await writeImage(join(root, "a", "1.png"));
    await Deno.mkdir(join(root, "b"));
    await Deno.writeTextFile(join(root, "b", "readme.md"), "x");
    const err = await loadImageFolder(root).catch((e) => e);
    assert.ok(err instanceof DataError);
    assert.equal(
      err.message,
      `Cannot load image folder "${root}": class folder "${
        join(root, "b")
      }" has no images (.jpg, .jpeg, .png)`,
    );
    assert.equal(err.path, join(root, "b"));
  });
});

Deno.test("image folder samples decode with sharp to CHW floats (RGB and L)", async () => {
  await withTempDir(async (root) => {
    await writeImage(join(root, "a", "rgb.png"), { seed: 1, width: 5, height: 4 });
    await writeImage(join(root, "a", "grey.png"), { seed: 2, width: 5, height: 4, channels: 1 });
    await writeImage(join(root, "b", "rgba.png"), { seed: 3, width: 5, height: 4, channels: 4 });
    const rgb = await loadImageFolder(root);
    await using loader = await DataLoader.create(rgb, { batchSize: 3, workers: 0 });
    const [batch] = await Array.fromAsync(loader.epoch(0));
    assert.deepEqual(batch!.dims, [3, 3, 4, 5]);
    const at = (n: number, c: number, y: number, x: number) =>
      batch!.x[((n * 3 + c) * 4 + y) * 5 + x]!;
    // Files in order: a/grey.png, a/rgb.png, b/rgba.png.
    assert.equal(
      at(0, 2, 3, 4),
      Math.fround(pattern(2, 4, 3, 0) / 255),
      "grey repeated in every channel",
    );
    assert.equal(at(1, 1, 2, 3), Math.fround(pattern(1, 3, 2, 1) / 255));
    assert.equal(at(2, 2, 1, 1), Math.fround(pattern(3, 1, 1, 2) / 255), "alpha dropped");
    const luma = await loadImageFolder(root, { mode: "L" });
    await using l2 = await DataLoader.create(luma, { batchSize: 3, workers: 0 });
    const [b2] = await Array.fromAsync(l2.epoch(0));
    assert.deepEqual(b2!.dims, [3, 1, 4, 5]);
    const [r, g, b] = [0, 1, 2].map((c) => pattern(1, 3, 2, c));
    assert.equal(
      b2!.x[20 + 2 * 5 + 3],
      Math.fround(((r! * 19595 + g! * 38470 + b! * 7471 + 0x8000) >>> 16) / 255),
    );
  });
});
