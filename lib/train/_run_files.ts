// The run directory's side of a run: the guard against writing over another run, atomic
// model writes, the sinks (local files, W&B) and the opening log lines.

import { join } from "node:path";
import { fanOut, LocalSink, type ProgressStream, readMetricsLog, type Sink } from "../track/mod.ts";
import type { TrainingArtifacts } from "./artifacts.ts";
import type { ExperimentOptions } from "./experiment.ts";
import type { ResumePoint } from "./resume.ts";
import type { ExperimentSettings } from "./settings.ts";
import type { Prepared } from "./_prepare.ts";
import { type Plain, show } from "./_read.ts";
import { openWandb } from "./_wandb.ts";

/** Writes a line to the stream (default stderr). */
export function say(stream: ProgressStream | undefined, line: string): void {
  const bytes = new TextEncoder().encode(`${line}\n`);
  const out = stream ?? Deno.stderr;
  let off = 0;
  while (off < bytes.length) off += out.writeSync(bytes.subarray(off));
}

/** A new run must not write over another run's files. */
export async function ensureFresh(runDir: string): Promise<void> {
  const log = await readMetricsLog(join(runDir, "metrics.jsonl"));
  if (log.records.length > 0 || log.torn) {
    throw new Error(
      `Cannot start a run in "${runDir}": it already holds one (resume it with trainer.resume=${runDir})`,
    );
  }
}

export async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

export async function openSinks(
  s: ExperimentSettings,
  runDir: string,
  job: Plain,
  resume: ResumePoint | null,
  options: ExperimentOptions,
  warn: (m: string) => void,
): Promise<Sink> {
  const step = resume?.checkpoint.state.step;
  const local = await LocalSink.open(
    runDir,
    step === undefined ? {} : {
      keep: (r) => r.step <= step,
    },
  );
  if (!resume) await local.logConfig(job);
  const wandb = await openWandb(s, runDir, job, options.env ?? ((k) => Deno.env.get(k)), warn);
  if (!wandb) return local;
  return fanOut([local, wandb], {
    onError: (err) => warn(`W&B: ${(err as Error).message}`),
  });
}

export async function logStart(
  sink: Sink,
  s: ExperimentSettings,
  p: Prepared,
  runDir: string,
  stepsPerEpoch: number,
  options: ExperimentOptions,
): Promise<void> {
  const lines = [
    p.resume
      ? `Resuming ${runDir} from ${p.resume.dir} (step ${p.resume.checkpoint.state.step})`
      : `Run directory: ${runDir}`,
    `Model ${s.modelPath ?? show(s.model.name)}: ${
      paramCount(p.artifacts)
    } trainable parameters; ` +
    `data ${show(s.data.name)}: ${p.data.train.length} train, ${p.data.test.length} test, ` +
    `${p.data.classes.length} classes; ${stepsPerEpoch} steps per epoch`,
  ];
  const ex = p.data.examples;
  if (ex) {
    lines.push(
      `Examples ${ex.path}: ${ex.count} relabelled, ${ex.mixedIn} training samples drawn from them` +
        (ex.ratio === null ? "" : ` (ratio ${ex.ratio})`) + "; the test split is the original one",
    );
  }
  if (p.init) {
    const r = p.init.report;
    lines.push(
      `Initialized ${r.matched.length} weights from ${r.source}` +
        (r.mismatched.length
          ? ` (kept ${r.mismatched.length} of other dims: ${r.mismatched.join(", ")})`
          : ""),
    );
  }
  for (const line of lines) {
    say(options.stream, line);
    await sink.logText?.("INFO", line);
  }
}

/** The model's input dims after the batch dim, when they are all fixed. */
export function inputDims(a: TrainingArtifacts): number[] | undefined {
  const dims = a.eval.graph.inputs.find((i) => i.name === a.input)?.dims?.slice(1);
  return dims?.every((d) => typeof d === "number") ? dims as number[] : undefined;
}

function paramCount(a: TrainingArtifacts): number {
  return a.params.reduce((n, p) => n + p.dims.reduce((x, y) => x * y, 1), 0);
}
