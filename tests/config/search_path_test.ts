import assert from "node:assert/strict";
import { composeConfig, ConfigCompositionError } from "../../lib/config/mod.ts";

function tree(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync();
  for (const [path, text] of Object.entries(files)) {
    const full = `${dir}/${path}`;
    Deno.mkdirSync(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(full, text);
  }
  return dir;
}

Deno.test("hydra.searchpath in the primary config adds folders after the config folder", () => {
  const shared = tree({ "db/pg.yaml": "port: 5432\n", "config.yaml": "shadowed: true\n" });
  const main = tree({
    "config.yaml": `defaults:\n  - db: pg\nhydra:\n  searchpath: [file://${shared}]\n`,
  });
  const cfg = composeConfig({ configDir: main });
  assert.deepEqual(cfg.job().toObject(), { db: { port: 5432 } });
  assert.deepEqual(cfg.get("hydra.searchpath"), [`file://${shared}`]);
  Deno.removeSync(shared, { recursive: true });
  Deno.removeSync(main, { recursive: true });
});

Deno.test("hydra.searchpath from the command line, relative to the working directory", () => {
  const cwd = tree({
    "extra/db/pg.yaml": "port: 1\n",
    "main/config.yaml": "defaults:\n  - db: pg\n",
  });
  const cfg = composeConfig({ configDir: "main", cwd, overrides: ["hydra.searchpath=[extra]"] });
  assert.deepEqual(cfg.job().toObject(), { db: { port: 1 } });
  Deno.removeSync(cwd, { recursive: true });
});

Deno.test("hydra.searchpath rejects schemes other than file://", () => {
  const main = tree({ "config.yaml": "hydra:\n  searchpath: [pkg://x.conf]\n" });
  assert.throws(() => composeConfig({ configDir: main }), ConfigCompositionError);
  Deno.removeSync(main, { recursive: true });
});

Deno.test("a missing config folder is reported with the flags that set it", () => {
  assert.throws(
    () => composeConfig({ configDir: "/nonexistent/conf" }),
    /Config directory "\/nonexistent\/conf" not found/,
  );
});
