/**
 * Composition cases written from Hydra 1.3's documented behaviour: a config
 * tree, a command line, and the job config Hydra prints with `--cfg job` (or the
 * error it raises). Run by compose_cases_test.ts.
 */

/** One case. */
export interface ComposeCase {
  name: string;
  files: Record<string, string>;
  overrides?: string[];
  configName?: string;
  /** Compare the config with interpolations resolved (`--cfg job --resolve`). */
  resolve?: boolean;
  /** Expected job config, as YAML. */
  expected?: string;
  /** Expected error message. */
  error?: RegExp;
  env?: Record<string, string>;
}

const DB = {
  "db/mysql.yaml": "driver: mysql\nport: 3306\nuser: root\n",
  "db/postgresql.yaml": "driver: postgresql\nport: 5432\ntimeout: 10\n",
  "server/apache.yaml": "name: apache\nport: 80\n",
  "server/nginx.yaml": "name: nginx\nport: 8080\n",
};
const STD = {
  ...DB,
  "config.yaml": `defaults:
  - db: mysql
  - _self_
app:
  name: demo
  debug: false
trainer:
  max_epochs: 10
  devices: [0, 1]
tags: [a, b]
`,
};
const STD_REST = `app: {name: demo, debug: false}
trainer: {max_epochs: 10, devices: [0, 1]}
tags: [a, b]
`;
const MYSQL = "db: {driver: mysql, port: 3306, user: root}\n";
const PG = "db: {driver: postgresql, port: 5432, timeout: 10}\n";

export const CASES: ComposeCase[] = [
  // ---- primary config and YAML reading
  {
    name: "primary config without defaults",
    files: { "config.yaml": "a: 1\nb: {c: x}\n" },
    expected: "a: 1\nb: {c: x}",
  },
  { name: "empty primary config", files: { "config.yaml": "" }, expected: "{}" },
  {
    name: "YAML 1.1 booleans and null words",
    files: { "config.yaml": "a: yes\nb: Off\nc: on\nd: NO\ne: ~\nf: y\ng: 'yes'\n" },
    expected: "a: true\nb: false\nc: true\nd: false\ne: null\nf: 'y'\ng: 'yes'",
  },
  {
    name: "YAML 1.1 numbers",
    files: {
      "config.yaml": "a: 1e-4\nb: 1_000\nc: 0x1F\nd: 017\ne: 1:30\nf: 3.\ng: .5\nh: 08\ni: -.inf\n",
    },
    expected: "a: 0.0001\nb: 1000\nc: 31\nd: 15\ne: 90\nf: 3.0\ng: 0.5\nh: '08'\ni: -.inf",
  },
  {
    name: "merge keys and aliases",
    files: {
      "config.yaml":
        "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\nlist: &l [1, 2]\nagain: *l\n",
    },
    expected: "base: {x: 1, y: 2}\nchild: {x: 1, y: 3}\nlist: [1, 2]\nagain: [1, 2]",
  },
  {
    name: "quoted scalars stay strings",
    files: {
      "config.yaml":
        'a: "1"\nb: \'true\'\nc: "null"\nd: \'1e-4\'\ne: "2024-01-15"\nf: 2024-01-15\n',
    },
    expected: "a: '1'\nb: 'true'\nc: 'null'\nd: '1e-4'\ne: '2024-01-15'\nf: '2024-01-15'",
  },
  {
    name: "--config-name selects another primary config",
    files: { ...STD, "train.yaml": "defaults:\n  - db: postgresql\n  - _self_\nrun: train\n" },
    configName: "train",
    expected: PG + "run: train",
  },
  {
    name: "missing primary config",
    files: STD,
    configName: "nope",
    error: /Cannot find primary config "nope"/,
  },
  {
    name: "malformed YAML names file and position",
    files: { "config.yaml": "a: 1\n  b: 2\n" },
    error: /config\.yaml" at line 1, column 4/,
  },
  {
    name: "duplicate keys are rejected",
    files: { "config.yaml": "a: 1\nb: 2\na: 3\n" },
    error: /duplicate key "a"/,
  },

  // ---- defaults lists
  { name: "group default merges at the group's package", files: STD, expected: MYSQL + STD_REST },
  {
    name: "_self_ last: the primary config wins over its defaults",
    files: { ...DB, "config.yaml": "defaults:\n  - db: mysql\n  - _self_\ndb:\n  port: 1\n" },
    expected: "db: {driver: mysql, port: 1, user: root}",
  },
  {
    name: "_self_ first: the defaults win over the primary config",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - _self_\n  - db: mysql\ndb:\n  port: 1\n  extra: 2\n",
    },
    expected: "db: {port: 3306, extra: 2, driver: mysql, user: root}",
  },
  {
    name: "no _self_ in the defaults list: it is appended",
    files: { ...DB, "config.yaml": "defaults:\n  - db: mysql\ndb:\n  port: 9999\nname: x\n" },
    expected: "db: {driver: mysql, port: 9999, user: root}\nname: x",
  },
  {
    name: "nested group path",
    files: {
      "config.yaml": "defaults:\n  - model/encoder: small\n",
      "model/encoder/small.yaml": "layers: 2\n",
      "model/encoder/large.yaml": "layers: 8\n",
    },
    expected: "model: {encoder: {layers: 2}}",
  },
  {
    name: "a group config extends a base in the same group",
    files: {
      "config.yaml": "defaults:\n  - model: cnn_bn\n",
      "model/cnn.yaml": "name: cnn\nbn: false\nwidth: 32\n",
      "model/cnn_bn.yaml": "defaults:\n  - cnn\n  - _self_\nname: cnn_bn\nbn: true\n",
    },
    expected: "model: {name: cnn_bn, bn: true, width: 32}",
  },
  {
    name: "an absolute default inside a group config refers to the top-level group",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - server: apache\n",
      "server/apache.yaml": "defaults:\n  - /db: mysql\n  - _self_\nname: apache\n",
      "server/db/mysql.yaml": "driver: wrong\n",
    },
    expected: "server: {db: {driver: mysql, port: 3306, user: root}, name: apache}",
  },
  {
    name: "a relative default inside a group config is a subgroup",
    files: {
      "config.yaml": "defaults:\n  - db: mysql\n",
      "db/mysql.yaml":
        "defaults:\n  - _self_\n  - tuning: fast\ndriver: mysql\ntuning: {threads: 1, cache: small}\n",
      "db/tuning/fast.yaml": "threads: 8\n",
    },
    expected: "db: {driver: mysql, tuning: {threads: 8, cache: small}}",
  },
  {
    name: "optional default: present merged, missing skipped",
    files: {
      ...DB,
      "config.yaml":
        "defaults:\n  - db: mysql\n  - optional tuning: mysql\n  - optional extra: mysql\n",
      "tuning/mysql.yaml": "pool: 1G\n",
    },
    expected: MYSQL + "tuning: {pool: 1G}",
  },
  {
    name: "null choice loads nothing",
    files: { ...DB, "config.yaml": "defaults:\n  - db: null\n  - _self_\nname: x\n" },
    expected: "name: x",
  },
  {
    name: "??? choice must be given",
    files: { ...DB, "config.yaml": "defaults:\n  - db: ???\n" },
    error: /You must specify "db", e\.g\. db=<OPTION>: available options are mysql, postgresql/,
  },
  {
    name: "??? choice given on the command line",
    files: { ...DB, "config.yaml": "defaults:\n  - db: ???\n" },
    overrides: ["db=postgresql"],
    expected: PG,
  },
  {
    name: "unknown option in the defaults list lists the options",
    files: { ...DB, "config.yaml": "defaults:\n  - db: oracle\n" },
    error: /Could not find "db\/oracle": available options in "db" are mysql, postgresql/,
  },
  {
    name: "multi-select group merges options in order",
    files: {
      "config.yaml": "defaults:\n  - callbacks: [early_stop, checkpoint]\n",
      "callbacks/early_stop.yaml": "early_stop: {patience: 3}\n",
      "callbacks/checkpoint.yaml": "checkpoint: {top_k: 1}\n",
      "callbacks/lr_monitor.yaml": "lr_monitor: {interval: step}\n",
    },
    expected: "callbacks: {early_stop: {patience: 3}, checkpoint: {top_k: 1}}",
  },
  {
    name: "experiment with # @package _global_ and override of an earlier group",
    files: {
      ...DB,
      "config.yaml":
        "defaults:\n  - db: mysql\n  - _self_\n  - experiment: null\ntrainer:\n  max_epochs: 10\n",
      "experiment/fast.yaml":
        "# @package _global_\ndefaults:\n  - override /db: postgresql\ntrainer:\n  max_epochs: 1\ndb:\n  timeout: 1\n",
    },
    overrides: ["experiment=fast"],
    expected: "db: {driver: postgresql, port: 5432, timeout: 1}\ntrainer: {max_epochs: 1}",
  },
  {
    name: "the command line wins over an override in the defaults list",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - db: mysql\n  - experiment: fast\n",
      "experiment/fast.yaml": "# @package _global_\ndefaults:\n  - override /db: postgresql\n",
    },
    overrides: ["db=mysql"],
    expected: MYSQL,
  },
  {
    name: "override before a regular entry is an error",
    files: { ...DB, "config.yaml": "defaults:\n  - override db: postgresql\n  - server: apache\n" },
    error: /overrides must be at the end of the defaults list/,
  },
  {
    name: "duplicate _self_ is an error",
    files: { "config.yaml": "defaults:\n  - _self_\n  - _self_\n" },
    error: /Duplicate _self_/,
  },
  {
    name: "defaults list interpolation picks an option from another choice",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - db: postgresql\n  - tuning: ${db}\n",
      "tuning/mysql.yaml": "pool: small\n",
      "tuning/postgresql.yaml": "pool: large\n",
    },
    expected: PG + "tuning: {pool: large}",
  },

  // ---- packages
  {
    name: "group@package in the defaults list",
    files: { ...DB, "config.yaml": "defaults:\n  - db@backup: mysql\n" },
    expected: "backup: {driver: mysql, port: 3306, user: root}",
  },
  {
    name: "the same group twice under two packages",
    files: { ...DB, "config.yaml": "defaults:\n  - db@src: mysql\n  - db@dst: postgresql\n" },
    expected:
      "src: {driver: mysql, port: 3306, user: root}\ndst: {driver: postgresql, port: 5432, timeout: 10}",
  },
  {
    name: "absolute package header",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - db: mysql\n",
      "db/mysql.yaml": "# @package storage.primary\ndriver: mysql\n",
    },
    expected: "storage: {primary: {driver: mysql}}",
  },
  {
    name: "_global_ package header merges at the root",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - db: mysql\n",
      "db/mysql.yaml": "# @package _global_\ndriver: mysql\n",
    },
    expected: "driver: mysql",
  },
  {
    name: "_group_ in a header is a literal key in Hydra 1.2+",
    files: {
      ...DB,
      "config.yaml": "defaults:\n  - db: mysql\n",
      "db/mysql.yaml": "# @package _group_\ndriver: mysql\n",
    },
    expected: "_group_: {driver: mysql}",
  },
  {
    name: "_group_ in a defaults entry's package is the group path",
    files: { ...DB, "config.yaml": "defaults:\n  - db@_group_.main: mysql\n" },
    expected: "db: {main: {driver: mysql, port: 3306, user: root}}",
  },
  {
    name: "_here_ package merges at the parent's package",
    files: { ...DB, "config.yaml": "defaults:\n  - db@_here_: postgresql\n" },
    expected: "driver: postgresql\nport: 5432\ntimeout: 10",
  },
  {
    name: "a package in a group config's defaults is relative to that config",
    files: {
      "config.yaml": "defaults:\n  - server: apache\n",
      "server/apache.yaml": "defaults:\n  - db@storage: mysql\nname: apache\n",
      "server/db/mysql.yaml": "driver: mysql\n",
    },
    expected: "server: {storage: {driver: mysql}, name: apache}",
  },
  {
    name: "an absolute config include lands at the parent package plus its folder",
    files: {
      "config.yaml": "defaults:\n  - specs: vit/exp\n",
      "specs/base.yaml": "lr: 1\n",
      "specs/vit/exp.yaml": "defaults:\n  - /specs/base\n  - _self_\nnote: x\n",
    },
    expected: "specs: {specs: {lr: 1}, note: x}",
  },
  {
    name: "a relative config include in a nested option resolves against the group",
    files: {
      "config.yaml": "defaults:\n  - specs: vit/exp\n",
      "specs/base.yaml": "lr: 1\n",
      "specs/vit/exp.yaml": "defaults:\n  - base\n  - _self_\nnote: x\n",
    },
    expected: "specs: {lr: 1, note: x}",
  },
  {
    name: "an include of a sibling option looks its own defaults up in its folder",
    files: {
      "config.yaml": "defaults:\n  - specs: vit/b\n",
      "specs/base.yaml": "lr: 1\n",
      "specs/vit/a.yaml": "defaults:\n  - base\n",
      "specs/vit/b.yaml": "defaults:\n  - vit/a\n",
    },
    error: /In "specs\/vit\/a": Could not load "specs\/vit\/base"/,
  },

  // ---- group overrides
  {
    name: "group=option replaces the choice",
    files: STD,
    overrides: ["db=postgresql"],
    expected: PG + STD_REST,
  },
  {
    name: "+group=option appends a group",
    files: STD,
    overrides: ["+server=nginx"],
    expected: MYSQL + STD_REST + "server: {name: nginx, port: 8080}",
  },
  {
    name: "+group when the group is already chosen",
    files: { ...DB, "config.yaml": "defaults:\n  - db: null\n" },
    overrides: ["+db=mysql"],
    error: /Multiple values for "db": to override a value use "override db: mysql"/,
  },
  {
    name: "group not in the defaults list needs +",
    files: STD,
    overrides: ["server=apache"],
    error:
      /Could not override "server": no match in the defaults list; to append to the defaults list use \+server=apache/,
  },
  { name: "~group removes the group", files: STD, overrides: ["~db"], expected: STD_REST },
  {
    name: "~group=option with the current option",
    files: STD,
    overrides: ["~db=mysql"],
    expected: STD_REST,
  },
  {
    name: "~group=option with another option",
    files: STD,
    overrides: ["~db=postgresql"],
    error: /Could not delete "db=postgresql": no match in the defaults list/,
  },
  {
    name: "group@package=option changes a packaged choice",
    files: { ...DB, "config.yaml": "defaults:\n  - db@backup: mysql\n" },
    overrides: ["db@backup=postgresql"],
    expected: "backup: {driver: postgresql, port: 5432, timeout: 10}",
  },
  {
    name: "nested group override",
    files: {
      "config.yaml": "defaults:\n  - model/encoder: small\n",
      "model/encoder/small.yaml": "layers: 2\n",
      "model/encoder/large.yaml": "layers: 8\n",
    },
    overrides: ["model/encoder=large"],
    expected: "model: {encoder: {layers: 8}}",
  },
  {
    name: "unknown option on the command line lists the options",
    files: STD,
    overrides: ["db=oracle"],
    error: /Could not find "db\/oracle": available options in "db" are mysql, postgresql/,
  },
  {
    name: "multi-select choice replaced from the command line",
    files: {
      "config.yaml": "defaults:\n  - callbacks: [a, b]\n",
      "callbacks/a.yaml": "a: 1\n",
      "callbacks/b.yaml": "b: 2\n",
      "callbacks/c.yaml": "c: 3\n",
    },
    overrides: ["callbacks=[c,a]"],
    expected: "callbacks: {c: 3, a: 1}",
  },
  {
    name: "++group is not supported",
    files: STD,
    overrides: ["++db=postgresql"],
    error: /force-add of config groups/,
  },
  {
    name: "group=null is an error (use ~group)",
    files: STD,
    overrides: ["db=null"],
    error: /use ~db/,
  },

  // ---- value overrides
  {
    name: "key=value changes a value",
    files: STD,
    overrides: ["app.name=x", "trainer.max_epochs=3"],
    expected: MYSQL +
      "app: {name: x, debug: false}\ntrainer: {max_epochs: 3, devices: [0, 1]}\ntags: [a, b]",
  },
  {
    name: "+key adds new nested keys",
    files: STD,
    overrides: ["+new=1", "+trainer.deep.er=x", "+db.pool=5"],
    expected: "db: {driver: mysql, port: 3306, user: root, pool: 5}\n" +
      "app: {name: demo, debug: false}\ntrainer: {max_epochs: 10, devices: [0, 1], deep: {er: x}}\ntags: [a, b]\nnew: 1",
  },
  {
    name: "+key on an existing key points at ++",
    files: STD,
    overrides: ["+app.name=x"],
    error: /an item is already at "app\.name"; .*\+\+app\.name=x/,
  },
  {
    name: "++key changes an existing key or adds a new one",
    files: STD,
    overrides: ["++app.name=x", "++app.new=y"],
    expected: MYSQL +
      "app: {name: x, debug: false, new: y}\ntrainer: {max_epochs: 10, devices: [0, 1]}\ntags: [a, b]",
  },
  {
    name: "key=value on a missing key gives Hydra's hint",
    files: STD,
    overrides: ["trainer.nope=1"],
    error: /Could not override "trainer\.nope".*to append to the config use \+trainer\.nope=1/,
  },
  {
    name: "key=value under a missing parent",
    files: STD,
    overrides: ["nope.deep=1"],
    error: /Could not override "nope\.deep"/,
  },
  {
    name: "~key deletes keys",
    files: STD,
    overrides: ["~trainer.max_epochs", "~tags", "~db.user"],
    expected:
      "db: {driver: mysql, port: 3306}\napp: {name: demo, debug: false}\ntrainer: {devices: [0, 1]}",
  },
  {
    name: "~key=value with the current value",
    files: STD,
    overrides: ["~app.name=demo"],
    expected: MYSQL +
      "app: {debug: false}\ntrainer: {max_epochs: 10, devices: [0, 1]}\ntags: [a, b]",
  },
  {
    name: "~key=value with another value",
    files: STD,
    overrides: ["~app.name=other"],
    error: /its value is demo, not other/,
  },
  {
    name: "~key on a missing key",
    files: STD,
    overrides: ["~nope"],
    error: /Could not delete "nope" from the config: the key does not exist/,
  },
  {
    name: "a dict value merges into an existing dict",
    files: STD,
    overrides: ["trainer={max_epochs:1,devices:[3]}"],
    expected: MYSQL +
      "app: {name: demo, debug: false}\ntrainer: {max_epochs: 1, devices: [3]}\ntags: [a, b]",
  },
  {
    name: "a dict value with a new key needs +",
    files: STD,
    overrides: ["trainer={new:1}"],
    error: /Could not override "trainer"/,
  },
  {
    name: "+key={...} merges new keys into an existing dict",
    files: STD,
    overrides: ["+trainer={new:1}"],
    expected: MYSQL +
      "app: {name: demo, debug: false}\ntrainer: {max_epochs: 10, devices: [0, 1], new: 1}\ntags: [a, b]",
  },
  {
    name: "a list value replaces a list; an index changes one element",
    files: STD,
    overrides: ["tags=[x]", "trainer.devices.1=7"],
    expected: MYSQL +
      "app: {name: demo, debug: false}\ntrainer: {max_epochs: 10, devices: [0, 7]}\ntags: [x]",
  },
  {
    name: "override values are typed by the override grammar, not YAML",
    files: { "config.yaml": "a: 0\nb: 0\nc: 0\nd: 0\ne: 0\nf: 0\ng: 0\nh: 0\ni: 0\nj: 0\nk: 0\n" },
    overrides: [
      "a=yes",
      "b=1e-4",
      "c=0x10",
      "d=NULL",
      "e=False",
      "f=inf",
      "g=1_000",
      "h=017",
      "i=",
      "j=+3",
      "k=1.",
    ],
    expected:
      "a: 'yes'\nb: 0.0001\nc: '0x10'\nd: null\ne: false\nf: .inf\ng: 1000\nh: '017'\ni: ''\nj: 3\nk: 1.0",
  },
  {
    name: "quoted and escaped override strings",
    files: { "config.yaml": "a: 0\nb: 0\nc: 0\nd: 0\n" },
    overrides: ["a='x, y'", 'b="it\'s"', "c=a\\,b\\=c", "d=/data/x-1.txt"],
    expected: "a: 'x, y'\nb: it's\nc: a,b=c\nd: /data/x-1.txt",
  },
  {
    name: "interpolations in override values stay unresolved",
    files: { "config.yaml": "base: 10\na: 0\nb: 0\n" },
    overrides: ["a=${base}", "b=pre_${base}"],
    expected: "base: 10\na: ${base}\nb: pre_${base}",
  },
  {
    name: "value overrides apply after group choices, whatever the order",
    files: STD,
    overrides: ["db.timeout=5", "db=postgresql"],
    expected: "db: {driver: postgresql, port: 5432, timeout: 5}\n" + STD_REST,
  },
  {
    name: "key=??? makes a value mandatory",
    files: STD,
    overrides: ["app.name=???"],
    expected: MYSQL +
      "app: {name: ???, debug: false}\ntrainer: {max_epochs: 10, devices: [0, 1]}\ntags: [a, b]",
  },
  {
    name: "a sweep without --multirun is ambiguous",
    files: STD,
    overrides: ["trainer.max_epochs=1,2"],
    error: /Ambiguous value for argument "trainer\.max_epochs=1,2"/,
  },
  {
    name: "range() without --multirun",
    files: STD,
    overrides: ["trainer.max_epochs=range(3)"],
    error: /require --multirun/,
  },
  {
    name: "malformed override",
    files: STD,
    overrides: ["a=b=c"],
    error: /Cannot parse override "a=b=c"/,
  },
  {
    name: "a group-like override of a key that is not a group",
    files: STD,
    overrides: ["app@x=1"],
    error: /looks like a config group override, but config group "app" does not exist/,
  },

  // ---- interpolation
  {
    name: "absolute, relative and in-string interpolations resolve",
    files: { "config.yaml": "a: {b: 1, c: '${.b}', d: '${..top}'}\ntop: x\ne: 'v${a.b}-${top}'\n" },
    resolve: true,
    expected: "a: {b: 1, c: 1, d: x}\ntop: x\ne: v1-x",
  },
  {
    name: "--cfg job keeps interpolations and ??? as written",
    files: { "config.yaml": "a: ${b}\nb: ???\n" },
    expected: "a: ${b}\nb: ???",
  },
  {
    name: "in strings, floats and booleans print as Python's str()",
    files: { "config.yaml": "f: 1e-4\nt: true\nn: null\ns: 'lr=${f} on=${t} x=${n}'\n" },
    resolve: true,
    expected: "f: 0.0001\nt: true\nn: null\ns: lr=0.0001 on=True x=None",
  },
  {
    name: "escaped interpolations become literal text",
    files: { "config.yaml": "a: 1\nb: \\${a}\nc: cost \\${a} is ${a}\n" },
    resolve: true,
    expected: "a: 1\nb: ${a}\nc: cost ${a} is 1",
  },
  {
    name: "oc.env returns strings and defaults",
    files: {
      "config.yaml":
        "a: ${oc.env:T_A}\nb: ${oc.env:T_UNSET,5}\nc: ${oc.env:T_UNSET,null}\nd: ${oc.decode:${oc.env:T_A}}\n",
    },
    env: { T_A: "8" },
    resolve: true,
    expected: "a: '8'\nb: '5'\nc: null\nd: 8",
  },
  {
    name: "oc.env without a default on an unset variable",
    files: { "config.yaml": "a: ${oc.env:T_UNSET}\n" },
    resolve: true,
    error: /Environment variable 'T_UNSET' not found/,
  },
  {
    name: "oc.select and oc.decode",
    files: {
      "config.yaml":
        "a: ${oc.select:nope,dflt}\nb: ${oc.select:c,dflt}\nc: here\nd: ${oc.decode:'2.5'}\n",
    },
    resolve: true,
    expected: "a: dflt\nb: here\nc: here\nd: 2.5",
  },
  {
    name: "a list from oc.decode cannot be stored by in-place resolution (OmegaConf's behaviour)",
    files: { "config.yaml": "d: ${oc.decode:'[1, 2]'}\n" },
    resolve: true,
    error: /Value 'list' is not a supported primitive type/,
  },
  {
    name: "interpolation to a node copies the node",
    files: { "config.yaml": "src: {x: 1, y: [2]}\ndst: ${src}\nitem: ${src.y[0]}\n" },
    resolve: true,
    expected: "src: {x: 1, y: [2]}\ndst: {x: 1, y: [2]}\nitem: 2",
  },
  {
    name: "interpolation to a ??? value resolves to ???",
    files: { "config.yaml": "req: ???\ncopy: ${req}\n" },
    resolve: true,
    expected: "req: ???\ncopy: ???",
  },
  {
    name: "interpolation to a missing key",
    files: { "config.yaml": "a: ${nope.key}\n" },
    resolve: true,
    error: /Cannot resolve "\$\{nope\.key\}" in "a": key "nope\.key" not found/,
  },
  {
    name: "cyclic interpolation",
    files: { "config.yaml": "a: ${b}\nb: ${c}\nc: ${a}\n" },
    resolve: true,
    error: /cyclic interpolation: a -> b -> c -> a/,
  },
  {
    name: "interpolation to a parent node",
    files: { "config.yaml": "a:\n  b: ${a}\n" },
    resolve: true,
    error: /interpolation to a parent node/,
  },
  {
    name: "unknown resolver",
    files: { "config.yaml": "a: ${nope:1}\n" },
    resolve: true,
    error: /unknown resolver "nope"/,
  },
  {
    name: "a malformed interpolation in a config file fails at load, as OmegaConf checks it",
    files: { "config.yaml": "a: 1\nb: [x, 'cost ${a']\n" },
    error: /config\.yaml": bad interpolation "cost \$\{a" at "b\[1\]"/,
  },
  {
    name: "a malformed interpolation in a quoted override value fails",
    files: { "config.yaml": "a: 1\n" },
    overrides: ["a='${b'"],
    error: /Cannot parse "a='\$\{b'": bad interpolation "\$\{b"/,
  },
  {
    name: "override values can interpolate composed keys",
    files: STD,
    overrides: ["app.name=${db.driver}_app"],
    resolve: true,
    expected: MYSQL +
      "app: {name: mysql_app, debug: false}\ntrainer: {max_epochs: 10, devices: [0, 1]}\ntags: [a, b]",
  },
];
