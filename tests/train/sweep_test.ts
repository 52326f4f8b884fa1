// Sweeps through the CLI: each job in its own run directory, one after another or
// n_jobs at once in subprocesses, and the summary table of their final metrics.

import assert from "node:assert/strict";
import { join } from "node:path";
import { formatSweepTable } from "../../lib/train/mod.ts";
import { inTempDir, TINY, trainCli } from "./_experiment.ts";

function sweepDir(cwd: string): string {
  const root = join(cwd, "results", "mlp", "default");
  const [name] = [...Deno.readDirSync(root)].map((e) => e.name);
  return join(root, name!);
}

function tableRows(stdout: string): string[][] {
  const lines = stdout.trim().split("\n");
  assert.match(
    lines[0]!,
    /^#\s+overrides\s+status\s+test_acc\s+test_loss\s+f1_macro\s+best_acc\s+time\s+run dir$/,
  );
  return lines.slice(2).map((l) => l.split(/\s{2,}/));
}

async function finalAccuracy(runDir: string): Promise<string> {
  const r = JSON.parse(await Deno.readTextFile(join(runDir, "results.json")));
  return r.final.test_accuracy.toFixed(4);
}

Deno.test("train -m optimizer.lr=0.1,0.01 trains two runs and prints the summary", async () => {
  await inTempDir(async (cwd) => {
    const r = await trainCli(["-m", "optimizer.lr=0.1,0.01", "trainer.training_iters=1", ...TINY], {
      cwd,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Launching 2 jobs locally/);
    const dir = sweepDir(cwd);
    const rows = tableRows(r.stdout);
    assert.equal(rows.length, 2);
    for (const [i, lr] of ["0.1", "0.01"].entries()) {
      const row = rows[i]!;
      assert.equal(row[0], String(i));
      assert.match(row[1]!, new RegExp(`^optimizer\\.lr=${lr.replace(".", "\\.")} `));
      assert.equal(row[2], "finished");
      assert.equal(row[3], await finalAccuracy(join(dir, String(i))));
      assert.equal(row[8], join(dir, String(i)));
    }
  });
});

Deno.test("hydra.launcher.n_jobs=2 runs the jobs in parallel subprocesses", async () => {
  await inTempDir(async (cwd) => {
    const r = await trainCli([
      "-m",
      "seed=1,2",
      "hydra.launcher.n_jobs=2",
      "trainer.training_iters=1",
      ...TINY,
    ], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[#0\] Run directory: /m);
    assert.match(r.stderr, /^\[#1\] iteration 1\/1 \| /m);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows.map((x) => [x[0], x[2]]), [["0", "finished"], ["1", "finished"]]);
    const dir = sweepDir(cwd);
    for (const i of [0, 1]) assert.equal(rows[i]![3], await finalAccuracy(join(dir, String(i))));
    // Different seeds, different runs.
    assert.notDeepEqual(
      await Deno.readTextFile(join(dir, "0", "metrics.jsonl")),
      await Deno.readTextFile(join(dir, "1", "metrics.jsonl")),
    );
  });
});

Deno.test("a failed job is reported in the table and the others still run", async () => {
  await inTempDir(async (cwd) => {
    const r = await trainCli([
      "-m",
      ...TINY,
      "trainer.batch_size=abc,16",
      "trainer.training_iters=1",
    ], {
      cwd,
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /\[sweep\] #0 failed: Invalid trainer\.batch_size "abc": expected a positive integer/,
    );
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows.map((x) => x[2]), ["failed", "finished"]);
  });
});

Deno.test("formatSweepTable() lines up a job that never started", () => {
  const table = formatSweepTable([
    {
      num: 0,
      overrides: ["seed=1"],
      runDir: "/r/0",
      status: "interrupted",
      results: { final: { test_accuracy: 0.5 }, best: { test_accuracy: { value: 0.75 } } },
      error: null,
      seconds: 3600,
    },
    {
      num: 1,
      overrides: ["seed=2"],
      runDir: "/r/1",
      status: "not_started",
      results: null,
      error: null,
      seconds: 0,
    },
  ]);
  const lines = table.split("\n");
  const cells = (line: string) => line.split(/ {2,}/);
  assert.deepEqual(cells(lines[2]!), [
    "0",
    "seed=1",
    "interrupted",
    "0.5000",
    "-",
    "-",
    "0.7500",
    "60:00",
    "/r/0",
  ]);
  assert.deepEqual(cells(lines[3]!), [
    "1",
    "seed=2",
    "not_started",
    "-",
    "-",
    "-",
    "-",
    "0:00",
    "/r/1",
  ]);
});
