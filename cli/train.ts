/**
 * `deno task train [flags] [overrides]`: compose the experiment config the way
 * Hydra does and run it. With `--cfg job|hydra|all` it prints the config and
 * exits; `--help` lists the config groups; `-m` runs a sweep. Training itself
 * arrives with the training issue: for now each job gets its run directory and
 * its resolved config is printed (YAML on stdout, messages on stderr).
 *
 * @module
 */
import { runMain } from "./_main.ts";
import {
  composeForCli,
  jobLine,
  TargetRegistry,
  validateTargets,
  writeRunDir,
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

/** Runs the train CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const plan = composeForCli(args, {
    defaultConfigDir: CONF_DIR,
    jobName: "train",
    cwd: Deno.env.get("INIT_CWD") ?? Deno.cwd(),
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
  // Targets the training code will build are registered by the training issue.
  const targets = new TargetRegistry();
  if (plan.master && plan.sweepDir) await writeSweepDir(plan.master, plan.sweepDir);
  for (const job of plan.jobs) {
    if (job.num !== null) hydraLog(`\t${jobLine(job.num, job.overrides)}`);
    // The job reads every value: a `???` left or a broken interpolation fails here, before any file.
    job.config.job().toObject();
    validateTargets(job.config.job(), targets);
    await writeRunDir(job.config, job.runDir);
    console.error(`Run directory: ${job.runDir}`);
    const yaml = job.config.job().resolved().toYaml();
    await Deno.stdout.write(new TextEncoder().encode(plan.multirun ? `---\n${yaml}` : yaml));
  }
  console.error(
    "Training arrives with the training issue: the run directories hold the composed configs.",
  );
  return 0;
}

if (import.meta.main) {
  await runMain(main);
}
