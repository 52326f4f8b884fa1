/**
 * The train CLI as users run it: spawned with `deno run -A cli/train.ts`, output
 * read back as YAML. Covers the acceptance commands and each bad input
 * (one line on stderr, exit code 1, a stack trace only with LIFECYCLE_FULL_ERROR=1).
 */
import assert from "node:assert/strict";
import { Float, parseYaml } from "../../lib/config/mod.ts";
import { diffTrees } from "./_helpers.ts";

const TRAIN = new URL("../../cli/train.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function train(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env: Record<string, string> = { ...Deno.env.toObject(), ...options.env };
  if (!options.env?.LIFECYCLE_FULL_ERROR) delete env.LIFECYCLE_FULL_ERROR;
  if (!options.env?.INIT_CWD) delete env.INIT_CWD;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TRAIN, ...args],
    cwd: options.cwd ?? Deno.cwd(),
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

function yaml(text: string): Map<string, unknown> {
  return parseYaml(text, "stdout") as Map<string, unknown>;
}

Deno.test("train --cfg job prints the composed default experiment as YAML", async () => {
  const { code, stdout } = await train(["--cfg", "job"]);
  assert.equal(code, 0);
  const cfg = yaml(stdout);
  assert.deepEqual([...cfg.keys()], [
    "model",
    "data",
    "optimizer",
    "scheduler",
    "experiment_name",
    "run_name",
    "seed",
    "loss",
    "trainer",
    "tracking",
  ]);
  const model = cfg.get("model") as Map<string, unknown>;
  assert.equal(model.get("name"), "cnn");
  assert.deepEqual(model.get("channels"), [32, 64]);
  const data = cfg.get("data") as Map<string, unknown>;
  assert.deepEqual([data.get("name"), data.get("test_size")], ["mnist", new Float(0.2)]);
  assert.deepEqual((cfg.get("optimizer") as Map<string, unknown>).get("lr"), new Float(0.001));
  const trainer = cfg.get("trainer") as Map<string, unknown>;
  assert.equal(trainer.get("batch_size"), 64);
  assert.equal(trainer.get("resume"), null);
  const wandb = (cfg.get("tracking") as Map<string, unknown>).get("wandb") as Map<string, unknown>;
  assert.equal(wandb.get("group"), "${model.name}");
});

Deno.test("train --cfg job model=vit optimizer.lr=3e-4 +trainer.tag=x ~scheduler changes just those", async () => {
  const base = yaml((await train(["--cfg", "job"])).stdout);
  const run = await train([
    "--cfg",
    "job",
    "model=vit",
    "optimizer.lr=3e-4",
    "+trainer.tag=x",
    "~scheduler",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const got = yaml(run.stdout);
  const vit = got.get("model") as Map<string, unknown>;
  assert.deepEqual(
    ["name", "patch_size", "hidden_dim", "num_layers", "num_heads", "mlp_dim", "input_shape"].map((
      k,
    ) => vit.get(k)),
    ["vit", 7, 64, 4, 4, 128, [1, 28, 28]],
  );
  // everything else is the default experiment
  base.set("model", vit);
  (base.get("optimizer") as Map<string, unknown>).set("lr", new Float(3e-4));
  (base.get("trainer") as Map<string, unknown>).set("tag", "x");
  base.delete("scheduler");
  const diff = diffTrees(base as never, got as never);
  assert.equal(diff, undefined, diff);
});

Deno.test("train --cfg job --resolve resolves interpolations", async () => {
  const { stdout } = await train(["--cfg", "job", "--resolve", "model=mlp"]);
  const wandb = ((yaml(stdout).get("tracking") as Map<string, unknown>).get("wandb")) as Map<
    string,
    unknown
  >;
  assert.deepEqual([wandb.get("group"), wandb.get("name")], ["mlp", "run"]);
});

Deno.test("train --cfg job -p optimizer prints one package", async () => {
  const { stdout } = await train(["--cfg", "job", "-p", "optimizer", "optimizer=sgd"]);
  assert.match(stdout, /^# @package optimizer\nname: sgd\n/);
  const scalar = await train(["--cfg", "job", "--package", "model.name"]);
  assert.equal(scalar.stdout, "cnn\n");
});

Deno.test("train specs=vit/exp_0 applies the spec over its per-model base", async () => {
  const cfg = yaml((await train(["--cfg", "job", "specs=vit/exp_0"])).stdout);
  assert.equal((cfg.get("model") as Map<string, unknown>).get("name"), "vit");
  assert.equal((cfg.get("optimizer") as Map<string, unknown>).get("name"), "adamw");
  assert.deepEqual((cfg.get("optimizer") as Map<string, unknown>).get("lr"), new Float(5e-4));
  assert.equal((cfg.get("scheduler") as Map<string, unknown>).get("name"), "warmup_cosine");
  assert.equal(cfg.get("experiment_name"), "vit_exp_0");
});

Deno.test("train --help lists the config groups and their options", async () => {
  const { code, stdout } = await train(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /== Configuration groups ==/);
  assert.match(stdout, /^model: cnn, cnn_bn, mlp, resnet, vit$/m);
  assert.match(stdout, /^optimizer: adam, adamw, sgd$/m);
  assert.match(stdout, /^scheduler: constant, cosine, step, warmup_cosine$/m);
  assert.match(stdout, /^specs\/vit: exp_0, exp_1$/m);
  assert.match(stdout, /--cfg,-c : Show config/);
  assert.doesNotMatch(stdout, /hydra\/launcher/);
});

Deno.test("train -m --cfg job prints each job's launcher line and config", async () => {
  const { code, stdout, stderr } = await train([
    "-m",
    "--cfg",
    "job",
    "optimizer=sgd,adam",
    "seed=1,2",
  ]);
  assert.equal(code, 0, stderr);
  const lines = stderr.split("\n").filter((l) => /#\d+ : /.test(l)).map((l) =>
    l.slice(l.indexOf("#"))
  );
  assert.deepEqual(lines, [
    "#0 : optimizer=sgd seed=1",
    "#1 : optimizer=sgd seed=2",
    "#2 : optimizer=adam seed=1",
    "#3 : optimizer=adam seed=2",
  ]);
  const docs = stdout.split(/^---\n/m).filter((d) => d.trim() !== "");
  assert.equal(docs.length, 4);
  assert.equal(yaml(docs[3]).get("seed"), 2);
});

Deno.test("train without --cfg creates the run directory with Hydra's files", async () => {
  const cwd = await Deno.makeTempDir();
  const tiny = [
    "data.num_samples=200",
    "trainer.training_iters=1",
    "trainer.epochs_per_iteration=1",
  ];
  const { code, stderr } = await train(["model=mlp", "run_name=smoke", ...tiny], { cwd });
  assert.equal(code, 0, stderr);
  const runs = [...Deno.readDirSync(`${cwd}/results/mlp/default`)].map((e) => e.name);
  assert.equal(runs.length, 1);
  assert.match(runs[0], /^smoke_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/);
  const dir = `${cwd}/results/mlp/default/${runs[0]}`;
  for (
    const f of ["config.yaml", ".hydra/config.yaml", ".hydra/overrides.yaml", ".hydra/hydra.yaml"]
  ) {
    assert.ok(Deno.statSync(`${dir}/${f}`).isFile, f);
  }
  const resolved = yaml(Deno.readTextFileSync(`${dir}/config.yaml`));
  assert.equal(
    ((resolved.get("tracking") as Map<string, unknown>).get("wandb") as Map<string, unknown>).get(
      "group",
    ),
    "mlp",
  );
  assert.deepEqual(parseYaml(Deno.readTextFileSync(`${dir}/.hydra/overrides.yaml`), "o"), [
    "model=mlp",
    "run_name=smoke",
    ...tiny,
  ]);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("train -m runs each job in its own numbered directory under the sweep directory", async () => {
  const cwd = await Deno.makeTempDir();
  const tiny = [
    "model=mlp",
    "data.num_samples=200",
    "trainer.training_iters=1",
    "trainer.epochs_per_iteration=1",
  ];
  const { code, stderr } = await train(["-m", "seed=1,2,3", ...tiny], { cwd });
  assert.equal(code, 0, stderr);
  assert.match(stderr, /Launching 3 jobs locally/);
  const sweeps = [...Deno.readDirSync(`${cwd}/results/mlp/default`)].map((e) => e.name);
  assert.equal(sweeps.length, 1);
  const sweep = `${cwd}/results/mlp/default/${sweeps[0]}`;
  assert.deepEqual([...Deno.readDirSync(sweep)].map((e) => e.name).sort(), [
    "0",
    "1",
    "2",
    "multirun.yaml",
  ]);
  assert.equal(yaml(Deno.readTextFileSync(`${sweep}/2/config.yaml`)).get("seed"), 3);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("train resolves a relative --config-dir against the directory deno task started in", async () => {
  const cwd = await Deno.makeTempDir();
  await Deno.mkdir(`${cwd}/myconf`);
  await Deno.writeTextFile(`${cwd}/myconf/config.yaml`, "answer: 42\n");
  const here = await train(["--config-dir", "myconf", "--cfg", "job"], { cwd });
  assert.equal(here.stdout, "answer: 42\n");
  const viaTask = await train(["--config-dir", "myconf", "--cfg", "job"], {
    env: { INIT_CWD: cwd },
  });
  assert.equal(viaTask.stdout, "answer: 42\n");
  await Deno.remove(cwd, { recursive: true });
});

const BAD: [string, string[], RegExp, string?][] = [
  [
    "malformed YAML",
    ["--config-dir", "bad", "--cfg", "job"],
    /Cannot parse ".*bad\/config\.yaml" at line 3, column 1: /,
    "bad",
  ],
  [
    "unknown group option",
    ["--cfg", "job", "model=transformer"],
    /Could not find "model\/transformer": available options in "model" are cnn, cnn_bn, mlp, resnet, vit/,
  ],
  [
    "override of a missing key without +",
    ["--cfg", "job", "trainer.nope=1"],
    /Could not override "trainer\.nope".*use \+trainer\.nope=1/,
  ],
  [
    "interpolation to a missing key",
    ["+trainer.x=${nope.key}"],
    /Cannot resolve "\$\{nope\.key\}" in "trainer\.x": key "nope\.key" not found/,
  ],
  [
    "cyclic interpolation",
    ["--cfg", "job", "--resolve", "+a=${b}", "+b=${a}"],
    /cyclic interpolation: a -> b -> a/,
  ],
  ["unknown _target_", ["+model._target_=nn.Transformer"], /unknown _target_ "nn\.Transformer"/],
  ["a sweep without -m", ["--cfg", "job", "seed=1,2"], /Ambiguous value for argument "seed=1,2"/],
  ["unknown flag", ["--cgf", "job"], /Unknown flag "--cgf"/],
  [
    "missing mandatory value",
    ["data=image_folder"],
    /Missing mandatory value "data\.root"|"data\.root" is missing/,
  ],
];

for (const [what, args, message, badDir] of BAD) {
  Deno.test(`train reports ${what} in one line with exit code 1`, async () => {
    const cwd = await Deno.makeTempDir();
    if (badDir) {
      await Deno.mkdir(`${cwd}/${badDir}`);
      await Deno.writeTextFile(`${cwd}/${badDir}/config.yaml`, "a: 1\nb: [1, 2\nc: 3\n");
    }
    const run = await train(args, { cwd });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^Error: /);
    assert.match(lines[0], message);
    assert.equal(run.stdout, "");
    assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name).filter((n) => n !== badDir), []);
    const full = await train(args, { cwd, env: { LIFECYCLE_FULL_ERROR: "1" } });
    assert.equal(full.code, 1);
    assert.match(full.stderr, /\n\s+at /);
    await Deno.remove(cwd, { recursive: true });
  });
}
