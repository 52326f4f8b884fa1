import assert from "node:assert/strict";
import { composeForCli, flagsHelp, parseHydraFlags } from "../../lib/config/mod.ts";

Deno.test("parseHydraFlags() separates Hydra's flags from overrides", () => {
  const f = parseHydraFlags([
    "a=1",
    "--cfg",
    "job",
    "-p",
    "db",
    "--resolve",
    "-cn=train",
    "-cd",
    "x",
    "+b=2",
    "-m",
  ]);
  assert.deepEqual(
    [f.cfg, f.package, f.resolve, f.configName, f.configDir, f.multirun, f.overrides],
    ["job", "db", true, "train", "x", true, ["a=1", "+b=2"]],
  );
  assert.equal(parseHydraFlags(["--info"]).info, "all");
  assert.equal(parseHydraFlags(["--info", "searchpath"]).info, "searchpath");
  assert.deepEqual(parseHydraFlags(["--info", "a=1"]).overrides, ["a=1"]);
  assert.deepEqual(parseHydraFlags(["--", "-weird=1"]).overrides, ["-weird=1"]);
});

Deno.test("parseHydraFlags() rejects unknown flags, missing values and bad choices", () => {
  assert.throws(() => parseHydraFlags(["--nope"]), /Unknown flag "--nope"/);
  assert.throws(() => parseHydraFlags(["--cfg"]), /Flag "--cfg" needs a value/);
  assert.throws(() => parseHydraFlags(["--cfg", "everything"]), /choose one of job, hydra, all/);
  assert.throws(() => parseHydraFlags(["--resolve=1"]), /takes no value/);
});

Deno.test("flagsHelp() lists every flag", () => {
  for (
    const flag of [
      "--cfg,-c",
      "--package,-p",
      "--config-dir,-cd",
      "--config-path,-cp",
      "--config-name,-cn",
    ]
  ) {
    assert.match(flagsHelp(), new RegExp(flag));
  }
});

Deno.test("composeForCli() --cfg hydra and --cfg all show Hydra's node", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/config.yaml`, "a: 1\n");
  const hydra = composeForCli(["--cfg", "hydra"], { defaultConfigDir: dir, jobName: "t" });
  assert.equal(hydra.kind, "show");
  const text = hydra.kind === "show" ? hydra.jobs[0].text! : "";
  assert.match(text, /^hydra:\n/);
  assert.match(text, /\n {4}name: t\n/);
  assert.doesNotMatch(text, /\n {2}help:/);
  const all = composeForCli(["--cfg", "all"], { defaultConfigDir: dir });
  assert.match(all.kind === "show" ? all.jobs[0].text! : "", /^hydra:[\s\S]*\na: 1\n$/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("composeForCli() --info prints the search path and defaults list", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/config.yaml`, "defaults:\n  - db: a\n");
  Deno.mkdirSync(`${dir}/db`);
  Deno.writeTextFileSync(`${dir}/db/a.yaml`, "x: 1\n");
  const plan = composeForCli(["--info"], { defaultConfigDir: dir });
  const text = plan.kind === "print" ? plan.text : "";
  assert.match(text, /provider=hydra, path=pkg:\/\/hydra\.conf/);
  assert.match(text, new RegExp(`provider=main, path=file://${dir}`));
  assert.match(text, /\tdb\/a {2}\(package: db\)/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("composeForCli() plans jobs with their run directories without writing anything", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/config.yaml`, "x: 1\nhydra:\n  run:\n    dir: out/${x}\n");
  const plan = composeForCli(["x=5"], { defaultConfigDir: dir, cwd: dir });
  assert.equal(plan.kind, "run");
  if (plan.kind !== "run") return;
  assert.deepEqual(plan.jobs.map((j) => [j.num, j.overrides, j.runDir]), [[
    null,
    ["x=5"],
    `${dir}/out/5`,
  ]]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.yaml"]);
  Deno.removeSync(dir, { recursive: true });
});
