/**
 * Locates the read-only reference folder (`shared/`: PyTorch exports, baselines,
 * conformance checks) for tests and benchmarks: `LIFECYCLE_SHARED_DIR`, else
 * `../shared` beside the repository, else `/work/shared`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const REPO_ROOT = resolve(dirname(fromFileUrl(import.meta.url)), "..");

function fromFileUrl(url: string): string {
  return new URL(url).pathname;
}

function locate(): string | undefined {
  const candidates = [
    Deno.env.get("LIFECYCLE_SHARED_DIR"),
    join(REPO_ROOT, "..", "shared"),
    "/work/shared",
  ];
  return candidates.find((c) => c !== undefined && existsSync(join(c, "data"))) ?? undefined;
}

/** Absolute path of the shared folder, or undefined when it is absent. */
export const SHARED_DIR: string | undefined = locate();

/** Absolute path of the repository root. */
export const ROOT_DIR: string = REPO_ROOT;

/**
 * Path inside the shared folder; throws a clear error when the folder is absent.
 *
 * @param parts path segments below shared/
 * @returns the absolute path
 */
export function sharedPath(...parts: string[]): string {
  if (!SHARED_DIR) {
    throw new Error(
      "Cannot find the shared reference folder: set LIFECYCLE_SHARED_DIR to its path",
    );
  }
  return join(SHARED_DIR, ...parts);
}

/** What a CLI run printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an entry point of `cli/` in a subprocess, as `deno task` would from `cwd`
 * (`INIT_CWD` is where relative paths on the command line resolve).
 *
 * @param script file name in cli/, e.g. "serve.ts"
 * @param args command-line arguments
 * @param options working folder and extra environment
 * @returns exit code and output
 */
export async function runCli(
  script: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "cli", script), ...args],
    cwd: options.cwd,
    env: { INIT_CWD: options.cwd, ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}
