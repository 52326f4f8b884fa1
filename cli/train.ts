/**
 * `deno task train [flags] [overrides]`: compose the experiment config the way
 * Hydra does and train it. With `--cfg job|hydra|all` it prints the config and
 * exits; `--help` lists the config groups; `-m` runs a sweep (each job in its
 * own run directory, `hydra.launcher.n_jobs` at once) and prints a summary
 * table. `trainer.resume=<run dir>` continues a run with the overrides it was
 * started with. Ctrl-C saves a checkpoint and exits with code 130.
 *
 * @module
 */
import { runMain } from "./_main.ts";
import {
  composeForCli,
  type ExperimentResult,
  formatSweepTable,
  jobLine,
  runExperiment,
  runSweep,
  TargetRegistry,
  validateTargets,
  watchInterrupts,
  withResumeOverrides,
  writeSweepDir,
} from "../mod.ts";

const CONF_DIR = new URL("../conf", import.meta.url).pathname;

/** Hydra's log prefix: `[2024-05-01 12:00:00,123][HYDRA] `. */
function hydraLog(message: string): void {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
  console.error(`[${stamp}][HYDRA] ${message}`);
}

function report(r: ExperimentResult): void {
  const final = (r.results.final ?? {}) as Record<string, number>;
  const acc = final.test_accuracy;
  if (r.status === "interrupted") {
    console.error(
      `Interrupted: checkpoint ${r.checkpoint}; continue with: deno task train trainer.resume=${r.runDir}`,
    );
    return;
  }
  console.error(
    `Done (${r.status}): test_accuracy ${acc?.toFixed(4)}, test_loss ${
      final.test_loss?.toFixed(4)
    }; results in ${r.runDir}/results.json`,
  );
}

/** Runs the train CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const cwd = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const plan = composeForCli(await withResumeOverrides(args, cwd), {
    defaultConfigDir: CONF_DIR,
    jobName: "train",
    cwd,
  });
  if (plan.kind === "print") {
    await Deno.stdout.write(new TextEncoder().encode(plan.text));
    return 0;
  }
  if (plan.multirun) hydraLog(`Launching ${plan.jobs.length} jobs locally`);
  if (plan.kind === "show") {
    const out: string[] = [];
    for (const job of plan.jobs) {
      if (job.num !== null) {
        hydraLog(`\t${jobLine(job.num, job.overrides)}`);
        out.push(`---\n${job.text}`);
      } else out.push(job.text!);
    }
    await Deno.stdout.write(new TextEncoder().encode(out.join("")));
    return 0;
  }
  // No `_target_` is instantiated by training: one left in the config is a mistake.
  for (const job of plan.jobs) validateTargets(job.config.job(), new TargetRegistry());
  using watch = watchInterrupts();
  if (!plan.multirun) {
    const r = await runExperiment(plan.jobs[0]!.config, plan.jobs[0]!.runDir, {
      signal: watch.signal,
    });
    report(r);
    return r.status === "interrupted" ? 130 : 0;
  }
  if (plan.master && plan.sweepDir) await writeSweepDir(plan.master, plan.sweepDir);
  const nJobs = plan.master?.has("hydra.launcher.n_jobs")
    ? Number(plan.master.get("hydra.launcher.n_jobs")) || 1
    : 1;
  const results = await runSweep(
    plan.jobs.map((j) => ({
      num: j.num!,
      overrides: j.overrides,
      config: j.config,
      runDir: j.runDir,
    })),
    {
      nJobs,
      signal: watch.signal,
      onJobStart: (j) => hydraLog(`\t${jobLine(j.num, j.overrides)}`),
    },
  );
  await Deno.stdout.write(new TextEncoder().encode(`${formatSweepTable(results)}\n`));
  if (results.some((r) => r.status === "interrupted" || r.status === "not_started")) return 130;
  return results.some((r) => r.status === "failed") ? 1 : 0;
}

if (import.meta.main) {
  await runMain(main);
}
