import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeManifest } from "./manifest.ts";
import { islandName } from "./_islands.ts";
import type { Manifest } from "./types.ts";

/** The built client code: a boot module, one entry per island and shared chunks. */
export interface IslandBundle {
  /** File name of the boot module. */
  boot: string;
  /** Island name → file name of its entry module. */
  islands: Record<string, string>;
  /** File name → file names it imports statically. */
  imports: Record<string, string[]>;
  /** File name → contents. File names carry a content hash. */
  files: Map<string, Uint8Array>;
}

/** Options of {@linkcode buildIslandBundle}. */
export interface BuildBundleOptions {
  /** Folder the bundle is written to (`<root>/build/web`). */
  outDir: string;
  /** deno.json whose import map and JSX settings apply (default: nearest above the manifest). */
  config?: string;
  /** Minify (default true). */
  minify?: boolean;
}

const META = "bundle.json";
const BOOT_ENTRY = "_boot";
const CLIENT = fileURLToPath(new URL("./_client.ts", import.meta.url));

/** The deno.json nearest above a folder, or undefined. */
export function findDenoConfig(dir: string): string | undefined {
  for (let d = dir;; d = dirname(d)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      if (existsSync(join(d, name))) return join(d, name);
    }
    if (dirname(d) === d) return undefined;
  }
}

function specifier(from: string, file: string): string {
  const rel = relative(from, file).replaceAll("\\", "/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

async function hash(bytes: Uint8Array, length: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest.subarray(0, length), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Static imports of a bundled ESM file (`import … from "./x.js"`, `import "./x.js"`). */
export function staticImports(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) out.add(m[1]!);
  return [...out];
}

async function runDenoBundle(entries: string[], outDir: string, options: BuildBundleOptions) {
  const args = ["bundle", "--quiet", "--platform=browser", "--format=esm", "--code-splitting"];
  if (options.minify ?? true) args.push("--minify");
  if (options.config) args.push(`--config=${options.config}`);
  args.push(`--outdir=${outDir}`, ...entries);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "null",
    stderr: "piped",
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  }).output();
  if (code !== 0) {
    const text = new TextDecoder().decode(stderr).trim();
    const line = text.split("\n").find((l) => /error/i.test(l)) ?? text.split("\n")[0];
    throw new Error(`Cannot bundle islands: deno bundle failed: ${line}`, {
      cause: new Error(text),
    });
  }
}

/**
 * Bundles the manifest's islands for the browser with `deno bundle` (esbuild
 * inside Deno, which resolves the import map's npm packages): one entry per
 * island, a boot module and shared chunks, content-hashed, written to `outDir`
 * with a `bundle.json` index, replacing what was there.
 *
 * @param manifest the app's manifest
 * @param options output folder, deno.json, minify
 * @returns the bundle, read back
 * @throws {Error} when bundling fails (a syntax error in an island…)
 */
export async function buildIslandBundle(
  manifest: Manifest,
  options: BuildBundleOptions,
): Promise<IslandBundle> {
  const base = dirname(fileURLToPath(manifest.baseUrl));
  const config = options.config ?? findDenoConfig(base);
  const tmp = `${options.outDir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const entriesDir = join(tmp, "entries");
  await Deno.mkdir(entriesDir, { recursive: true });
  try {
    const entries: string[] = [join(entriesDir, `${BOOT_ENTRY}.ts`)];
    await Deno.writeTextFile(entries[0]!, `import "${specifier(entriesDir, CLIENT)}";\n`);
    for (const key of Object.keys(manifest.islands).sort()) {
      const file = fileURLToPath(new URL(key, manifest.baseUrl));
      const entry = join(entriesDir, `${islandName(key)}.ts`);
      await Deno.writeTextFile(
        entry,
        `export { default } from "${specifier(entriesDir, file)}";\n`,
      );
      entries.push(entry);
    }
    const raw = join(tmp, "raw");
    await runDenoBundle(entries, raw, { ...options, config });
    const bundle: IslandBundle = { boot: "", islands: {}, imports: {}, files: new Map() };
    const js = join(tmp, "js");
    await Deno.mkdir(js);
    const outputs = (await Array.fromAsync(Deno.readDir(raw))).sort((a, b) =>
      a.name < b.name ? -1 : 1
    );
    for (const e of outputs) {
      if (!e.isFile || !e.name.endsWith(".js")) continue;
      const bytes = await Deno.readFile(join(raw, e.name));
      const stem = e.name.slice(0, -3);
      let name = e.name;
      if (!stem.startsWith("chunk-")) {
        name = `${stem}-${await hash(bytes, 6)}.js`;
        if (stem === BOOT_ENTRY) bundle.boot = name;
        else bundle.islands[stem] = name;
      }
      bundle.files.set(name, bytes);
      bundle.imports[name] = staticImports(new TextDecoder().decode(bytes));
      await Deno.writeFile(join(js, name), bytes);
    }
    const meta = { boot: bundle.boot, islands: bundle.islands, imports: bundle.imports };
    await Deno.writeTextFile(join(tmp, META), JSON.stringify(meta, null, 2) + "\n");
    await Deno.remove(raw, { recursive: true });
    await Deno.remove(entriesDir, { recursive: true });
    await replaceDir(tmp, options.outDir);
    return bundle;
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
}

async function replaceDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const old = `${to}.old-${crypto.randomUUID().slice(0, 8)}`;
  const had = existsSync(to);
  if (had) await Deno.rename(to, old);
  await Deno.rename(from, to);
  if (had) await Deno.remove(old, { recursive: true });
}

/**
 * Reads a bundle written by {@linkcode buildIslandBundle}.
 *
 * @param outDir the bundle folder
 * @returns the bundle
 * @throws {Error} when the folder holds no bundle (run `deno task build`)
 */
export async function readIslandBundle(outDir: string): Promise<IslandBundle> {
  let meta: Omit<IslandBundle, "files">;
  try {
    meta = JSON.parse(await Deno.readTextFile(join(outDir, META)));
  } catch (err) {
    throw new Error(
      `Cannot read the island bundle in "${outDir}": no ${META} (run deno task build)`,
      { cause: err },
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const name of Object.keys(meta.imports)) {
    files.set(name, await Deno.readFile(join(outDir, "js", name)));
  }
  return { ...meta, files };
}

/**
 * Files a page loads for a set of islands: the boot module, the islands'
 * entries and every chunk they import, each once.
 *
 * @param bundle the bundle
 * @param names island names
 * @returns file names, boot first
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bundleFilesFor } from "./mod.ts";
 * const bundle = {
 *   boot: "_boot-1.js", islands: { A: "A-2.js" }, files: new Map(),
 *   imports: { "_boot-1.js": ["chunk-P.js"], "A-2.js": ["chunk-P.js", "chunk-H.js"] },
 * };
 * assert.deepEqual(bundleFilesFor(bundle, ["A"]), ["_boot-1.js", "chunk-P.js", "A-2.js", "chunk-H.js"]);
 * ```
 */
export function bundleFilesFor(bundle: IslandBundle, names: Iterable<string>): string[] {
  const out = new Set<string>();
  const visit = (file: string) => {
    if (out.has(file)) return;
    out.add(file);
    for (const dep of bundle.imports[file] ?? []) visit(dep);
  };
  visit(bundle.boot);
  for (const name of names) {
    const file = bundle.islands[name];
    if (file) visit(file);
  }
  return [...out];
}

/** Options of {@linkcode buildApp}. */
export interface BuildAppOptions {
  /** Where the bundle goes (default `<root>/build/web`). */
  outDir?: string;
  /** Minify (default true). */
  minify?: boolean;
}

/**
 * What `deno task build` does: writes `<root>/routes.gen.ts`, then bundles the
 * islands it lists into `<root>/build/web`.
 *
 * @param root the app folder (holding routes/ and islands/)
 * @param options output folder, minify
 * @returns the manifest path, whether it changed, and the bundle
 * @throws {TypeError} when `root` has no routes
 * @throws {Error} when bundling fails
 */
export async function buildApp(
  root: string,
  options: BuildAppOptions = {},
): Promise<{ manifest: string; changed: boolean; bundle: IslandBundle }> {
  const { path, changed } = await writeManifest(root);
  const mod = await import(pathToFileURL(path).href) as { manifest?: Manifest };
  if (!mod.manifest) throw new TypeError(`Cannot build "${root}": ${path} exports no manifest`);
  const bundle = await buildIslandBundle(mod.manifest, {
    outDir: options.outDir ?? join(root, "build", "web"),
    minify: options.minify,
  });
  return { manifest: path, changed, bundle };
}
