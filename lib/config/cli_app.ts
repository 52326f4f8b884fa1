/**
 * The command-line application over composition, shared by the project's CLIs:
 * `composeForCli(args)` reads Hydra's flags and overrides and returns what to
 * print (help, `--cfg` output) or the jobs to run, each with its composed
 * config, overrides and run directory. Printing and running stay with the caller.
 *
 * Choices where Hydra differs or is unclear:
 * - The project's `conf/` is the config path only when neither `--config-path` nor
 *   `--config-dir` is given; `--config-dir` alone then works as in an application
 *   declared without a config path (Hydra's `config_path=None`), and both together
 *   search `--config-path` first, then `--config-dir`.
 * - Relative `--config-dir`, `--config-path` and run directories resolve against the
 *   caller's working directory (`cwd`, the directory `deno task` was started from).
 * - `--multirun --cfg job` (an error in Hydra) prints each job's launcher line and config
 *   without running anything.
 *
 * @module
 */
import { flagsHelp, type HydraFlags, parseHydraFlags } from "./cli_flags.ts";
import { composeConfig, createRepository } from "./compose.ts";
import type { Config } from "./config.ts";
import { createDefaultsList } from "./defaults_list.ts";
import { ConfigCompositionError } from "./errors.ts";
import type { ResolveOptions } from "./interpolation.ts";
import { parseOverride } from "./override_parser.ts";
import { isHydraOverride } from "./override_types.ts";
import type { ConfigRepository } from "./repository.ts";
import { runDirOf, sweepDirOf } from "./run_dir.ts";
import { sweepJobs } from "./sweep.ts";
import { toYaml } from "./yaml_io.ts";
import { pyStr } from "./_pyrepr.ts";
import { type ConfigValue, isList, isMap, toPlain } from "./values.ts";

/** How the CLI composes. */
export interface CliOptions extends ResolveOptions {
  /** The config folder used when no `--config-path`/`--config-dir` is given (absolute). */
  defaultConfigDir: string;
  /** The primary config name when no `--config-name` is given. Default `config`. */
  defaultConfigName?: string;
  /** `hydra.job.name`. Default `app`. */
  jobName?: string;
  /** Where relative paths resolve (default `Deno.cwd()`). */
  cwd?: string;
}

/** One job: its composed config, its overrides and where it runs. */
export interface CliJob {
  /** Job number in a sweep, null for a single run. */
  num: number | null;
  /** The job's task overrides. */
  overrides: string[];
  /** The composed config, with its `hydra` node. */
  config: Config;
  /** Absolute run directory (empty when only showing the config). */
  runDir: string;
  /** With `--cfg`: the text to print for this job. */
  text?: string;
}

/** What the CLI should do. */
export type CliPlan =
  | { kind: "print"; text: string }
  | { kind: "show"; jobs: CliJob[]; multirun: boolean }
  | { kind: "run"; jobs: CliJob[]; multirun: boolean; master?: Config; sweepDir?: string };

/**
 * Reads Hydra-style arguments and composes: help text, `--cfg` output, or the jobs to run.
 *
 * @param args command-line arguments (flags and overrides)
 * @param options default config folder and name, job name, working directory, resolve context
 * @throws {RangeError} for unknown flags
 * @throws {ConfigError | ConfigSyntaxError} for configs or overrides that do not compose
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeForCli } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/config.yaml`, "lr: 0.1\n");
 * const plan = composeForCli(["--cfg", "job", "lr=0.5"], { defaultConfigDir: dir });
 * assert.equal(plan.kind === "show" && plan.jobs[0].text, "lr: 0.5\n");
 * ```
 */
export function composeForCli(args: string[], options: CliOptions): CliPlan {
  const flags = parseHydraFlags(args);
  const cwd = options.cwd ?? Deno.cwd();
  const dirs = [flags.configPath, flags.configDir].filter((d): d is string => d !== undefined);
  const repo = createRepository(dirs.length > 0 ? dirs : [options.defaultConfigDir], cwd);
  const configName = flags.configName ?? options.defaultConfigName ?? "config";
  const compose = (overrides: string[], runMode: "run" | "multirun", extra: ResolveOptions = {}) =>
    composeConfig({
      ...options,
      ...extra,
      repository: repo,
      configName,
      overrides,
      runMode,
      jobName: options.jobName ?? "app",
      cwd,
    });
  if (flags.version) {
    return {
      kind: "print",
      text: "lifecycle config 0.1.0 (Hydra 1.3 / OmegaConf 2.3 compatible)\n",
    };
  }
  if (flags.resolve && !flags.cfg && !flags.help) {
    throw new RangeError("The --resolve flag can only be used with --cfg or --help");
  }
  if (flags.help || flags.hydraHelp) {
    return { kind: "print", text: helpText(compose(flags.overrides, "run"), repo, flags) };
  }
  if (flags.info !== undefined) return { kind: "print", text: infoText(repo, configName, flags) };
  if (flags.run && flags.multirun) {
    throw new RangeError("Only one of --run and --multirun can be given");
  }
  if (!flags.multirun) {
    const config = compose(flags.overrides, "run");
    const job: CliJob = {
      num: null,
      overrides: taskOverrides(flags.overrides),
      config,
      runDir: "",
    };
    if (flags.cfg) {
      return { kind: "show", jobs: [{ ...job, text: showText(config, flags) }], multirun: false };
    }
    job.runDir = runDirOf(config, { cwd });
    return { kind: "run", jobs: [job], multirun: false };
  }
  const master = compose(flags.overrides, "multirun");
  const params = master.has("hydra.sweeper.params") ? master.get("hydra.sweeper.params") : null;
  const hydraLines = flags.overrides.filter((o) => isHydraOverride(parseOverride(o)));
  const lists = sweepJobs(flags.overrides, {
    params: params && typeof params === "object" && !Array.isArray(params)
      ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))
      : undefined,
    groupOptions: (g) => repo.groupOptions(g),
  });
  const jobs = lists.map((overrides, num): CliJob => {
    const config = compose([...hydraLines, ...overrides], "run", { cache: master.options.cache });
    setJobNumber(config, num);
    const job: CliJob = { num, overrides, config, runDir: "" };
    if (flags.cfg) job.text = showText(config, flags);
    else job.runDir = runDirOf(config, { sweep: true, cwd });
    return job;
  });
  if (flags.cfg) return { kind: "show", jobs, multirun: true };
  return { kind: "run", jobs, multirun: true, master, sweepDir: sweepDirOf(master, cwd) };
}

function taskOverrides(overrides: string[]): string[] {
  return overrides.filter((o) => !isHydraOverride(parseOverride(o)));
}

function setJobNumber(config: Config, num: number): void {
  const hydra = config.root.get("hydra");
  const job = isMap(hydra) ? hydra.get("job") : undefined;
  if (!isMap(job)) return;
  job.set("num", num);
  job.set("id", `${job.get("name")}_${num}`);
}

/** The text `--cfg` prints: `# @package` and the YAML of the chosen part. */
function showText(config: Config, flags: HydraFlags): string {
  let shown = flags.cfg === "job" ? config.job() : flags.cfg === "hydra" ? config.hydra() : config;
  if (flags.resolve) shown = shown.resolved();
  const pkg = flags.package === "_global_" ? undefined : flags.package;
  if (pkg === undefined) return shown.toYaml();
  const value = shown.interpolator().select(pkg)?.value;
  if (value === undefined) {
    throw new ConfigCompositionError(`Package "${pkg}" not found in the config`);
  }
  if (!isMap(value) && !isList(value)) return `${pyStr(toPlain(value as ConfigValue))}\n`;
  return `# @package ${pkg}\n${toYaml(value)}`;
}

function helpText(config: Config, repo: ConfigRepository, flags: HydraFlags): string {
  const part = flags.hydraHelp ? "hydra_help" : "help";
  const template = String(config.get(`hydra.${part}.template`));
  const groups = (hydra: boolean) =>
    repo.allGroups().filter((g) => (g === "hydra" || g.startsWith("hydra/")) === hydra).sort()
      .map((g) => `${g}: ${repo.groupOptions(g).join(", ")}`).join("\n");
  const shown = flags.hydraHelp ? config.hydra() : config.job();
  const replacements: Record<string, string> = {
    FLAGS_HELP: flagsHelp(),
    HYDRA_CONFIG_GROUPS: groups(true),
    APP_CONFIG_GROUPS: groups(false),
    CONFIG: (flags.resolve ? shown.resolved() : shown).toYaml().trimEnd(),
  };
  return template.replace(/\$(\w+)/g, (whole, name: string) => replacements[name] ?? whole)
    .trimEnd() + "\n";
}

function infoText(repo: ConfigRepository, configName: string, flags: HydraFlags): string {
  const parts: string[] = [];
  const what = flags.info ?? "all";
  if (what === "all" || what === "searchpath") parts.push(`Config search path\n${repo.describe()}`);
  if (what === "all" || what === "defaults" || what === "defaults-tree") {
    const list = createDefaultsList(repo, configName, flags.overrides.map(parseOverride));
    const rows = list.defaults.map((d) =>
      `\t${d.configPath}  (package: ${d.package || "_global_"})`
    );
    parts.push(`Defaults List\n${rows.join("\n")}`);
  }
  if (what === "config") parts.push("Use --cfg job, --cfg hydra or --cfg all to print the config");
  if (what === "plugins") {
    parts.push("Launcher: basic (jobs run in this process, one after another)\nSweeper: basic");
  }
  return parts.join("\n\n") + "\n";
}
