import assert from "node:assert/strict";
import { CASES } from "./compose_cases.ts";
import { composeFiles, diffYaml } from "./_helpers.ts";

Deno.test("composeConfig() cases: there are at least 60", () => {
  assert.ok(CASES.length >= 60, `only ${CASES.length} cases`);
});

for (const c of CASES) {
  Deno.test(`composeConfig() ${c.name}`, () => {
    const env = (name: string) => c.env?.[name];
    const run = () => {
      const job = composeFiles(c.files, { configName: c.configName, overrides: c.overrides, env })
        .job();
      return (c.resolve ? job.resolved() : job).toYaml();
    };
    if (c.error) {
      assert.throws(run, (err: Error) => c.error!.test(err.message.split("\n")[0]));
      return;
    }
    const diff = diffYaml(c.expected!, run());
    assert.equal(diff, undefined, diff);
  });
}
