// Helpers of the training-loop tests: tiny experiments composed from the project's conf/,
// run in this process or through the CLI as users run it.

import { join } from "node:path";
import { composeForCli } from "../../lib/config/mod.ts";
import type { ExperimentOptions, ExperimentResult } from "../../lib/train/mod.ts";
import { runExperiment } from "../../lib/train/mod.ts";
import { readMetricsLog } from "../../lib/track/mod.ts";
import { type CliRun, ROOT_DIR, runCli } from "../_shared.ts";

export const CONF = join(ROOT_DIR, "conf");
export const TRAIN_CLI = join(ROOT_DIR, "cli", "train.ts");

/** A budget that trains in a fraction of a second: a small MLP on 300 digits. */
export const TINY = [
  "model=mlp",
  "model.hidden=[32]",
  "data.num_samples=300",
  "data.transforms.train=[]",
  "scheduler=constant",
  "trainer.training_iters=1",
  "trainer.epochs_per_iteration=1",
  "trainer.batch_size=32",
  "tracking.log_every_n_steps=2",
  "trainer.threads=1",
];

/** The composed config and run directory of `args`, as the CLI composes them. */
export function compose(args: string[], cwd: string) {
  const plan = composeForCli(args, { defaultConfigDir: CONF, jobName: "train", cwd });
  if (plan.kind !== "run") throw new Error("expected a run plan");
  return plan.jobs[0]!;
}

/** A stream collecting what the loop prints. */
export function capture() {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  return {
    writeSync(p: Uint8Array) {
      chunks.push(decoder.decode(p));
      return p.length;
    },
    isTerminal: () => false,
    text: () => chunks.join(""),
  };
}

/**
 * Options that abort a run as soon as it prints a line starting with `prefix`, one
 * progress line per step (e.g. "epoch 2/3": after the first step of the second epoch).
 */
export function abortWhen(prefix: string): ExperimentOptions {
  const controller = new AbortController();
  const decoder = new TextDecoder();
  const stream = {
    writeSync(p: Uint8Array) {
      if (decoder.decode(p).startsWith(prefix)) controller.abort();
      return p.length;
    },
    isTerminal: () => false,
  };
  return { signal: controller.signal, stream, progressSeconds: 0 };
}

/** Composes `args` and runs them in this process, output captured. */
export async function experiment(
  args: string[],
  cwd: string,
  options: ExperimentOptions = {},
): Promise<ExperimentResult & { output: string }> {
  const job = compose(args, cwd);
  const out = capture();
  const r = await runExperiment(job.config, job.runDir, {
    stream: out,
    env: () => undefined,
    ...options,
  });
  return { ...r, output: out.text() };
}

/** metrics.jsonl records without their wall-clock `time`. */
export async function recordValues(runDir: string): Promise<Record<string, unknown>[]> {
  const log = await readMetricsLog(join(runDir, "metrics.jsonl"));
  return log.records.map(({ time: _time, ...rest }) => rest);
}

/** Runs the train CLI in a subprocess. */
export function trainCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return runCli("train.ts", args, { cwd: options.cwd, env: { WANDB_API_KEY: "", ...options.env } });
}

/** A temporary folder removed after `fn`. */
export async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lifecycle_train_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Names of the files under `dir`, relative, sorted. */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
