/**
 * Checkpoints: `checkpoints/checkpoint_000003/` holding `model.safetensors`
 * (parameters and buffers, named as the ONNX initializers),
 * `optimizer.safetensors` (optimizer state) and `state.json` (step, epoch,
 * learning rate, RNG state, metrics). A checkpoint directory is written under
 * a temporary name and renamed, so a crash never leaves half of one.
 *
 * @module
 */
import { join } from "node:path";
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from "./safetensors.ts";

/** Training progress saved beside the tensors. */
export interface CheckpointState {
  /** Optimizer steps taken so far. */
  step: number;
  /** Completed epochs. */
  epoch: number;
  /** Completed training iterations (evaluation rounds). */
  iteration: number;
  /** Learning rate of the next step. */
  lr: number;
  /** Seeded RNG states, by stream name. */
  rng?: Record<string, number[]>;
  /** Metrics of the evaluation at this point. */
  metrics?: Record<string, number>;
  /** Anything else the loop wants back on resume. */
  [key: string]: unknown;
}

/** A checkpoint in memory. */
export interface Checkpoint {
  params: Record<string, SafeTensor>;
  optimizer: Record<string, SafeTensor>;
  state: CheckpointState;
}

/** Folder name of checkpoint `index` (`checkpoint_000003`). */
export function checkpointName(index: number): string {
  return `checkpoint_${String(index).padStart(6, "0")}`;
}

/**
 * Writes a checkpoint atomically into `<runDir>/checkpoints/checkpoint_NNNNNN`.
 *
 * @param runDir the run directory
 * @param index checkpoint index (usually the iteration)
 * @param ckpt tensors and state
 * @param options `files`: more files written into the folder with it (e.g. `inference_model.onnx`)
 * @returns the checkpoint directory
 */
export async function saveCheckpoint(
  runDir: string,
  index: number,
  ckpt: Checkpoint,
  options: { files?: Readonly<Record<string, Uint8Array>> } = {},
): Promise<string> {
  const root = join(runDir, "checkpoints");
  await Deno.mkdir(root, { recursive: true });
  const final = join(root, checkpointName(index));
  const tmp = join(root, `.${checkpointName(index)}.${Deno.pid}.tmp`);
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp);
  try {
    await Deno.writeFile(
      join(tmp, "model.safetensors"),
      encodeSafetensors(ckpt.params, { format: "pt" }),
    );
    await Deno.writeFile(join(tmp, "optimizer.safetensors"), encodeSafetensors(ckpt.optimizer));
    await Deno.writeTextFile(join(tmp, "state.json"), JSON.stringify(ckpt.state, null, 2) + "\n");
    for (const [name, bytes] of Object.entries(options.files ?? {})) {
      await Deno.writeFile(join(tmp, name), bytes);
    }
    // A directory cannot be renamed over a non-empty one: move the old one
    // aside first, so that some complete checkpoint exists at every moment.
    const old = `${tmp}.old`;
    const hadOld = await Deno.rename(final, old).then(() => true, () => false);
    await Deno.rename(tmp, final);
    if (hadOld) await Deno.remove(old, { recursive: true });
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  return final;
}

/**
 * Reads a checkpoint directory.
 *
 * @param dir a `checkpoint_NNNNNN` folder
 * @returns tensors and state
 * @throws {Error} naming the folder and the missing or malformed file
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const read = async (name: string) => {
    try {
      return await Deno.readFile(join(dir, name));
    } catch (err) {
      throw new Error(`Cannot read checkpoint "${dir}": missing ${name}`, { cause: err });
    }
  };
  const params = decodeSafetensors(await read("model.safetensors"), join(dir, "model.safetensors"));
  const optimizer = decodeSafetensors(
    await read("optimizer.safetensors"),
    join(dir, "optimizer.safetensors"),
  );
  let state: CheckpointState;
  try {
    state = JSON.parse(new TextDecoder().decode(await read("state.json")));
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new SyntaxError(`Cannot read checkpoint "${dir}": state.json is not JSON`, {
        cause: err,
      });
    }
    throw err;
  }
  return { params: params.tensors, optimizer: optimizer.tensors, state };
}

/** A checkpoint found in a run directory. */
export interface CheckpointEntry {
  index: number;
  dir: string;
}

/**
 * Lists a run's checkpoints, oldest first.
 *
 * @param runDir the run directory
 * @returns the entries (empty when there are none)
 */
export async function listCheckpoints(runDir: string): Promise<CheckpointEntry[]> {
  const root = join(runDir, "checkpoints");
  const out: CheckpointEntry[] = [];
  try {
    for await (const e of Deno.readDir(root)) {
      const m = /^checkpoint_(\d+)$/.exec(e.name);
      if (e.isDirectory && m) out.push({ index: Number(m[1]), dir: join(root, e.name) });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Resolves a run directory or a checkpoint directory to one checkpoint: the
 * given one, or the run's latest.
 *
 * @param path a run directory or a `checkpoint_NNNNNN` folder
 * @returns the checkpoint folder
 * @throws {Error} when there is no checkpoint there
 */
export async function resolveCheckpoint(path: string): Promise<string> {
  try {
    await Deno.stat(join(path, "state.json"));
    return path;
  } catch {
    // Not a checkpoint folder itself: look for a run's checkpoints.
  }
  const all = await listCheckpoints(path);
  if (all.length === 0) {
    throw new Error(
      `Cannot resume from "${path}": no checkpoint there (expected checkpoints/checkpoint_NNNNNN/)`,
    );
  }
  return all[all.length - 1]!.dir;
}

/**
 * Checks checkpoint tensors against the model's expected names and dims.
 *
 * @param tensors the checkpoint's tensors
 * @param expected name → dims the model needs
 * @param where the checkpoint path, for messages
 * @throws {RangeError} naming the first missing, unexpected or mis-shaped tensor
 */
export function checkTensorsMatch(
  tensors: Record<string, SafeTensor>,
  expected: Map<string, number[]>,
  where: string,
): void {
  for (const [name, dims] of expected) {
    const t = tensors[name];
    if (!t) {
      throw new RangeError(`Checkpoint "${where}" does not match the model: no tensor "${name}"`);
    }
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new RangeError(
        `Checkpoint "${where}" does not match the model: "${name}" has dims [${t.dims}], expected [${dims}]`,
      );
    }
  }
  for (const name of Object.keys(tensors)) {
    if (!expected.has(name)) {
      throw new RangeError(
        `Checkpoint "${where}" does not match the model: unexpected tensor "${name}"`,
      );
    }
  }
}
