/**
 * Reading a training run directory: its composed config, results, checkpoints
 * (the best one by test accuracy, or the one results.json names) and the
 * trained model of a checkpoint.
 *
 * A checkpoint's model is its own `inference_model.onnx` when the loop saved
 * one beside it, else `artifacts/inference_model.onnx` with its initializers
 * replaced by the checkpoint's `model.safetensors` tensors (by name).
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { parse } from "yaml";
import { type DType, loadModel, type Model, tensor, type TensorData } from "../onnx/mod.ts";
import { type CheckpointEntry, decodeSafetensors, listCheckpoints } from "../train/mod.ts";

/** An opened run directory. */
export interface RunInfo {
  dir: string;
  /** The composed config (config.yaml). */
  config: Record<string, unknown>;
  /** `model.name` of the config (e.g. "cnn"). */
  model: string;
  /** `experiment_name` of the config. */
  experiment: string;
  /** The run folder's name (`<run_name>_<timestamp>`). */
  run: string;
  /** results.json, when the run finished. */
  results?: Record<string, unknown>;
  /** params.json, when present. */
  params?: Record<string, unknown>;
  checkpoints: CheckpointEntry[];
}

/** A chosen checkpoint. */
export interface ChosenCheckpoint extends CheckpointEntry {
  /** Metrics of its evaluation (state.json), if saved. */
  metrics: Record<string, number>;
  /** Why this one: "requested", "best (…)" or "latest". */
  why: string;
}

/** Metric names read as accuracy, first found wins. */
const ACCURACY_KEYS = ["test_accuracy", "accuracy", "val_accuracy", "eval_accuracy"];

/**
 * Opens a run directory.
 *
 * @param dir The run directory.
 * @returns What it holds.
 * @throws {Error} When it is not a run directory (no config.yaml) or has no checkpoints.
 * @throws {SyntaxError} When config.yaml or results.json cannot be parsed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openRun, pickCheckpoint } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/config.yaml`, "model:\n  name: cnn\nexperiment_name: exp_0\n");
 * for (const [i, acc] of [[1, 0.9], [2, 0.95], [3, 0.93]]) {
 *   await Deno.mkdir(`${dir}/checkpoints/checkpoint_00000${i}`, { recursive: true });
 *   await Deno.writeTextFile(`${dir}/checkpoints/checkpoint_00000${i}/state.json`, JSON.stringify({ metrics: { test_accuracy: acc } }));
 * }
 * const run = await openRun(dir);
 * assert.deepEqual([run.model, run.experiment], ["cnn", "exp_0"]);
 * assert.equal((await pickCheckpoint(run)).index, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openRun(dir: string): Promise<RunInfo> {
  const abs = resolve(dir);
  const text = await readText(join(abs, "config.yaml"));
  if (text === undefined) {
    throw new Error(
      `Cannot read run directory "${dir}": no config.yaml there (expected a results/<model>/<experiment>/<run>_<timestamp>/ folder of deno task train)`,
    );
  }
  let config: Record<string, unknown>;
  try {
    config = (parse(text, { version: "1.1" }) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new SyntaxError(`Cannot parse "${join(dir, "config.yaml")}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  const results = await readJson(join(abs, "results.json"));
  const params = await readJson(join(abs, "params.json"));
  const checkpoints = await listCheckpoints(abs);
  if (checkpoints.length === 0) {
    throw new Error(
      `Run directory "${dir}" has no checkpoints: expected checkpoints/checkpoint_NNNNNN/ (did training finish an iteration?)`,
    );
  }
  const modelBlock = (config.model ?? {}) as Record<string, unknown>;
  return {
    dir: abs,
    config,
    model: String(modelBlock.name ?? results?.model ?? "model"),
    experiment: String(config.experiment_name ?? results?.experiment_name ?? "default"),
    run: basename(abs),
    results,
    params,
    checkpoints,
  };
}

/**
 * Picks a checkpoint: the requested index, else the one results.json names as
 * best, else the one with the highest test accuracy, else the latest.
 *
 * @param run An opened run.
 * @param index The checkpoint index asked for, if any.
 * @returns The checkpoint, its metrics and why it was chosen.
 * @throws {RangeError} For an index the run does not have, listing those it has.
 */
export async function pickCheckpoint(run: RunInfo, index?: number): Promise<ChosenCheckpoint> {
  const withMetrics = async (c: CheckpointEntry, why: string): Promise<ChosenCheckpoint> => ({
    ...c,
    metrics: await checkpointMetrics(c.dir),
    why,
  });
  if (index !== undefined) {
    const c = run.checkpoints.find((e) => e.index === index);
    if (!c) {
      throw new RangeError(
        `Run "${run.dir}" has no checkpoint ${index}: available ${
          run.checkpoints.map((e) => e.index).join(", ")
        }`,
      );
    }
    return withMetrics(c, "requested");
  }
  const named = namedBest(run);
  if (named) return withMetrics(named, "best (results.json)");
  const all = await Promise.all(run.checkpoints.map((c) => withMetrics(c, "")));
  let best: ChosenCheckpoint | undefined;
  for (const c of all) {
    const a = accuracyOf(c.metrics);
    if (a !== undefined && (best === undefined || a >= accuracyOf(best.metrics)!)) best = c;
  }
  if (best) {
    return { ...best, why: `best (${accuracyKey(best.metrics)} ${accuracyOf(best.metrics)})` };
  }
  return { ...all[all.length - 1]!, why: "latest (no checkpoint saved an accuracy)" };
}

function namedBest(run: RunInfo): CheckpointEntry | undefined {
  const paths = run.results?.paths as Record<string, unknown> | undefined;
  const rel = paths?.best_checkpoint ?? run.results?.best_checkpoint;
  if (typeof rel === "number") return run.checkpoints.find((c) => c.index === rel);
  if (typeof rel !== "string") return undefined;
  const m = /checkpoint_(\d+)\/?$/.exec(rel);
  return m ? run.checkpoints.find((c) => c.index === Number(m[1])) : undefined;
}

/** The accuracy among a checkpoint's metrics, if any.  * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyOf } from "./mod.ts";
 * assert.equal(accuracyOf({ test_loss: 0.1, test_accuracy: 0.98 }), 0.98);
 * ```
 */
export function accuracyOf(metrics: Record<string, number>): number | undefined {
  const k = accuracyKey(metrics);
  return k === undefined ? undefined : metrics[k];
}

function accuracyKey(metrics: Record<string, number>): string | undefined {
  return ACCURACY_KEYS.find((k) => typeof metrics[k] === "number" && Number.isFinite(metrics[k]));
}

async function checkpointMetrics(dir: string): Promise<Record<string, number>> {
  const state = await readJson(join(dir, "state.json"));
  const m = (state?.metrics ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === "number")) as Record<
    string,
    number
  >;
}

/**
 * The trained model of a checkpoint.
 *
 * @param run An opened run.
 * @param checkpoint One of its checkpoints.
 * @returns The inference model with the checkpoint's weights.
 * @throws {Error} When neither the checkpoint's nor the artifacts' inference model exists,
 *   or the checkpoint's tensors do not match the model's initializers.
 */
export async function loadRunModel(run: RunInfo, checkpoint: CheckpointEntry): Promise<Model> {
  const own = join(checkpoint.dir, "inference_model.onnx");
  if (await exists(own)) return await loadModel(own);
  const base = join(run.dir, "artifacts", "inference_model.onnx");
  if (!(await exists(base))) {
    throw new Error(
      `Cannot load the model of "${checkpoint.dir}": neither it nor "${run.dir}/artifacts" holds inference_model.onnx`,
    );
  }
  const model = await loadModel(base);
  const file = join(checkpoint.dir, "model.safetensors");
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (err) {
    throw new Error(`Cannot read checkpoint "${checkpoint.dir}": missing model.safetensors`, {
      cause: err,
    });
  }
  const { tensors } = decodeSafetensors(bytes, file);
  for (const [name, t] of Object.entries(tensors)) {
    const init = model.graph.initializers.get(name);
    if (!init) continue;
    if (init.dims.join(",") !== t.dims.join(",")) {
      throw new RangeError(
        `Checkpoint "${file}" does not match the model: "${name}" has dims [${t.dims}], expected [${init.dims}]`,
      );
    }
    model.graph.initializers.set(name, tensor(t.dtype as DType, t.dims, t.data as TensorData));
  }
  return model;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Cannot parse "${path}": ${(err as Error).message}`, { cause: err });
  }
}
