import assert from "node:assert/strict";
import { join } from "node:path";
import { loadAppSettings, loadEnvFile, parseEnvFile } from "../../lib/app/mod.ts";
import { ROOT_DIR } from "../_shared.ts";

Deno.test("parseEnvFile() reads quotes, escapes, export and comments", () => {
  const env = parseEnvFile([
    "# comment",
    "",
    "A=plain value # trailing comment",
    "export B='single # kept'",
    'C="line\\nbreak \\"quoted\\""',
    "D=",
    "E = spaced",
    "F=has#hash",
  ].join("\n"));
  assert.deepEqual(env, {
    A: "plain value",
    B: "single # kept",
    C: 'line\nbreak "quoted"',
    D: "",
    E: "spaced",
    F: "has#hash",
  });
});

Deno.test("parseEnvFile() names the file and line of a bad line", () => {
  assert.throws(
    () => parseEnvFile("A=1\nnot a pair\n", "/app/.env"),
    /^SyntaxError: Invalid line 2 of "\/app\/.env": expected KEY=VALUE, got "not a pair"/,
  );
  assert.throws(() => parseEnvFile('A="open'), /the " quote is not closed/);
  assert.throws(() => parseEnvFile("1A=x"), /line 1/);
});

Deno.test("loadEnvFile() reads a missing file as empty", async () => {
  assert.deepEqual(await loadEnvFile("/nonexistent/.env", { X: "1" }), { X: "1" });
});

Deno.test("loadAppSettings() reads the repository's app_config.yaml", async () => {
  const s = await loadAppSettings({ config: join(ROOT_DIR, "app_config.yaml") });
  assert.equal(s.web.address, "http://127.0.0.1:8000");
  assert.equal(s.web.store_predictions, true);
  assert.equal(s.store.data_dir, join(ROOT_DIR, "data/store"));
  assert.equal(s.server.modelStore, join(ROOT_DIR, "model_store"));
  assert.equal(s.server.inferenceAddress, "http://127.0.0.1:8080");
  assert.equal(s.openai.use, false);
});

Deno.test("loadAppSettings() names the block and key of a bad setting", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "app_config.yaml");
  const cases: [string, RegExp][] = [
    [
      "web:\n  adress: x\n",
      /^TypeError: Unknown key "adress" in .*\(web:\): expected one of address,/,
    ],
    [
      "web:\n  top_k: five\n",
      /^TypeError: Invalid web\.top_k in .*: expected a number, got "five"/,
    ],
    ["web:\n  top_k: 0\n", /^RangeError: Invalid web\.top_k in .*: expected a positive number/],
    ["web:\n  address: ftp://x\n", /^TypeError: Invalid web\.address .*expected e\.g\. http/],
    ["store:\n  kidn: local\n", /Unknown key "kidn" .*\(store:\)/],
    ["openai: [1]\n", /^TypeError: Invalid "openai" in .*: expected a mapping/],
    ["web: {\n", /^SyntaxError: Invalid YAML in /],
  ];
  try {
    for (const [text, re] of cases) {
      await Deno.writeTextFile(file, text);
      await assert.rejects(loadAppSettings({ config: file }), re, text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
