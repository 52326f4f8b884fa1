// Runs esbuild (npm:esbuild, pinned in deno.json) over the island entries:
// ESM for browsers, code-split into shared chunks, content-hashed names.
import { basename, join } from "node:path";
import * as esbuild from "esbuild";
import { linkNpmPackages } from "./_npm_paths.ts";

/** What one esbuild run produced. */
export interface EsbuildOutput {
  /** Output file name → contents. */
  files: Map<string, Uint8Array>;
  /** Entry name → output file name. */
  entries: Map<string, string>;
  /** Output file name → output files it imports statically. */
  imports: Record<string, string[]>;
}

/** Options of {@linkcode runEsbuild}. */
export interface EsbuildOptions {
  /** deno.json: its deno.lock pins the npm packages, its compilerOptions set JSX. */
  config: string;
  /** A scratch folder (the npm links go there). */
  workDir: string;
  /** Folder error locations are relative to. */
  root: string;
  minify: boolean;
}

let running = 0;

async function jsxImportSource(config: string): Promise<string> {
  try {
    const json = JSON.parse(await Deno.readTextFile(config));
    return json.compilerOptions?.jsxImportSource ?? "preact";
  } catch {
    return "preact"; // deno.jsonc or unreadable: the project's default
  }
}

function failure(err: unknown): Error {
  const first = (err as esbuild.BuildFailure).errors?.[0];
  if (!first) return new Error(`Cannot bundle islands: ${(err as Error).message}`, { cause: err });
  const at = first.location
    ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: `
    : "";
  return new Error(`Cannot bundle islands: ${at}${first.text}`, { cause: err });
}

/**
 * Bundles named entry files for the browser.
 *
 * @throws {Error} naming the file, line and column of the first build error
 */
export async function runEsbuild(
  entries: Record<string, string>,
  options: EsbuildOptions,
): Promise<EsbuildOutput> {
  const nodeModules = await linkNpmPackages(options.config, options.workDir);
  const outdir = join(options.workDir, "out");
  running++;
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: entries,
      absWorkingDir: options.root,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: options.minify,
      legalComments: "none",
      jsx: "automatic",
      jsxImportSource: await jsxImportSource(options.config),
      nodePaths: [nodeModules],
      define: { "process.env.NODE_ENV": '"production"' },
      outdir,
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
  } catch (err) {
    throw failure(err);
  } finally {
    // The service is a child process: stop it once no build needs it.
    if (--running === 0) await esbuild.stop();
  }
  const out: EsbuildOutput = { files: new Map(), entries: new Map(), imports: {} };
  for (const file of result.outputFiles) out.files.set(basename(file.path), file.contents);
  for (const [path, meta] of Object.entries(result.metafile.outputs)) {
    const name = basename(path);
    if (!name.endsWith(".js")) continue;
    out.imports[name] = meta.imports
      .filter((i) => i.kind === "import-statement")
      .map((i) => basename(i.path));
    if (meta.entryPoint) out.entries.set(name.replace(/-[A-Z0-9]+\.js$/, ""), name);
  }
  return out;
}
