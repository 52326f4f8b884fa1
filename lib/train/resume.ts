/**
 * Resuming a run: the checkpoint a `trainer.resume` path names, the run
 * directory it belongs to, and the overrides the run was started with (so that
 * `deno task train trainer.resume=<run dir>` continues the same experiment).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseYaml } from "../config/mod.ts";
import { type Checkpoint, loadCheckpoint, resolveCheckpoint } from "./checkpoint.ts";
import { type LoopState, loopStateOf } from "./loop_state.ts";

/** A checkpoint to resume from. */
export interface ResumePoint {
  /** The run directory the checkpoint belongs to. */
  runDir: string;
  /** The checkpoint folder. */
  dir: string;
  checkpoint: Checkpoint;
  state: LoopState;
}

/**
 * The run directory of a run folder or of one of its checkpoint folders.
 *
 * @param path a run directory or `<run>/checkpoints/checkpoint_NNNNNN`
 * @returns the run directory (absolute)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDirOfPath } from "./resume.ts";
 * assert.equal(runDirOfPath("/r/run_1/checkpoints/checkpoint_000003"), "/r/run_1");
 * assert.equal(runDirOfPath("/r/run_1"), "/r/run_1");
 * ```
 */
export function runDirOfPath(path: string): string {
  const abs = resolve(path);
  if (/^checkpoint_\d+$/.test(basename(abs)) && basename(dirname(abs)) === "checkpoints") {
    return dirname(dirname(abs));
  }
  return abs;
}

/**
 * Finds and reads the checkpoint to resume from.
 *
 * @param path a run directory (its latest checkpoint) or a checkpoint folder
 * @returns the checkpoint, its loop state and its run directory
 * @throws {Error} when there is no checkpoint there
 * @throws {SyntaxError} when its state.json is not the loop's
 */
export async function findResumePoint(path: string): Promise<ResumePoint> {
  const dir = await resolveCheckpoint(resolve(path));
  const checkpoint = await loadCheckpoint(dir);
  return {
    runDir: runDirOfPath(dir),
    dir,
    checkpoint,
    state: loopStateOf(checkpoint.state, dir),
  };
}

const RESUME = /^(\+{0,2})trainer\.resume=(.+)$/;
const DROPPED = /^[+~]{0,2}trainer\.(resume|init_from)(=|$)/;

/**
 * Command-line arguments with the resumed run's own overrides put first, so a
 * resume composes the experiment the run was started with; later arguments win.
 * Without a `trainer.resume=` argument the arguments come back unchanged.
 *
 * @param args the CLI's arguments
 * @param cwd where a relative resume path starts
 * @returns the arguments to compose
 * @throws {SyntaxError} when the run's `.hydra/overrides.yaml` is not a list
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withResumeOverrides } from "./resume.ts";
 * const run = await Deno.makeTempDir();
 * await Deno.mkdir(`${run}/.hydra`);
 * await Deno.writeTextFile(`${run}/.hydra/overrides.yaml`, "- model=vit\n- trainer.init_from=/x\n");
 * assert.deepEqual(await withResumeOverrides([`trainer.resume=${run}`, "seed=3"]), [
 *   "model=vit", `trainer.resume=${run}`, "seed=3",
 * ]);
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function withResumeOverrides(args: string[], cwd = Deno.cwd()): Promise<string[]> {
  const arg = args.find((a) => RESUME.test(a));
  if (!arg) return args;
  const path = RESUME.exec(arg)![2]!.replace(/^(["'])(.*)\1$/, "$2");
  const file = join(runDirOfPath(resolve(cwd, path)), ".hydra", "overrides.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    return args; // Not a run directory of this project: the resume itself will say so.
  }
  const saved = parseYaml(text, file);
  if (!Array.isArray(saved) || !saved.every((o) => typeof o === "string")) {
    throw new SyntaxError(`Cannot read "${file}": expected a list of overrides`);
  }
  return [...saved.filter((o) => !DROPPED.test(o)), ...args];
}
