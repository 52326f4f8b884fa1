/**
 * The model of an experiment: the zoo network of `model:` (or an ONNX file
 * given as `model.path`), its Dropout nodes seeded, and initial weights taken
 * from another run (`trainer.init_from`: a run directory, a checkpoint or an
 * .onnx file) by matching names and dims.
 *
 * @module
 */
import { join } from "node:path";
import { buildModel, type ModelSpec } from "../nn/mod.ts";
import { loadModel, type Model, type Tensor, toAttribute } from "../onnx/mod.ts";
import { loadCheckpoint, resolveCheckpoint } from "./checkpoint.ts";
import type { ExperimentSettings } from "./settings.ts";

/**
 * The forward model in training mode, Dropout seeded from the run's seed so
 * that two runs with the same seed draw the same masks.
 *
 * @param s the settings (`model`, `modelPath`, `seed`)
 * @returns the model
 * @throws {TypeError|RangeError} for a bad model spec, naming the key
 * @throws {Error} when `model.path` cannot be read
 */
export async function buildForward(s: ExperimentSettings): Promise<Model> {
  let model: Model;
  if (s.modelPath) {
    model = await loadModel(s.modelPath);
  } else {
    const { path: _path, ...spec } = s.model;
    try {
      model = buildModel(spec as unknown as ModelSpec, { seed: s.seed, training: true });
    } catch (err) {
      const e = err as Error;
      const Kind = e instanceof TypeError ? TypeError : RangeError;
      throw new Kind(`Invalid model: ${e.message}`, { cause: err });
    }
  }
  seedDropout(model, s.seed);
  return model;
}

/**
 * Sets the `seed` attribute of every Dropout node from `seed` and the node's position.
 *
 * NOTE: ONNX Runtime seeds a Dropout kernel's generator once per session and
 * then advances it, so two runs with the same seed draw the same masks, but a
 * run resumed from a checkpoint starts the generator afresh: with dropout > 0
 * its masks differ from the uninterrupted run's (with dropout 0, the default,
 * a resumed run matches it exactly).
 *
 * @param model the model (changed in place)
 * @param seed the run's seed
 * @returns the number of Dropout nodes seeded
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "../nn/mod.ts";
 * import { seedDropout } from "./experiment_model.ts";
 * const model = buildModel({ name: "mlp", dropout: 0.2 }, { training: true });
 * assert.equal(seedDropout(model, 42), 2);
 * assert.ok(model.graph.nodes.filter((n) => n.opType === "Dropout").every((n) => n.attrs.has("seed")));
 * ```
 */
export function seedDropout(model: Model, seed: number): number {
  let n = 0;
  for (const node of model.graph.nodes) {
    if (node.opType !== "Dropout") continue;
    // A 31-bit value per node: ORT reads the attribute as an int64 seed.
    const value = (Math.imul(seed ^ 0x5bd1e995, 31) + Math.imul(n + 1, 0x9e3779b1)) >>> 1;
    node.attrs.set("seed", toAttribute("seed", value, "Dropout"));
    n++;
  }
  return n;
}

/** Where initial weights came from and how they matched. */
export interface InitReport {
  /** The file or folder read. */
  source: string;
  /** Weights taken. */
  matched: string[];
  /** Names present in both with other dims (left at their initial values). */
  mismatched: string[];
  /** Model weights the source does not have. */
  missing: string[];
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

/** The tensors of a run directory, checkpoint folder or .onnx file, and the file read. */
async function readWeights(
  path: string,
): Promise<{ source: string; tensors: Map<string, Tensor> }> {
  if (path.endsWith(".onnx") || await isFile(path)) {
    const model = await loadModel(path);
    return { source: path, tensors: model.graph.initializers };
  }
  const finalModel = join(path, "model.onnx");
  if (await isFile(finalModel)) return readWeights(finalModel);
  let dir: string;
  try {
    dir = await resolveCheckpoint(path);
  } catch (err) {
    throw new Error(
      `Cannot initialize from "${path}": no model.onnx, checkpoint or .onnx file there`,
      { cause: err },
    );
  }
  const ckpt = await loadCheckpoint(dir);
  return { source: dir, tensors: new Map(Object.entries(ckpt.params) as [string, Tensor][]) };
}

/**
 * Initial weights for a model from another run, matched by name and dims.
 *
 * @param path a run directory (its `model.onnx`, else its latest checkpoint),
 *   a checkpoint folder or an .onnx file
 * @param initial the model's own initial weights
 * @returns the weights to start from and what matched
 * @throws {Error} when nothing can be read there or no weight matches
 */
export async function initWeights(
  path: string,
  initial: ReadonlyMap<string, Tensor>,
): Promise<{ weights: Map<string, Tensor>; report: InitReport }> {
  const { source, tensors } = await readWeights(path);
  const weights = new Map(initial);
  const report: InitReport = { source, matched: [], mismatched: [], missing: [] };
  for (const [name, t] of initial) {
    const other = tensors.get(name);
    if (!other) report.missing.push(name);
    else if (other.dtype !== t.dtype || other.dims.join() !== t.dims.join()) {
      report.mismatched.push(name);
    } else {
      weights.set(name, other);
      report.matched.push(name);
    }
  }
  if (report.matched.length === 0) {
    throw new RangeError(
      `Cannot initialize from "${source}": none of its ${tensors.size} tensors matches the model's ` +
        `weights by name and dims (the model has e.g. "${[...initial.keys()][0]}")`,
    );
  }
  return { weights, report };
}
