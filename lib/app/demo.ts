/**
 * The stages of `deno task demo`, each reusing what an earlier run left
 * unless asked for a fresh one: train the default experiment (a finished run
 * of the same overrides under `results/` is reused), optimize and archive it
 * (an archive of that run and optimization in the model store is reused), and
 * serve the archive (registered beside a model's default version and promoted
 * under the promotion policy).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { composeForCli } from "../config/mod.ts";
import { optimizeRun, type VariantFigures } from "../optimize/mod.ts";
import type { PromotionPolicy } from "../serve/mod.ts";
import type { ProgressStream } from "../track/mod.ts";
import { runExperiment } from "../train/mod.ts";
import { type ArchiveEntry, listArchives } from "./archives.ts";
import { ModelServerError } from "./errors.ts";
import type { ModelServerClient } from "./model_server_client.ts";
import { promoteVersion, type PromotionResult } from "./promotion.ts";
import { exists } from "./_run_files.ts";

/** The trained run the demo serves. */
export interface DemoRun {
  runDir: string;
  /** Found under results/ rather than trained now. */
  reused: boolean;
  /** results.json. */
  results: Record<string, unknown>;
  /** Training time, seconds (0 when reused). */
  seconds: number;
}

type Obj = Record<string, unknown>;

async function readJson(path: string): Promise<Obj | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Obj;
  } catch {
    return undefined;
  }
}

/** The newest finished run in `dir` started with exactly `overrides`, if any. */
async function findRun(dir: string, overrides: string[]): Promise<DemoRun | undefined> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) names.push(e.name);
  } catch {
    return undefined;
  }
  // Run folders end in a timestamp: the name order is the time order.
  for (const name of names.sort().reverse()) {
    const runDir = join(dir, name);
    const results = await readJson(join(runDir, "results.json"));
    if (results?.status !== "finished" && results?.status !== "early_stopped") continue;
    if (!await exists(join(runDir, "model.onnx"))) continue;
    const text = await Deno.readTextFile(join(runDir, ".hydra", "overrides.yaml")).catch(() => "");
    const given = (parseYaml(text) ?? []) as unknown;
    if (JSON.stringify(given) !== JSON.stringify(overrides)) continue;
    return { runDir, reused: true, results, seconds: 0 };
  }
  return undefined;
}

/** Options of {@linkcode trainOrReuse}. */
export interface TrainOrReuseOptions {
  /** The folder runs go under (`results/` inside it). */
  cwd: string;
  /** conf/ of the project. */
  confDir: string;
  /** Train anew even when a finished run of the same overrides exists. */
  fresh?: boolean;
  /** Progress of a training run (default stderr). */
  stream?: ProgressStream;
  /** Ctrl-C: the run saves a checkpoint and ends as interrupted. */
  signal?: AbortSignal;
}

/**
 * Trains the experiment of `overrides` (default: the default experiment), or
 * reuses the newest finished run of the same overrides.
 *
 * @param overrides Hydra-style overrides (`trainer.training_iters=2` …)
 * @param options folders, fresh, progress stream, abort signal
 * @returns the run
 * @throws {TypeError|RangeError} for a bad override; {Error} when the run is interrupted
 */
export async function trainOrReuse(
  overrides: string[],
  options: TrainOrReuseOptions,
): Promise<DemoRun> {
  const compose = () => {
    const plan = composeForCli(overrides, {
      defaultConfigDir: options.confDir,
      jobName: "train",
      cwd: options.cwd,
    });
    if (plan.kind !== "run" || plan.multirun) {
      throw new TypeError(`The demo trains one run: give overrides, not flags or -m sweeps`);
    }
    return plan.jobs[0]!;
  };
  let job = compose();
  if (!options.fresh) {
    const found = await findRun(dirname(job.runDir), job.overrides);
    if (found) return found;
  }
  // The run folder is named by the second it starts in: a fresh run right after another one
  // of the same experiment waits for the next second instead of meeting that run's folder.
  // (A folder without the time in its name stays taken: the run then says so and stops.)
  for (let tries = 0; tries < 2 && await exists(join(job.runDir, "metrics.jsonl")); tries++) {
    const taken = job.runDir;
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    job = compose();
    if (job.runDir === taken) break;
  }
  const t0 = performance.now();
  const r = await runExperiment(job.config, job.runDir, {
    stream: options.stream,
    signal: options.signal,
  });
  if (r.status === "interrupted") {
    throw new Error(
      `Training interrupted: continue with deno task train trainer.resume=${r.runDir}`,
    );
  }
  return {
    runDir: r.runDir,
    reused: false,
    results: r.results,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The archive the demo serves. */
export interface DemoArchive {
  /** Its path and file name in the model store. */
  path: string;
  file: string;
  modelName: string;
  modelVersion: string;
  /** Found in the store rather than written now. */
  reused: boolean;
  /** The archive's figures (accuracy, latency_ms, size_bytes, original…). */
  metrics: Obj;
  /** Measured now: the original first, then the variant(s). */
  variants?: VariantFigures[];
}

/** The optimization the demo archives without `--profile`: the fastest CNN variant. */
export const DEMO_OPTIMIZATION = "int8_static";

function archiveOf(store: string, a: ArchiveEntry, reused: boolean): DemoArchive {
  return {
    path: join(store, a.file),
    file: a.file,
    modelName: a.modelName!,
    modelVersion: a.modelVersion!,
    reused,
    metrics: a.metrics ?? {},
  };
}

/**
 * Quantizes a run's model (static int8, or the `profile` choice) into the
 * model store, or reuses the archive of that run and optimization.
 *
 * @param runDir the trained run
 * @param options the model store, `profile`, `fresh`, progress lines
 * @returns the archive
 * @throws {Error} what `optimizeRun` throws (run without checkpoints, data missing…)
 */
export async function archiveOrReuse(
  runDir: string,
  options: { store: string; profile?: boolean; fresh?: boolean; log?: (line: string) => void },
): Promise<DemoArchive> {
  const run = resolve(runDir);
  if (!options.fresh) {
    const profiled = await Deno.stat(join(run, "optimize_profile.json")).then(
      () => true,
      () => false,
    );
    const found = (await listArchives(options.store))
      .filter((a) => !a.error && a.metrics?.run === run)
      .filter((a) => options.profile ? profiled : a.metrics?.optimization === DEMO_OPTIMIZATION)
      .sort((a, b) => Number.parseFloat(b.modelVersion!) - Number.parseFloat(a.modelVersion!));
    if (found[0]) return archiveOf(options.store, found[0], true);
  }
  const r = await optimizeRun(run, {
    ...(options.profile ? { profile: true } : { quantize: true, mode: "static" }),
    out: options.store,
    log: options.log,
  });
  const entry = (await listArchives(options.store)).find((a) =>
    a.file === basename(r.archive.path)
  );
  if (!entry) throw new Error(`Cannot find the archive just written: "${r.archive.path}"`);
  return { ...archiveOf(options.store, entry, false), variants: r.variants };
}

/** What {@linkcode serveArchive} did. */
export interface ServedArchive {
  model: string;
  version: string;
  /** Registered now (false: it already was). */
  registered: boolean;
  /** The default version afterwards. */
  defaultVersion: string;
  /** The promotion attempt, when the model had another default. */
  promotion?: PromotionResult;
}

/**
 * Registers an archive with the model server unless its version already is,
 * and promotes it under the policy when another version is the default.
 *
 * @param client the model server's client
 * @param archive the archive (in the server's model store)
 * @param policy the promotion policy (app_config.yaml's `server.promotion`)
 * @returns what was registered and the default version
 * @throws {ModelServerError} when the server refuses the archive or does not answer
 */
export async function serveArchive(
  client: ModelServerClient,
  archive: Pick<DemoArchive, "file" | "modelName" | "modelVersion">,
  policy?: PromotionPolicy,
): Promise<ServedArchive> {
  const { modelName: model, modelVersion: version } = archive;
  let versions: { version: string; isDefault: boolean }[] = [];
  try {
    versions = (await client.describe(model)).versions;
  } catch (err) {
    if (!(err instanceof ModelServerError && err.kind === "not_found")) throw err;
  }
  const registered = !versions.some((v) => v.version === version);
  if (registered) await client.register({ url: archive.file, initialWorkers: 1 });
  const info = await client.describe(model);
  if (info.defaultVersion === version) {
    return { model, version, registered, defaultVersion: version };
  }
  const promotion = await promoteVersion(client, model, version, { policy });
  return {
    model,
    version,
    registered,
    defaultVersion: promotion.promoted ? version : info.defaultVersion,
    promotion,
  };
}
