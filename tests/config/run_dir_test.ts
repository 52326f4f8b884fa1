import assert from "node:assert/strict";
import {
  parseYaml,
  runDirOf,
  sweepDirOf,
  toPlain,
  writeRunDir,
  writeSweepDir,
} from "../../lib/config/mod.ts";
import { composeFiles } from "./_helpers.ts";

const FILES = {
  "config.yaml": `defaults:
  - model: cnn
  - _self_
experiment_name: exp
run_name: run
note: \${model.name}-\${run_name}
hydra:
  run:
    dir: results/\${model.name}/\${experiment_name}/\${run_name}_\${now:%Y-%m-%d_%H-%M-%S}
  sweep:
    dir: sweeps/\${now:%Y-%m-%d}
    subdir: \${hydra.job.num}_\${model.name}
`,
  "model/cnn.yaml": "name: cnn\nwidth: 32\n",
  "model/mlp.yaml": "name: mlp\nwidth: 16\n",
};
const NOW = () => new Date(2024, 4, 1, 13, 2, 3);

function read(path: string): unknown {
  return toPlain(parseYaml(Deno.readTextFileSync(path), path));
}

Deno.test("runDirOf() resolves hydra.run.dir against cwd and records it", () => {
  const cfg = composeFiles(FILES, { overrides: ["model=mlp"], now: NOW });
  const dir = runDirOf(cfg, { cwd: "/work/x" });
  assert.equal(dir, "/work/x/results/mlp/exp/run_2024-05-01_13-02-03");
  assert.equal(cfg.get("hydra.runtime.output_dir"), dir);
});

Deno.test("writeRunDir() writes the composed config and Hydra's files", async () => {
  const cwd = await Deno.makeTempDir();
  const cfg = composeFiles(FILES, {
    overrides: ["model=mlp", "+extra=1", "hydra.job.name=j"],
    now: NOW,
  });
  const dir = runDirOf(cfg, { cwd });
  const files = await writeRunDir(cfg, dir);
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)).sort(), [
    ".hydra/config.yaml",
    ".hydra/hydra.yaml",
    ".hydra/overrides.yaml",
    "config.yaml",
  ]);
  assert.deepEqual(read(`${dir}/config.yaml`), {
    model: { name: "mlp", width: 16 },
    experiment_name: "exp",
    run_name: "run",
    note: "mlp-run",
    extra: 1,
  });
  assert.equal(
    (read(`${dir}/.hydra/config.yaml`) as Record<string, unknown>).note,
    "${model.name}-${run_name}",
  );
  assert.deepEqual(read(`${dir}/.hydra/overrides.yaml`), ["model=mlp", "+extra=1"]);
  const hydra =
    (read(`${dir}/.hydra/hydra.yaml`) as { hydra: Record<string, Record<string, unknown>> }).hydra;
  assert.equal(hydra.runtime.output_dir, dir);
  assert.deepEqual(hydra.overrides.hydra, ["hydra.job.name=j"]);
  const leftovers = [...Deno.readDirSync(dir)].filter((e) => e.name.includes(".tmp-"));
  assert.deepEqual(leftovers, []);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("sweep jobs go to hydra.sweep.dir/hydra.sweep.subdir; multirun.yaml to the sweep dir", async () => {
  const cwd = await Deno.makeTempDir();
  const cfg = composeFiles(FILES, { overrides: ["model=mlp"], now: NOW });
  const hydra = cfg.root.get("hydra") as Map<string, Map<string, unknown>>;
  hydra.get("job")!.set("num", 3);
  const dir = runDirOf(cfg, { sweep: true, cwd });
  assert.equal(dir, `${cwd}/sweeps/2024-05-01/3_mlp`);
  const sweepDir = sweepDirOf(cfg, cwd);
  await writeSweepDir(cfg, sweepDir);
  assert.ok(Deno.statSync(`${sweepDir}/multirun.yaml`).isFile);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("writeRunDir() fails before creating anything when the config does not resolve", async () => {
  const cwd = await Deno.makeTempDir();
  const cfg = composeFiles(FILES, { overrides: ["+bad=${nope}"], now: NOW });
  const dir = runDirOf(cfg, { cwd });
  await assert.rejects(() => writeRunDir(cfg, dir), /key "nope" not found/);
  assert.deepEqual([...Deno.readDirSync(cwd)], []);
  await Deno.remove(cwd, { recursive: true });
});

Deno.test("hydra.output_subdir=null writes only config.yaml", async () => {
  const cwd = await Deno.makeTempDir();
  const cfg = composeFiles(FILES, { overrides: ["hydra.output_subdir=null"], now: NOW });
  const files = await writeRunDir(cfg, runDirOf(cfg, { cwd }));
  assert.equal(files.length, 1);
  await Deno.remove(cwd, { recursive: true });
});
