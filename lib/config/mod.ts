/**
 * Hydra-compatible experiment configuration (Hydra 1.3, OmegaConf 2.3), on `npm:yaml`.
 *
 * Compose a config folder with defaults lists and command-line overrides, resolve
 * interpolations, expand sweeps, create run directories and instantiate `_target_`
 * nodes from a registry of factories.
 *
 * Config trees use `Map`s for dicts (key order kept) and {@link Float} for floats
 * (so `1.0` stays a float); {@link Config.toObject} gives plain JavaScript.
 *
 * Choices where Hydra is unclear or does not fit TypeScript:
 * - Hydra's own config groups (`hydra/launcher`, `hydra/job_logging`, ...) are built in
 *   and searched first, as `pkg://hydra.conf` is; `hydra.searchpath` takes folders only.
 * - `--config-dir` alone replaces the project's default `conf/` (an application without
 *   a config path, in Hydra's terms); relative paths resolve against the caller's directory.
 * - `--multirun --cfg job` prints each job's launcher line and config instead of failing.
 * - Quirks kept as Hydra 1.3.2 has them: `~key` on a `null` value says the key does not
 *   exist; `--resolve` rejects a dict or list returned by `oc.decode`; sweep lines print
 *   booleans as `True`/`False`; `_group_` in a `# @package` header is a literal key.
 * - Factories take `(kwargs, ...args)`; `_partial_` returns `(moreKwargs, ...moreArgs) => ...`;
 *   `_convert_` is accepted and ignored (results are plain objects).
 * - YAML keys typed by YAML (`1:`, `true:`) stay distinct from string keys and print back
 *   unquoted; dotted paths reach string keys only, as in OmegaConf.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeConfig, MemorySource, ConfigRepository } from "./mod.ts";
 *
 * const repository = new ConfigRepository([new MemorySource({
 *   "config.yaml": "defaults:\n  - db: mysql\n  - _self_\nname: app\n",
 *   "db/mysql.yaml": "port: 3306\n",
 *   "db/pg.yaml": "port: 5432\n",
 * })]);
 * const cfg = composeConfig({ repository, overrides: ["db=pg", "+db.pool=4"] });
 * assert.deepEqual(cfg.toObject(), { db: { port: 5432, pool: 4 }, name: "app" });
 * assert.equal(cfg.toYaml(), "db:\n  port: 5432\n  pool: 4\nname: app\n");
 * ```
 *
 * @module
 */

export { Config, loadConfig, parseConfig, type ToObjectOptions } from "./config.ts";
export {
  COMPOSE_VERSION,
  composeConfig,
  type ComposeOptions,
  createRepository,
} from "./compose.ts";
export { type CliJob, type CliOptions, type CliPlan, composeForCli } from "./cli_app.ts";
export { flagsHelp, type HydraFlags, parseHydraFlags } from "./cli_flags.ts";
export {
  ConfigCompositionError,
  ConfigError,
  ConfigSyntaxError,
  InstantiationError,
  InterpolationError,
  MissingConfigError,
  MissingValueError,
} from "./errors.ts";
export {
  instantiate,
  type InstantiateOptions,
  type TargetFactory,
  TargetRegistry,
  validateTargets,
} from "./instantiate.ts";
export { Interpolator, type ResolveOptions } from "./interpolation.ts";
export { mergeConfigs } from "./merge.ts";
export { parseOverride, parseOverrides } from "./override_parser.ts";
export type { Override, OverrideType, ParsedElement, Sweep } from "./override_types.ts";
export {
  ConfigRepository,
  type ConfigSource,
  FileSource,
  type LoadedConfig,
  MemorySource,
} from "./repository.ts";
export {
  globalResolvers,
  registerResolver,
  type ResolverContext,
  type ResolverFunction,
  type ResolverOptions,
  ResolverRegistry,
} from "./resolvers.ts";
export { runDirOf, sweepDirOf, writeRunDir, writeSweepDir } from "./run_dir.ts";
export { jobLine, sweepJobs, type SweepOptions } from "./sweep.ts";
export {
  type ConfigMap,
  type ConfigValue,
  Float,
  fromPlain,
  MISSING,
  type PlainValue,
  toPlain,
} from "./values.ts";
export { parseYaml, toYaml } from "./yaml_io.ts";
