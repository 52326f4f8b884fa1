// esbuild resolves bare imports ("preact/hooks") through node_modules folders,
// which a Deno project does not have: its npm packages sit in Deno's cache, at
// the versions deno.lock pins. This links those cache folders into one flat
// node_modules folder that esbuild is given as a NODE_PATH.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

interface Lock {
  specifiers?: Record<string, string>;
  npm?: Record<string, unknown>;
}

/** `name@1.2.3_peer@4` → [name, 1.2.3]. */
function splitKey(key: string): [string, string] {
  const base = key.split("_")[0]!;
  const at = base.lastIndexOf("@");
  return [base.slice(0, at), base.slice(at + 1)];
}

/** Package name → version: the import map's pins first, then every other locked package. */
export function lockedVersions(lock: Lock): Map<string, string> {
  const out = new Map<string, string>();
  for (const [spec, resolved] of Object.entries(lock.specifiers ?? {})) {
    if (!spec.startsWith("npm:")) continue;
    const [name] = splitKey(spec.slice(4));
    out.set(name, resolved.split("_")[0]!);
  }
  for (const key of Object.keys(lock.npm ?? {})) {
    const [name, version] = splitKey(key);
    if (!out.has(name)) out.set(name, version);
  }
  return out;
}

async function npmCacheDir(): Promise<string> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  const info = code === 0 ? JSON.parse(new TextDecoder().decode(stdout)) : {};
  if (typeof info.npmCache !== "string") {
    throw new Error("Cannot bundle islands: `deno info --json` did not name the npm cache");
  }
  return info.npmCache;
}

/**
 * Creates `<into>/node_modules` with one link per npm package of deno.lock
 * that Deno has downloaded.
 *
 * @param configFile the deno.json whose deno.lock pins the versions
 * @param into the folder to create node_modules in
 * @returns the node_modules folder
 * @throws {Error} when there is no deno.lock beside the config
 */
export async function linkNpmPackages(configFile: string, into: string): Promise<string> {
  const lockFile = join(dirname(configFile), "deno.lock");
  let lock: Lock;
  try {
    lock = JSON.parse(await Deno.readTextFile(lockFile));
  } catch (err) {
    throw new Error(`Cannot bundle islands: cannot read "${lockFile}" (run deno install)`, {
      cause: err,
    });
  }
  const cache = join(await npmCacheDir(), "registry.npmjs.org");
  const modules = join(into, "node_modules");
  for (const [name, version] of lockedVersions(lock)) {
    const target = join(cache, name, version);
    if (!existsSync(target)) continue;
    const link = join(modules, name);
    await Deno.mkdir(dirname(link), { recursive: true });
    await Deno.symlink(target, link);
  }
  return modules;
}
