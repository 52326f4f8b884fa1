/**
 * The run directory of a job, as Hydra lays it out: `hydra.run.dir` (a single
 * run) or `hydra.sweep.dir/hydra.sweep.subdir` (a sweep job) holds
 * `config.yaml` (the composed job config, interpolations resolved),
 * `.hydra/config.yaml` (as composed), `.hydra/overrides.yaml` and
 * `.hydra/hydra.yaml`; a sweep directory also gets `multirun.yaml`.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { ConfigCompositionError } from "./errors.ts";
import { toYaml } from "./yaml_io.ts";
import { type ConfigValue, isMap } from "./values.ts";

function absolute(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
}

function readString(config: Config, key: string): string {
  const value = config.get(key);
  if (typeof value !== "string" && typeof value !== "number") {
    throw new ConfigCompositionError(
      `Cannot use "${key}" as a directory: it is ${JSON.stringify(value)}`,
    );
  }
  return String(value);
}

/**
 * The job's output directory (absolute), recorded in `hydra.runtime.output_dir`.
 *
 * @param config a composed config with its `hydra` node
 * @param options `sweep` for a sweep job; `cwd` for relative directories
 * @throws {MissingValueError | InterpolationError} when the directory setting cannot be resolved
 */
export function runDirOf(config: Config, options: { sweep?: boolean; cwd?: string } = {}): string {
  const cwd = options.cwd ?? Deno.cwd();
  let dir = options.sweep
    ? `${readString(config, "hydra.sweep.dir")}/${readString(config, "hydra.sweep.subdir")}`
    : readString(config, "hydra.run.dir");
  dir = absolute(dir, cwd);
  const hydra = config.root.get("hydra");
  const runtime = isMap(hydra) ? hydra.get("runtime") : undefined;
  if (isMap(runtime)) runtime.set("output_dir", dir);
  return dir;
}

/** The sweep directory of a multirun (absolute). */
export function sweepDirOf(config: Config, cwd = Deno.cwd()): string {
  return absolute(readString(config, "hydra.sweep.dir"), cwd);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/**
 * Creates the run directory and writes the config files into it.
 *
 * @param config the job's composed config (with its `hydra` node)
 * @param runDir where (from {@link runDirOf})
 * @returns the list of files written
 * @throws {InterpolationError} when the job config cannot be resolved for `config.yaml`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeConfig, createRepository, MemorySource, runDirOf, writeRunDir } from "./mod.ts";
 * const repository = createRepository(new MemorySource({ "config.yaml": "x: 1\nhydra:\n  run:\n    dir: out/${x}\n" }));
 * const cfg = composeConfig({ repository });
 * const cwd = Deno.makeTempDirSync();
 * const files = await writeRunDir(cfg, runDirOf(cfg, { cwd }));
 * assert.equal(files[0], `${cwd}/out/1/config.yaml`);
 * assert.equal(Deno.readTextFileSync(`${cwd}/out/1/.hydra/overrides.yaml`), "[]\n");
 * ```
 */
export async function writeRunDir(config: Config, runDir: string): Promise<string[]> {
  const job = config.job();
  const resolved = job.resolved().toYaml();
  await Deno.mkdir(runDir, { recursive: true });
  const written = [`${runDir}/config.yaml`];
  await writeAtomic(written[0], resolved);
  const hydra = config.root.get("hydra");
  const subdir = isMap(hydra) ? hydra.get("output_subdir") : ".hydra";
  if (typeof subdir === "string" && subdir !== "") {
    const dir = `${runDir}/${subdir}`;
    await Deno.mkdir(dir, { recursive: true });
    const overrides = isMap(hydra)
      ? (hydra.get("overrides") as Map<string, ConfigValue>)?.get("task")
      : [];
    const files: [string, string][] = [
      ["config.yaml", job.toYaml()],
      ["hydra.yaml", config.hydra().toYaml()],
      ["overrides.yaml", toYaml((overrides ?? []) as ConfigValue[])],
    ];
    for (const [name, text] of files) {
      await writeAtomic(`${dir}/${name}`, text);
      written.push(`${dir}/${name}`);
    }
  }
  return written;
}

/** Writes `multirun.yaml` (the sweep's master config) into the sweep directory. */
export async function writeSweepDir(master: Config, sweepDir: string): Promise<string> {
  await Deno.mkdir(sweepDir, { recursive: true });
  const file = `${sweepDir}/multirun.yaml`;
  await writeAtomic(file, master.toYaml());
  return file;
}
