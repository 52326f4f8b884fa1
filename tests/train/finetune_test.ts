// Retraining from feedback: `data=examples data.path=<export> trainer.init_from=<run dir>`
// fine-tunes a parent run on its data plus relabelled examples and reports the new model's
// accuracy on the original test split next to the parent's.

import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { writeImageFolderExport } from "../../lib/data/mod.ts";
import { digit } from "../serve/_fixtures.ts";
import { experiment, inTempDir, TINY, trainCli } from "./_experiment.ts";

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** An export of `n` MNIST test digits drawn 10× larger, labelled with their digit. */
async function exportDigits(dir: string, n: number): Promise<void> {
  const examples = [];
  for (let i = 0; i < n; i++) {
    const d = await digit(i * 197 % 2000);
    const raw = { width: 28, height: 28, channels: 1 as const };
    const image = new Uint8Array(await sharp(d.pixels, { raw }).resize(280, 280).png().toBuffer());
    examples.push({ sourceId: `ex${i}`, label: String(d.label), labeledAt: new Date(), image });
  }
  await writeImageFolderExport(dir, examples, { classes: DIGITS });
}

type Obj = Record<string, unknown>;

Deno.test("data=examples fine-tunes from a parent and reports both accuracies on the original test split", async () => {
  await inTempDir(async (cwd) => {
    const parent = await experiment(TINY, cwd);
    const exportDir = join(cwd, "data", "exports", "labeled-1");
    await exportDigits(exportDir, 6);
    const child = await experiment([
      ...TINY,
      "data=examples",
      "data.transforms.train=[]",
      `data.path=${exportDir}`,
      "data.ratio=0.2",
      `trainer.init_from=${parent.runDir}`,
      "run_name=finetune",
    ], cwd);
    assert.equal(child.status, "finished");
    const p = child.results.parent as Obj;
    const parentFinal = parent.results.final as Obj;
    // The parent's weights measured on this run's test split give the parent's own figure:
    // the examples went into the training split only.
    assert.equal(p.test_accuracy, parentFinal.test_accuracy);
    assert.equal(p.recorded_test_accuracy, parentFinal.test_accuracy);
    assert.equal(p.same_test_split, true);
    assert.equal(p.run_dir, parent.runDir);
    const parentData = parent.results.data as Obj;
    const data = child.results.data as Obj;
    assert.equal(data.test_samples, parentData.test_samples);
    assert.equal(p.test_samples, parentData.test_samples);
    const ex = data.examples as Obj;
    assert.deepEqual([ex.count, ex.ratio], [6, 0.2]);
    // ratio 0.2 of the mixed split: the 239 original samples + 60 drawn from the 6 examples.
    assert.equal(parentData.train_samples, 239);
    assert.deepEqual([data.train_samples, ex.mixed_in], [299, 60]);
    const acc = (child.results.final as Obj).test_accuracy as number;
    assert.ok(Math.abs((p.accuracy_delta as number) - (acc - (p.test_accuracy as number))) < 1e-12);
    const line = child.output.split("\n").find((l) => l.startsWith("Parent "));
    assert.equal(
      line,
      `Parent ${parent.runDir}: test_accuracy ${(p.test_accuracy as number).toFixed(4)} -> ${
        acc.toFixed(4)
      } (${acc >= (p.test_accuracy as number) ? "+" : ""}${
        ((acc - (p.test_accuracy as number)) * 100).toFixed(2)
      } points) on the original test split (60 samples)`,
    );
    assert.match(child.output, /Examples .*labeled-1: 6 relabelled, 60 training samples drawn/);
    // Another split seed: the parent is measured on this run's split, and the line says so.
    const other = await experiment([
      ...TINY,
      "data.split_seed=7",
      `trainer.init_from=${parent.runDir}`,
      "run_name=split7", // its own folder, even within the parent's second
    ], cwd);
    assert.equal((other.results.parent as Obj).same_test_split, false);
    assert.match(other.output, /on this run's test split \(not the parent's own\)/);
    assert.equal(parent.results.parent, undefined, "a run from scratch has no parent block");
  });
});

Deno.test("data=examples without data.path, or with a class the model lacks, is refused", async () => {
  await inTempDir(async (cwd) => {
    let r = await trainCli([...TINY, "data=examples"], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /data\.path/);
    const dir = join(cwd, "ex");
    await Deno.mkdir(join(dir, "cat"), { recursive: true });
    await Deno.writeFile(
      join(dir, "cat", "a.png"),
      await sharp({
        create: { width: 4, height: 4, channels: 3, background: "#fff" },
      }).png().toBuffer(),
    );
    r = await trainCli([...TINY, "data=examples", `data.path=${dir}`], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"cat" is not in the class list \(valid: 0, 1, 2/);
    assert.equal(await Deno.stat(join(cwd, "results")).then(() => true, () => false), false);
  });
});
