/**
 * Composing a config as Hydra 1.3 does: defaults list, merge of each config at
 * its package, then value overrides in struct mode, then Hydra's runtime fields
 * (`hydra.overrides`, `hydra.runtime.choices`, `hydra.job.*`).
 *
 * @module
 */
import { Config } from "./config.ts";
import { createDefaultsList } from "./defaults_list.ts";
import { ConfigCompositionError, ConfigError } from "./errors.ts";
import { hydraSource } from "./_hydra_conf.ts";
import { Interpolator, type ResolveOptions } from "./interpolation.ts";
import { splitKey } from "./keys.ts";
import { mergeInto } from "./merge.ts";
import { applyOverrides } from "./overrides.ts";
import { parseOverride } from "./override_parser.ts";
import { isHydraOverride, isSweep, type Override, overrideValue } from "./override_types.ts";
import { ConfigRepository, type ConfigSource, FileSource } from "./repository.ts";
import { type ConfigMap, type ConfigValue, isMap, MISSING, toPlain } from "./values.ts";

/** How to compose. */
export interface ComposeOptions extends ResolveOptions {
  /** Config folders, searched in order (absolute, or relative to `cwd`). */
  configDir?: string | string[];
  /** A ready repository; without Hydra's configs (see {@link createRepository}) there is no `hydra` node. */
  repository?: ConfigRepository;
  /** Primary config name (default `config`); null composes from overrides only. */
  configName?: string | null;
  /** Command-line overrides, as text or parsed. */
  overrides?: (string | Override)[];
  /** `run` (default) rejects sweeps; `multirun` skips them and `???` group choices. */
  runMode?: "run" | "multirun";
  /** `hydra.job.name` unless the config sets it (default `app`). */
  jobName?: string;
  /** Working directory for relative folders and `hydra.runtime.cwd` (default `Deno.cwd()`). */
  cwd?: string;
}

/** The version this library reports in `hydra.runtime.version`. */
export const COMPOSE_VERSION = "0.1.0";

function absolute(dir: string, cwd: string): string {
  return dir.startsWith("/")
    ? dir
    : `${cwd.replace(/\/+$/, "")}/${dir}`.replace(/\/\.(?=\/|$)/g, "");
}

/**
 * The search path for `configDir`: Hydra's built-in configs first, then the folders
 * (absolute or relative to `cwd`) or sources, in order.
 *
 * @throws {ConfigCompositionError} when a folder does not exist
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRepository, MemorySource } from "./mod.ts";
 * const repo = createRepository([new MemorySource({ "db/a.yaml": "x: 1\n", "db/b.yaml": "x: 2\n" })]);
 * assert.deepEqual(repo.groupOptions("db"), ["a", "b"]);
 * assert.ok(repo.configExists("hydra/config"));
 * ```
 */
export function createRepository(
  configDir: string | ConfigSource | (string | ConfigSource)[],
  cwd = Deno.cwd(),
): ConfigRepository {
  const sources: ConfigSource[] = [hydraSource()];
  const entries = Array.isArray(configDir) ? configDir : [configDir];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== "string") {
      sources.push(entry);
      continue;
    }
    const dir = absolute(entry, cwd);
    let ok = false;
    try {
      ok = Deno.statSync(dir).isDirectory;
    } catch { /* reported below */ }
    if (!ok) {
      throw new ConfigCompositionError(
        `Config directory "${dir}" not found: check --config-dir or --config-path`,
      );
    }
    sources.push(new FileSource(dir, i === 0 ? "main" : "command-line"));
  }
  return new ConfigRepository(sources);
}

/**
 * Composes a config from a config folder, a primary config and overrides.
 *
 * @param options where the configs are, which one, overrides, resolve context
 * @returns the composed config, with its `hydra` node
 * @throws {MissingConfigError} for a missing config or group option (the options are listed)
 * @throws {ConfigCompositionError} for overrides that cannot apply (with Hydra's hints)
 * @throws {ConfigSyntaxError} for malformed YAML (file, line, column) or overrides
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeConfig, createRepository, MemorySource } from "./mod.ts";
 * const repository = createRepository(new MemorySource({
 *   "config.yaml": "defaults:\n  - optimizer: adam\n  - _self_\nseed: 1\n",
 *   "optimizer/adam.yaml": "lr: 1e-3\n",
 *   "optimizer/sgd.yaml": "lr: 0.1\nmomentum: 0.9\n",
 * }));
 * const cfg = composeConfig({ repository, overrides: ["optimizer=sgd", "optimizer.lr=0.05"], jobName: "train" });
 * assert.deepEqual(cfg.job().toObject(), { optimizer: { lr: 0.05, momentum: 0.9 }, seed: 1 });
 * assert.equal(cfg.get("hydra.job.name"), "train");
 * ```
 */
export function composeConfig(options: ComposeOptions = {}): Config {
  const cwd = options.cwd ?? Deno.cwd();
  const configName = options.configName === undefined ? "config" : options.configName;
  const parsed = (options.overrides ?? []).map((
    o,
  ) => (typeof o === "string" ? parseOverride(o) : o));
  const runMode = options.runMode ?? "run";
  validateSweeps(parsed, runMode);
  const base = options.repository ?? createRepository(options.configDir ?? "conf", cwd);
  const repo = withSearchPath(base, configName, parsed, cwd);
  const list = createDefaultsList(repo, configName, parsed, {
    skipMissing: runMode === "multirun",
    prependHydra: repo.configExists("hydra/config"),
  });
  const cfg: ConfigMap = new Map();
  for (const d of list.defaults) {
    const loaded = repo.load(d.configPath)!;
    try {
      mergeInto(cfg, embed(loaded.config, d.package), { derefDict: derefIn(cfg) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigCompositionError(`In "${d.configPath}": ${err.message}`, { cause: err });
    }
  }
  applyOverrides(cfg, list.overrides.configOverrides);
  fillHydra(cfg, {
    parsed,
    choices: list.overrides.knownChoices,
    repo,
    configName,
    runMode,
    jobName: options.jobName ?? "app",
    cwd,
  });
  return new Config(cfg, options);
}

/**
 * Adds the folders of `hydra.searchpath` (from the command line, else from the
 * primary config) after the other sources, as Hydra does; `file://` prefixes are
 * optional, other schemes are not supported.
 */
function withSearchPath(
  repo: ConfigRepository,
  configName: string | null,
  overrides: Override[],
  cwd: string,
): ConfigRepository {
  const fromCli = overrides.find((o) => o.keyOrGroup === "hydra.searchpath" && o.type !== "delete");
  let paths: ConfigValue | undefined = fromCli ? overrideValue(fromCli) : undefined;
  if (!fromCli && configName !== null) {
    const hydra = repo.load(configName)?.config.get("hydra");
    paths = isMap(hydra) ? hydra.get("searchpath") : undefined;
  }
  if (paths === undefined || paths === null) return repo;
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) {
    throw new ConfigCompositionError(
      `hydra.searchpath must be a list of strings, got ${JSON.stringify(toPlain(paths))}`,
    );
  }
  if (paths.length === 0) return repo;
  const provider = fromCli ? "hydra.searchpath in command-line" : "hydra.searchpath in main";
  const extra = (paths as string[]).map((p) => {
    if (p.includes("://") && !p.startsWith("file://")) {
      throw new ConfigCompositionError(
        `Cannot add "${p}" to the search path: only folders (file://) are supported`,
      );
    }
    return new FileSource(absolute(p.replace(/^file:\/\//, ""), cwd), provider);
  });
  return new ConfigRepository([...repo.sources, ...extra]);
}

function validateSweeps(overrides: Override[], runMode: "run" | "multirun"): void {
  for (const o of overrides) {
    if (!isSweep(o)) continue;
    if (runMode === "multirun") {
      if (isHydraOverride(o)) {
        throw new ConfigCompositionError(
          `Sweeping over Hydra's configuration is not supported: "${o.inputLine}"`,
        );
      }
    } else if (
      o.value && typeof o.value === "object" && "simpleForm" in o.value && o.value.simpleForm
    ) {
      throw new ConfigCompositionError(
        `Ambiguous value for argument "${o.inputLine}": to sweep over it add --multirun\n` +
          `1. To use it as a list, use key=[value1,value2]\n` +
          `2. To use it as string, quote the value: key=\\'value1,value2\\'\n` +
          `3. To sweep over it, add --multirun to your command line`,
      );
    } else {
      throw new ConfigCompositionError(`Sweep parameters "${o.inputLine}" require --multirun`);
    }
  }
}

function embed(config: ConfigMap, pkg: string): ConfigMap {
  if (pkg === "") return config;
  let node: ConfigMap = config;
  for (const key of splitKey(pkg).reverse()) node = new Map([[key, node]]);
  return node;
}

function derefIn(cfg: ConfigMap) {
  return (text: string, path: (string | number)[]): ConfigMap | undefined => {
    try {
      const value = new Interpolator(cfg).evaluate(text, path).value;
      return isMap(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };
}

interface HydraInfo {
  parsed: Override[];
  choices: Map<string, string | null>;
  repo: ConfigRepository;
  configName: string | null;
  runMode: "run" | "multirun";
  jobName: string;
  cwd: string;
}

function child(map: ConfigMap, key: string): ConfigMap {
  let node = map.get(key);
  if (!isMap(node)) {
    node = new Map();
    map.set(key, node);
  }
  return node;
}

function fillHydra(cfg: ConfigMap, info: HydraInfo): void {
  if (!isMap(cfg.get("hydra"))) return;
  const hydra = child(cfg, "hydra");
  const overrides = child(hydra, "overrides");
  const task: ConfigValue[] = [], hydraLines: ConfigValue[] = [];
  for (const o of info.parsed) (isHydraOverride(o) ? hydraLines : task).push(o.inputLine);
  overrides.set("hydra", hydraLines);
  overrides.set("task", task);
  const runtime = child(hydra, "runtime");
  const choices = child(runtime, "choices");
  for (const [k, v] of info.choices) choices.set(k, v);
  runtime.set("version", COMPOSE_VERSION);
  runtime.set("version_base", "1.3");
  runtime.set("cwd", info.cwd);
  runtime.set(
    "config_sources",
    info.repo.sources.map((s) => {
      const [schema, path] = s.url.split("://");
      return new Map<string, ConfigValue>([["path", path], ["schema", schema], [
        "provider",
        s.provider,
      ]]);
    }),
  );
  hydra.set("mode", info.runMode === "run" ? "RUN" : "MULTIRUN");
  const job = child(hydra, "job");
  if (job.get("name") === undefined || job.get("name") === MISSING) job.set("name", info.jobName);
  job.set("override_dirname", overrideDirname(info.parsed.filter((o) => !isHydraOverride(o)), job));
  job.set("config_name", info.configName);
}

function overrideDirname(overrides: Override[], job: ConfigMap): string {
  const conf = job.get("config");
  const od = isMap(conf) ? conf.get("override_dirname") : undefined;
  const get = (
    k: string,
    d: ConfigValue,
  ) => (isMap(od) && od.get(k) !== undefined ? od.get(k)! : d);
  const kv = String(get("kv_sep", "=")), item = String(get("item_sep", ","));
  const exclude = get("exclude_keys", []);
  const excluded = new Set(Array.isArray(exclude) ? exclude.map(String) : []);
  const lines = overrides.filter((o) => !excluded.has(o.keyOrGroup)).map((o) => o.inputLine).sort();
  return lines.join(item).replaceAll("=", kv);
}
