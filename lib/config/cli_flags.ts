/**
 * Hydra's command-line flags: `--cfg/-c job|hydra|all`, `--resolve`,
 * `--package/-p`, `--config-path/-cp`, `--config-name/-cn`, `--config-dir/-cd`,
 * `--multirun/-m`, `--run/-r`, `--help/-h`, `--hydra-help`, `--info/-i`,
 * `--version`; everything else is an override. Values come as `--flag value`
 * or `--flag=value`.
 *
 * @module
 */

/** Parsed flags and overrides. */
export interface HydraFlags {
  help: boolean;
  hydraHelp: boolean;
  version: boolean;
  cfg?: "job" | "hydra" | "all";
  resolve: boolean;
  package?: string;
  run: boolean;
  multirun: boolean;
  configPath?: string;
  configName?: string;
  configDir?: string;
  info?: string;
  overrides: string[];
}

interface FlagSpec {
  names: string[];
  key: keyof HydraFlags;
  value: "none" | "required" | "optional";
  choices?: string[];
  help: string;
}

const INFO = ["all", "config", "defaults", "defaults-tree", "plugins", "searchpath"];

/** The flags, with the help text `--help` prints for each. */
export const FLAGS: FlagSpec[] = [
  { names: ["--help", "-h"], key: "help", value: "none", help: "Application's help" },
  { names: ["--hydra-help"], key: "hydraHelp", value: "none", help: "Hydra's help" },
  { names: ["--version"], key: "version", value: "none", help: "Show the version and exit" },
  {
    names: ["--cfg", "-c"],
    key: "cfg",
    value: "required",
    choices: ["job", "hydra", "all"],
    help: "Show config instead of running [job|hydra|all]",
  },
  {
    names: ["--resolve"],
    key: "resolve",
    value: "none",
    help: "Used in conjunction with --cfg, resolve config interpolations before printing",
  },
  { names: ["--package", "-p"], key: "package", value: "required", help: "Config package to show" },
  { names: ["--run", "-r"], key: "run", value: "none", help: "Run a job" },
  {
    names: ["--multirun", "-m"],
    key: "multirun",
    value: "none",
    help: "Run multiple jobs (a sweep); with --cfg, print each job's config instead",
  },
  {
    names: ["--config-path", "-cp"],
    key: "configPath",
    value: "required",
    help:
      "The primary config directory (default: the project's conf/), absolute or relative to the working directory",
  },
  {
    names: ["--config-name", "-cn"],
    key: "configName",
    value: "required",
    help: "The primary config name (default: config)",
  },
  {
    names: ["--config-dir", "-cd"],
    key: "configDir",
    value: "required",
    help: "Adds a config directory to the search path (alone, it replaces the default conf/)",
  },
  {
    names: ["--info", "-i"],
    key: "info",
    value: "optional",
    choices: INFO,
    help: `Print information [${INFO.join("|")}]`,
  },
];

/** Help text of the flags, one per line, as Hydra's `$FLAGS_HELP`. */
export function flagsHelp(): string {
  const lines = FLAGS.map((f) => `${f.names.join(",")} : ${f.help}`);
  lines.push(
    "Overrides : Any key=value arguments to override config values (use dots for.nested=overrides)",
  );
  return lines.join("\n");
}

/**
 * Splits command-line arguments into Hydra's flags and overrides.
 *
 * @throws {RangeError} for an unknown flag, a missing flag value or a value not among the choices
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHydraFlags } from "./mod.ts";
 * const flags = parseHydraFlags(["-m", "--cfg", "job", "lr=1,2"]);
 * assert.deepEqual([flags.multirun, flags.cfg, flags.overrides], [true, "job", ["lr=1,2"]]);
 * ```
 */
export function parseHydraFlags(args: string[]): HydraFlags {
  const out: HydraFlags = {
    help: false,
    hydraHelp: false,
    version: false,
    resolve: false,
    run: false,
    multirun: false,
    overrides: [],
  };
  const flags = out as unknown as Record<string, unknown>;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      out.overrides.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-")) {
      out.overrides.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS.find((f) => f.names.includes(name));
    if (!spec) throw new RangeError(`Unknown flag "${arg}": run with --help for the flags`);
    if (spec.value === "none") {
      if (eq > 0) throw new RangeError(`Flag "${name}" takes no value`);
      flags[spec.key] = true;
      continue;
    }
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined) {
      const next = args[i + 1];
      const takes = spec.value === "required"
        ? next !== undefined
        : next !== undefined && spec.choices!.includes(next);
      if (takes) value = args[++i];
    }
    if (value === undefined) {
      if (spec.value === "required") throw new RangeError(`Flag "${name}" needs a value`);
      value = "all";
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new RangeError(
        `Invalid value "${value}" for ${name}: choose one of ${spec.choices.join(", ")}`,
      );
    }
    flags[spec.key] = value;
  }
  return out;
}
