// The README says what is true: its two quickstart commands, .ci/run running its test command,
// and a configuration reference that matches conf/ and app_config.yaml.
import assert from "node:assert/strict";
import { join } from "node:path";
import { configReference, MARKERS, normalizeMarkdown } from "../../docs/config_reference.ts";
import { ROOT_DIR } from "../_shared.ts";

const README = Deno.readTextFileSync(join(ROOT_DIR, "README.md"));

Deno.test("the README's quickstart gives the demo and the test command, and .ci/run runs the latter", () => {
  const quickstart = README.slice(
    README.indexOf("## Quickstart"),
    README.indexOf("## The lifecycle"),
  );
  const blocks = [...quickstart.matchAll(/```sh\n([^`]*)```/g)].map((m) => m[1]!.trim());
  assert.deepEqual(blocks, ["npx -y deno@2.9.6 task demo", "npx -y deno@2.9.6 task test"]);
  const ci = Deno.readTextFileSync(join(ROOT_DIR, ".ci", "run"));
  assert.ok(ci.split("\n").includes("npx -y deno@2.9.6 task test"));
  const tasks = JSON.parse(Deno.readTextFileSync(join(ROOT_DIR, "deno.json"))).tasks;
  assert.equal(tasks.demo, "deno run -A cli/demo.ts");
});

Deno.test("the README's configuration reference is the one conf/ and app_config.yaml give", () => {
  const [start, end] = MARKERS as [string, string];
  const section = README.slice(README.indexOf(start) + start.length, README.indexOf(end));
  assert.deepEqual(
    normalizeMarkdown(section),
    normalizeMarkdown(configReference(ROOT_DIR)),
    "run: deno run -A docs/config_reference.ts --write",
  );
  for (const key of ["`trainer.init_from`", "`ratio`", "`server.promotion.min_delta`"]) {
    assert.ok(section.includes(key), key);
  }
});

Deno.test("the README's images exist and are small", () => {
  for (const m of README.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)) {
    const size = Deno.statSync(join(ROOT_DIR, m[1]!)).size;
    assert.ok(size < 200_000, `${m[1]}: ${size} bytes`);
  }
});
