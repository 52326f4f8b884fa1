import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeManifest } from "./manifest.ts";
import { runEsbuild } from "./_esbuild.ts";
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
  /** deno.json whose deno.lock and JSX settings apply (default: nearest above the manifest). */
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

/**
 * Bundles the manifest's islands for the browser with esbuild (npm packages
 * resolved at the versions deno.lock pins, from Deno's cache: nothing is
 * fetched): one entry per island, a boot module and shared chunks, names
 * content-hashed, written to `outDir` with a `bundle.json` index, replacing
 * what was there.
 *
 * @param manifest the app's manifest
 * @param options output folder, deno.json, minify
 * @returns the bundle
 * @throws {Error} when bundling fails (naming file, line and column), or no deno.json is found
 */
export async function buildIslandBundle(
  manifest: Manifest,
  options: BuildBundleOptions,
): Promise<IslandBundle> {
  const root = dirname(fileURLToPath(manifest.baseUrl));
  const config = options.config ?? findDenoConfig(root);
  if (!config) throw new Error(`Cannot bundle islands: no deno.json in or above "${root}"`);
  const tmp = `${options.outDir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(join(tmp, "js"), { recursive: true });
  try {
    const entries: Record<string, string> = { [BOOT_ENTRY]: CLIENT };
    for (const key of Object.keys(manifest.islands)) {
      entries[islandName(key)] = fileURLToPath(new URL(key, manifest.baseUrl));
    }
    const out = await runEsbuild(entries, {
      config,
      workDir: tmp,
      root,
      minify: options.minify ?? true,
    });
    const boot = out.entries.get(BOOT_ENTRY)!;
    out.entries.delete(BOOT_ENTRY);
    const bundle: IslandBundle = {
      boot,
      islands: Object.fromEntries([...out.entries].sort()),
      imports: out.imports,
      files: out.files,
    };
    for (const [name, bytes] of out.files) await Deno.writeFile(join(tmp, "js", name), bytes);
    const meta = { boot: bundle.boot, islands: bundle.islands, imports: bundle.imports };
    await Deno.writeTextFile(join(tmp, META), JSON.stringify(meta, null, 2) + "\n");
    await Deno.remove(join(tmp, "node_modules"), { recursive: true });
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
