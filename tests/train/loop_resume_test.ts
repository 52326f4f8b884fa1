// Resume through the CLI as users do it: a run killed (SIGKILL) or interrupted (SIGINT, as
// Ctrl-C) after a checkpoint, continued with trainer.resume=<run dir>, logs the same
// metrics.jsonl values and reaches the same final metrics as an uninterrupted run.

import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir, recordValues, TRAIN_CLI, trainCli } from "./_experiment.ts";

// A small CNN with augmentation, a per-step warm-up cosine schedule and a smaller last
// batch: every source of state a resume has to restore.
const RUN = [
  "model=cnn",
  "model.channels=[4,8]",
  "model.hidden=16",
  "data.num_samples=2000",
  "data.transforms.train=[{name: rotation, degrees: 10}]",
  "trainer.training_iters=8",
  "trainer.epochs_per_iteration=1",
  "trainer.batch_size=48",
  "tracking.log_every_n_steps=5",
  "scheduler=warmup_cosine",
  "scheduler.interval=step",
  "trainer.early_stopping_patience=null",
];

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Starts a run, waits for `checkpoint` to appear, then sends `signal`. */
async function cutRun(cwd: string, name: string, checkpoint: string, signal: Deno.Signal) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TRAIN_CLI, ...RUN, `run_name=${name}`],
    cwd,
    env: { WANDB_API_KEY: "", INIT_CWD: cwd },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const root = join(cwd, "results", "cnn", "default");
  let runDir = "";
  let exited = false;
  child.status.then(() => (exited = true));
  for (let t = 0; t < 6000 && !exited; t++) {
    if (!runDir && await exists(root)) {
      runDir = [...Deno.readDirSync(root)].map((e) =>
        join(root, e.name)
      ).find((d) => d.includes(`/${name}_`)) ?? "";
    }
    if (runDir && await exists(join(runDir, "checkpoints", checkpoint, "state.json"))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(runDir, "the run started");
  child.kill(signal);
  const status = await child.status;
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  return { runDir, status, stderr };
}

Deno.test("a run killed after a checkpoint resumes to the uninterrupted run's records", async () => {
  await inTempDir(async (cwd) => {
    const full = await trainCli([...RUN, "run_name=full"], { cwd });
    assert.equal(full.code, 0, full.stderr);
    const fullDir = /Run directory: (\S+)/.exec(full.stderr)![1]!;
    const cut = await cutRun(cwd, "killed", "checkpoint_000002", "SIGKILL");
    assert.equal(cut.status.signal, "SIGKILL");
    assert.ok(
      !await exists(join(cut.runDir, "results.json")),
      "the run was stopped before its end",
    );
    const resumed = await trainCli([`trainer.resume=${cut.runDir}`], { cwd });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /Resuming .* from .*checkpoint_00000[2-8] \(step \d+\)/);
    assert.deepEqual(await recordValues(cut.runDir), await recordValues(fullDir));
    const a = JSON.parse(await Deno.readTextFile(join(fullDir, "results.json")));
    const b = JSON.parse(await Deno.readTextFile(join(cut.runDir, "results.json")));
    assert.deepEqual(b.final, a.final);
    assert.deepEqual(b.best, a.best);
    assert.equal(b.resumed_from.startsWith(cut.runDir), true);
  });
});

Deno.test("Ctrl-C saves a checkpoint, exits 130 with a message; resuming gives the same records", async () => {
  await inTempDir(async (cwd) => {
    const full = await trainCli([...RUN, "run_name=full"], { cwd });
    assert.equal(full.code, 0, full.stderr);
    const fullDir = /Run directory: (\S+)/.exec(full.stderr)![1]!;
    const cut = await cutRun(cwd, "stopped", "checkpoint_000001", "SIGINT");
    assert.equal(cut.status.code, 130, cut.stderr);
    assert.match(cut.stderr, /Interrupted: saving a checkpoint/);
    assert.match(
      cut.stderr,
      /Interrupted: checkpoint \S+checkpoint_\d+; continue with: deno task train trainer\.resume=/,
    );
    assert.doesNotMatch(cut.stderr, /at .*\.ts:\d+/, "no stack trace");
    const results = JSON.parse(await Deno.readTextFile(join(cut.runDir, "results.json")));
    assert.equal(results.status, "interrupted");
    const resumed = await trainCli([`trainer.resume=${cut.runDir}`], { cwd });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(await recordValues(cut.runDir), await recordValues(fullDir));
    const done = JSON.parse(await Deno.readTextFile(join(cut.runDir, "results.json")));
    assert.equal(done.status, "finished");
  });
});
