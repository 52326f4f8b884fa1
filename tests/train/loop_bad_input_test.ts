// Bad input to `deno task train`: one clear line, a non-zero exit, and nothing already
// written damaged (no run directory at all when the input is refused before training).

import assert from "node:assert/strict";
import { join } from "node:path";
import { writeImage } from "../data/_images.ts";
import { inTempDir, TINY, trainCli } from "./_experiment.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** One error line on stderr (the last), exit code 1, and no run directory created. */
async function refused(cwd: string, args: string[], message: RegExp): Promise<string> {
  const r = await trainCli(args, { cwd });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.match(
    lines[lines.length - 1]!,
    /^Error: .* \(set LIFECYCLE_FULL_ERROR=1 for the stack trace\)$/,
  );
  assert.match(lines[lines.length - 1]!, message);
  assert.ok(!await exists(join(cwd, "results")), "no run directory was created");
  return lines[lines.length - 1]!;
}

/** `root/<class>/<n>.png` grey 28×28 images, `perClass` of each. */
async function imageFolder(root: string, classes: string[], perClass: number): Promise<void> {
  for (const c of classes) {
    for (let i = 0; i < perClass; i++) {
      await writeImage(join(root, c, `${i}.png`), { seed: i, width: 28, height: 28, channels: 1 });
    }
  }
}

const FOLDER = [
  "data=image_folder",
  "model=mlp",
  "model.num_classes=2",
  "trainer.threads=1",
  "trainer.training_iters=1",
];

Deno.test("a config value of the wrong type is named with what is valid", async () => {
  await inTempDir(async (cwd) => {
    const line = await refused(cwd, [...TINY, "trainer.batch_size=abc"], /./);
    assert.equal(
      line,
      'Error: Invalid trainer.batch_size "abc": expected a positive integer (set LIFECYCLE_FULL_ERROR=1 for the stack trace)',
    );
    await refused(
      cwd,
      [...TINY, "optimizer.lr=fast"],
      /Invalid optimizer\.lr "fast": expected a number >= 0/,
    );
    await refused(
      cwd,
      [...TINY, "scheduler=step", "scheduler.interval=batch"],
      /Invalid scheduler\.interval "batch": expected one of epoch, step/,
    );
    await refused(
      cwd,
      [...TINY, "data.transforms.train=[{name: blur}]"],
      /Unknown transform transforms\.train\[0\] "blur"/,
    );
    await refused(
      cwd,
      [...TINY, "loss.kind=mse"],
      /Invalid loss\.kind "mse": expected one of cross_entropy, taylor_cross_entropy/,
    );
  });
});

Deno.test("a missing data folder is refused before anything is written", async () => {
  await inTempDir(async (cwd) => {
    await refused(
      cwd,
      [...FOLDER, `data.root=${cwd}/nope`],
      /Cannot load image folder ".*\/nope": no such directory/,
    );
  });
});

Deno.test("a class folder without images is named", async () => {
  await inTempDir(async (cwd) => {
    const root = join(cwd, "digits");
    await imageFolder(root, ["a"], 3);
    await Deno.mkdir(join(root, "b"));
    await Deno.writeTextFile(join(root, "b", "notes.txt"), "not an image");
    await refused(
      cwd,
      [...FOLDER, `data.root=${root}`],
      /class folder ".*\/digits\/b" has no images/,
    );
  });
});

Deno.test("images of different sizes after the transforms are refused before anything is written", async () => {
  await inTempDir(async (cwd) => {
    const root = join(cwd, "digits");
    await imageFolder(root, ["a", "b"], 5);
    await writeImage(join(root, "b", "big.png"), { width: 32, height: 32, channels: 1 });
    await refused(
      cwd,
      [...FOLDER, `data.root=${root}`, "data.resize=false"],
      /Cannot batch ".*\/b\/big\.png": its size after transforms is 1x32x32, ".*" has 1x28x28: add a resize or center_crop transform/,
    );
  });
});

Deno.test("the model and the data must agree on classes", async () => {
  await inTempDir(async (cwd) => {
    const root = join(cwd, "digits");
    await imageFolder(root, ["a", "b"], 5);
    await refused(
      cwd,
      ["data=image_folder", "model=mlp", `data.root=${root}`],
      /the model has 10 outputs, the data has 2 classes \(set model\.num_classes=2\)/,
    );
  });
});

Deno.test("unreadable images are counted; above max_bad_fraction the run fails", async () => {
  await inTempDir(async (cwd) => {
    const root = join(cwd, "digits");
    await imageFolder(root, ["a", "b"], 10);
    await Deno.writeTextFile(join(root, "a", "broken.png"), "this is not a png");
    const base = [
      ...FOLDER,
      `data.root=${root}`,
      "trainer.epochs_per_iteration=1",
      "trainer.batch_size=4",
    ];
    const fail = await trainCli([...base, "data.max_bad_fraction=0", "run_name=strict"], { cwd });
    assert.equal(fail.code, 1, fail.stderr);
    assert.match(
      fail.stderr,
      /Error: Too many unreadable images in ".*digits(:train|:test)?": 1 of \d+ \(.*> max_bad_fraction 0\.0%\), last ".*broken\.png": /,
    );
    const ok = await trainCli([...base, "data.max_bad_fraction=0.5", "run_name=lenient"], { cwd });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Skipping unreadable image ".*broken\.png": /);
    const runDir = /Run directory: (\S+)/.exec(ok.stderr)![1]!;
    const results = JSON.parse(await Deno.readTextFile(join(runDir, "results.json")));
    assert.equal(results.data.bad_samples, 1);
    assert.match(
      await Deno.readTextFile(join(runDir, "train.log")),
      /\[WARNING\] - Skipping unreadable image/,
    );
  });
});

Deno.test("a resume path without a checkpoint is refused before anything is written", async () => {
  await inTempDir(async (cwd) => {
    await Deno.mkdir(join(cwd, "empty"));
    await refused(
      cwd,
      [...TINY, `trainer.resume=${cwd}/empty`],
      /Cannot resume from ".*\/empty": no checkpoint there \(expected checkpoints\/checkpoint_NNNNNN\/\)/,
    );
    await refused(
      cwd,
      [...TINY, `trainer.resume=${cwd}/missing`],
      /Cannot resume from ".*\/missing": no checkpoint there/,
    );
  });
});

Deno.test("a resume that does not fit the run's model leaves the run's files as they were", async () => {
  await inTempDir(async (cwd) => {
    const first = await trainCli([...TINY, "trainer.training_iters=1"], { cwd });
    assert.equal(first.code, 0, first.stderr);
    const runDir = /Run directory: (\S+)/.exec(first.stderr)![1]!;
    const files = ["metrics.jsonl", "results.json", "config.yaml", "params.json", "train.log"];
    const before = await Promise.all(files.map((f) => Deno.readFile(join(runDir, f))));
    const r = await trainCli([`trainer.resume=${runDir}`, "model.hidden=[16]"], { cwd });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /Error: Checkpoint ".*checkpoint_000001" does not match the model: "fc1\.weight" has dims \[32,784\], expected \[16,784\]/,
    );
    const after = await Promise.all(files.map((f) => Deno.readFile(join(runDir, f))));
    assert.deepEqual(after, before);
  });
});
