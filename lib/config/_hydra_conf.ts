/**
 * Hydra's own config tree (`hydra/config` and its groups: output, launcher,
 * sweeper, help, hydra_help, hydra_logging, job_logging, env), held in memory as
 * the first entry of the search path, so that `hydra.run.dir=...`,
 * `hydra/job_logging=disabled` and `--cfg hydra` work as they do with Hydra.
 *
 * @module
 */
import { MemorySource } from "./repository.ts";

const CONFIG = `defaults:
  - output: default
  - launcher: basic
  - sweeper: basic
  - help: default
  - hydra_help: default
  - hydra_logging: default
  - job_logging: default
  - callbacks: null
  - env: default
mode: null
searchpath: []
run:
  dir: ???
sweep:
  dir: ???
  subdir: ???
hydra_logging: ???
job_logging: ???
sweeper: ???
launcher: ???
callbacks: {}
help:
  app_name: ???
  header: ???
  footer: ???
  template: ???
hydra_help:
  hydra_help: ???
  template: ???
output_subdir: .hydra
overrides:
  hydra: []
  task: []
job:
  name: ???
  chdir: null
  override_dirname: ???
  id: ???
  num: ???
  config_name: ???
  env_set: {}
  env_copy: []
  config:
    override_dirname:
      kv_sep: '='
      item_sep: ','
      exclude_keys: []
runtime:
  version: ???
  version_base: ???
  cwd: ???
  config_sources: ???
  output_dir: ???
  choices: {}
verbose: false
`;

const OUTPUT = `# @package hydra
run:
  dir: outputs/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
sweep:
  dir: multirun/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
  subdir: \${hydra.job.num}
`;

const HELP = `app_name: \${hydra.job.name}
header: |
  \${hydra.help.app_name}: compose the experiment config (Hydra-style overrides).
footer: |
  Overrides follow Hydra's grammar (https://hydra.cc/docs/advanced/override_grammar/basic).
  Use --hydra-help to view Hydra specific help
template: |
  \${hydra.help.header}
  $FLAGS_HELP

  == Configuration groups ==
  Compose your configuration from those groups (group=option)

  $APP_CONFIG_GROUPS

  == Config ==
  Override anything in the config (foo.bar=value)

  $CONFIG

  \${hydra.help.footer}
`;

const HYDRA_HELP = `hydra_help: |
  Hydra-style options of \${hydra.job.name}: change the run directory with hydra.run.dir=...,
  the sweep directory with hydra.sweep.dir=..., or select Hydra config groups below.
template: |
  \${hydra.hydra_help.hydra_help}
  $FLAGS_HELP

  == Hydra config groups ==
  $HYDRA_CONFIG_GROUPS
`;

const LOGGING = `version: 1
formatters:
  simple:
    format: '[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'
root:
  level: INFO
disable_existing_loggers: false
`;

/** The in-memory source of Hydra's own configs. */
export function hydraSource(): MemorySource {
  return new MemorySource(
    {
      "hydra/config.yaml": CONFIG,
      "hydra/output/default.yaml": OUTPUT,
      "hydra/launcher/basic.yaml": "_target_: basic_launcher\n",
      "hydra/sweeper/basic.yaml": "_target_: basic_sweeper\nmax_batch_size: null\nparams: null\n",
      "hydra/help/default.yaml": HELP,
      "hydra/hydra_help/default.yaml": HYDRA_HELP,
      "hydra/hydra_logging/default.yaml": LOGGING,
      "hydra/hydra_logging/disabled.yaml":
        "version: 1\nroot:\n  level: ERROR\ndisable_existing_loggers: true\n",
      "hydra/hydra_logging/none.yaml": "version: 1\nroot: null\ndisable_existing_loggers: false\n",
      "hydra/job_logging/default.yaml": LOGGING,
      "hydra/job_logging/disabled.yaml":
        "version: 1\nroot:\n  level: ERROR\ndisable_existing_loggers: true\n",
      "hydra/job_logging/none.yaml": "version: 1\nroot: null\ndisable_existing_loggers: false\n",
      "hydra/job_logging/stdout.yaml": LOGGING,
      "hydra/env/default.yaml": "{}\n",
      "_dummy_empty_config_.yaml": "{}\n",
    },
    "hydra",
    "pkg://hydra.conf",
  );
}
