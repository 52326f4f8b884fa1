/**
 * Runs the public Hydra conformance cases (../shared/checks/hydra/cases, recorded
 * from Hydra 1.3.2 and OmegaConf 2.3.0) in-process, comparing as their runner
 * does: YAML 1.1 load, strict scalar types, key order ignored; multirun cases
 * compare the job lines; error cases need an error. LIFECYCLE_HYDRA_CASES points
 * elsewhere when the checkout does not sit beside ../shared.
 */
import assert from "node:assert/strict";
import { composeForCli, jobLine, parseYaml } from "../../lib/config/mod.ts";
import { diffYaml } from "./_helpers.ts";
import { SHARED_DIR } from "../_shared.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CASES_DIR = Deno.env.get("LIFECYCLE_HYDRA_CASES") ??
  (SHARED_DIR ? `${SHARED_DIR}/checks/hydra/cases` : `${ROOT}../shared/checks/hydra/cases`);
const CONF = `${ROOT}conf`;

interface CaseJson {
  config_name: string;
  overrides: string[];
  flags?: string[];
  env?: Record<string, string | null>;
  expect: "ok" | "error";
  mode?: "compose" | "multirun";
}

function listCases(): string[] {
  try {
    return [...Deno.readDirSync(CASES_DIR)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

const names = listCases();
if (names.length === 0) {
  Deno.test({
    name: "Hydra conformance cases (skipped: ../shared/checks/hydra/cases is absent)",
    ignore: true,
    fn() {},
  });
}

for (const name of names) {
  Deno.test(`Hydra conformance case ${name}`, () => {
    const dir = `${CASES_DIR}/${name}`;
    const c = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`)) as CaseJson;
    const env = (key: string) => {
      if (c.env && key in c.env) return c.env[key] ?? undefined;
      return Deno.env.get(key);
    };
    const multirun = c.mode === "multirun";
    const args = [
      "--config-dir",
      `${dir}/conf`,
      "--config-name",
      c.config_name,
      ...(multirun ? ["--multirun"] : []),
      "--cfg",
      "job",
      ...(c.flags ?? []),
      ...c.overrides,
    ];
    // --cfg only composes and prints: nothing is written under cwd
    const run = () => composeForCli(args, { defaultConfigDir: CONF, cwd: dir, env });
    if (c.expect === "error") {
      assert.throws(run);
      return;
    }
    const plan = run();
    assert.equal(plan.kind, "show");
    if (plan.kind !== "show") return;
    if (multirun) {
      const expected =
        (parseYaml(Deno.readTextFileSync(`${dir}/expected_jobs.yaml`), "expected") as [])
          .map((j: Map<string, string[]>, i: number) => `#${i} : ${j.get("overrides")!.join(" ")}`);
      assert.deepEqual(plan.jobs.map((j) => jobLine(j.num!, j.overrides)), expected);
      return;
    }
    const diff = diffYaml(Deno.readTextFileSync(`${dir}/expected.yaml`), plan.jobs[0].text!);
    assert.equal(diff, undefined, diff);
  });
}
