/**
 * Running the server in the background: a pid file (JSON with the pid and
 * the three URLs, so other programs find a running server), start as a
 * detached child that is ready once `/ping` answers, and stop by signal.
 *
 * @module
 */
import { dirname } from "node:path";

/** What the pid file holds. */
export interface PidInfo {
  /** The server's process id. */
  pid: number;
  /** Where its APIs listen ("" when the pid file holds a bare pid). */
  inferenceUrl: string;
  /** Management API URL. */
  managementUrl: string;
  /** Metrics API URL. */
  metricsUrl: string;
  /** ISO time it started. */
  startedAt: string;
}

/**
 * Writes the pid file atomically.
 *
 * @param path the pid file
 * @param info pid and URLs
 */
export async function writePidFile(path: string, info: PidInfo): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(info, null, 2) + "\n");
  await Deno.rename(tmp, path);
}

/**
 * Reads a pid file (JSON, or a bare pid as TorchServe writes).
 *
 * @param path the pid file
 * @returns its contents, or undefined when there is none
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPidFile } from "./daemon.ts";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "4242\n");
 * assert.equal((await readPidFile(file))?.pid, 4242);
 * await Deno.remove(file);
 * assert.equal(await readPidFile(file), undefined);
 * ```
 */
export async function readPidFile(path: string): Promise<PidInfo | undefined> {
  let text: string;
  try {
    text = (await Deno.readTextFile(path)).trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return {
      pid: Number(text),
      inferenceUrl: "",
      managementUrl: "",
      metricsUrl: "",
      startedAt: "",
    };
  }
  try {
    const info = JSON.parse(text) as PidInfo;
    return Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process is running (and not a zombie). Linux: reads /proc.
 *
 * @param pid process id
 * @returns true while it runs
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAlive } from "./daemon.ts";
 * assert.equal(isAlive(Deno.pid), true);
 * ```
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Options of {@linkcode startDaemon}. */
export interface DaemonOptions {
  /** The pid file the child writes once it listens. */
  pidFile: string;
  /** How long to wait for the child to answer `/ping` (ms). */
  timeoutMs?: number;
}

/**
 * Starts `deno run -A <entry> ...args` detached and waits until it is ready.
 *
 * @param entry the server's CLI script (path or file URL)
 * @param args its arguments (they must make it run in the foreground)
 * @param options pid file and timeout
 * @returns the child's pid file contents
 * @throws {Error} when a server already runs, or the child exits or is not ready in time
 */
export async function startDaemon(
  entry: string,
  args: string[],
  options: DaemonOptions,
): Promise<PidInfo> {
  const running = await readPidFile(options.pidFile);
  if (running && isAlive(running.pid)) {
    throw new Error(
      `A model server is already running (pid ${running.pid}, pid file ${options.pidFile}): ` +
        `stop it with --stop`,
    );
  }
  const errorFile = `${options.pidFile}.error`;
  await Deno.remove(errorFile).catch(() => {});
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    env: { LIFECYCLE_SERVE_ERROR_FILE: errorFile },
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const info = await readPidFile(options.pidFile);
    if (info?.pid === child.pid && await pings(info.inferenceUrl)) return info;
    if (exited) {
      const why = await Deno.readTextFile(errorFile).catch(() => "no error recorded");
      throw new Error(`The model server exited during start-up: ${why.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    Deno.kill(child.pid, "SIGTERM");
  } catch { /* gone */ }
  throw new Error(
    `The model server did not answer /ping within ${options.timeoutMs ?? 120_000} ms`,
  );
}

async function pings(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Stops the server named by a pid file (SIGTERM, then SIGKILL after the timeout).
 *
 * @param pidFile the pid file
 * @param timeoutMs how long a clean stop may take
 * @returns the stopped pid
 * @throws {Error} when no server runs
 */
export async function stopDaemon(pidFile: string, timeoutMs = 60_000): Promise<number> {
  const info = await readPidFile(pidFile);
  if (!info || !isAlive(info.pid)) {
    await Deno.remove(pidFile).catch(() => {});
    throw new Error(
      `No running model server: ${info ? "stale" : "no"} pid file ${pidFile}` +
        (info
          ? ""
          : `; to stop a server started with another --log-location or pid_file, give the same`),
    );
  }
  Deno.kill(info.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(info.pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (isAlive(info.pid)) Deno.kill(info.pid, "SIGKILL");
  await Deno.remove(pidFile).catch(() => {});
  return info.pid;
}
