// A training run tracked in W&B (a loopback stand-in speaking W&B's protocol): only with
// WANDB_API_KEY, project/group/name from tracking.wandb, the history equal to the run's
// metrics.jsonl, and a resumed run continuing the same W&B run.

import assert from "node:assert/strict";
import { join } from "node:path";
import { historyRows, readMetricsLog } from "../../lib/track/mod.ts";
import { WandbStandIn } from "../track/_wandb_standin.ts";
import { abortWhen, experiment, inTempDir, TINY } from "./_experiment.ts";

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

async function rowsOf(runDir: string): Promise<string[]> {
  const log = await readMetricsLog(join(runDir, "metrics.jsonl"));
  return historyRows(log.records).map((r) => JSON.stringify(r));
}

Deno.test("a run with WANDB_API_KEY is sent to W&B; without it nothing leaves the machine", async () => {
  await using server = WandbStandIn.start("key", "alice");
  await inTempDir(async (cwd) => {
    const off = await experiment([...TINY, "run_name=local"], cwd, {
      env: envOf({ WANDB_BASE_URL: server.url }),
    });
    assert.equal(off.status, "finished");
    assert.deepEqual(server.log, []);
    const r = await experiment([...TINY, "trainer.training_iters=2", "run_name=tracked"], cwd, {
      env: envOf({ WANDB_API_KEY: "key", WANDB_BASE_URL: server.url }),
    });
    const saved = JSON.parse(await Deno.readTextFile(join(r.runDir, "wandb.json")));
    const run = server.runs.get(saved.id)!;
    assert.deepEqual([run.project, run.entity, run.groupName, run.displayName], [
      "lifecycle",
      "alice",
      "mlp",
      "tracked",
    ]);
    assert.equal((run.config?.model?.value as Record<string, unknown>).name, "mlp");
    assert.deepEqual(run.history, await rowsOf(r.runDir));
    const final = r.results.final as Record<string, unknown>;
    assert.equal(
      (run.summary?.final as Record<string, unknown>).test_accuracy,
      final.test_accuracy,
    );
    assert.deepEqual([run.complete, run.exitcode], [true, 0]);
    assert.equal(saved.url, `${server.url}/alice/lifecycle/runs/${saved.id}`);
  });
});

Deno.test("a resumed run continues its W&B run where the kept records end", async () => {
  await using server = WandbStandIn.start("key");
  await inTempDir(async (cwd) => {
    const env = envOf({ WANDB_API_KEY: "key", WANDB_BASE_URL: server.url, WANDB_ENTITY: "team" });
    const args = [...TINY, "trainer.training_iters=3"];
    const cut = await experiment(args, cwd, { env, ...abortWhen("epoch 2/3") });
    assert.equal(cut.status, "interrupted");
    const id = JSON.parse(await Deno.readTextFile(join(cut.runDir, "wandb.json"))).id;
    assert.equal(server.runs.get(id)!.exitcode, 130);
    await experiment([...args, `trainer.resume=${cut.runDir}`], cwd, { env });
    assert.equal(server.runs.size, 1, "the same W&B run");
    const run = server.runs.get(id)!;
    assert.deepEqual(run.history, await rowsOf(cut.runDir));
    assert.deepEqual([run.entity, run.exitcode], ["team", 0]);
  });
});

Deno.test("an unreachable W&B server is reported and the run goes on locally", async () => {
  await inTempDir(async (cwd) => {
    const r = await experiment(TINY, cwd, {
      env: envOf({ WANDB_API_KEY: "key", WANDB_BASE_URL: "http://127.0.0.1:9" }),
    });
    assert.equal(r.status, "finished");
    assert.match(r.output, /W&B is off for this run: Cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
