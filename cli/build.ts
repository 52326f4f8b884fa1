/**
 * `deno task build [--root DIR]`: writes the web app's manifest (routes.gen.ts)
 * and bundles its islands into build/web.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { buildApp } from "../lib/web/mod.ts";
import { runMain } from "./_main.ts";

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { root: { type: "string", default: "." } } });
  const root = resolve(values.root!);
  const { manifest, changed, bundle } = await buildApp(root);
  const sizes = [...bundle.files.values()].reduce((n, b) => n + b.byteLength, 0);
  console.log(`${changed ? "wrote" : "unchanged"} ${manifest}`);
  console.log(
    `bundled ${
      Object.keys(bundle.islands).length
    } islands: ${bundle.files.size} files, ${sizes} bytes`,
  );
  return 0;
}

if (import.meta.main) await runMain(main);
