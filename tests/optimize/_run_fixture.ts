/**
 * Builds small run directories in the training loop's layout for the
 * optimize tests: config.yaml, params.json, results.json, artifacts/, and
 * checkpoints made by a few real TrainSession steps on MNIST.
 *
 * @module
 */
import { join } from "node:path";
import { stringify } from "yaml";
import { mnistSplit } from "../../lib/data/mod.ts";
import { buildModel, type ModelSpec } from "../../lib/nn/mod.ts";
import { tensor } from "../../lib/onnx/mod.ts";
import {
  generateArtifacts,
  saveArtifacts,
  saveCheckpoint,
  TrainSession,
} from "../../lib/train/mod.ts";

/** Options of {@linkcode makeRun}. */
export interface RunFixture {
  spec?: ModelSpec;
  /** Checkpoint index -> test accuracy saved in its state.json (default {1: 0.5, 2: 0.7, 3: 0.6}). */
  checkpoints?: Record<number, number>;
  /** Training steps before each checkpoint (default 8). */
  steps?: number;
  /** results.json `paths.best_checkpoint` (default none). */
  bestCheckpoint?: number;
  /** Override of the data block. */
  data?: Record<string, unknown>;
  /** Write checkpoints at all (default true). */
  withCheckpoints?: boolean;
}

/**
 * Makes `<root>/results/<model>/default/run_2026-01-01_10-00-00/` and returns its path.
 *
 * @param root A temporary folder.
 * @param f What to put in it.
 * @returns The run directory.
 */
export async function makeRun(root: string, f: RunFixture = {}): Promise<string> {
  const spec = f.spec ?? { name: "cnn", channels: [16, 32], hidden: 32 } as ModelSpec;
  const name = (spec as { name: string }).name;
  const dir = join(root, "results", name, "default", "run_2026-01-01_10-00-00");
  await Deno.mkdir(dir, { recursive: true });
  const data = f.data ?? {
    name: "mnist",
    num_samples: 10000,
    test_size: 0.2,
    split_seed: 1234,
    image_shape: [1, 28, 28],
    num_classes: 10,
    normalize: { mean: [0.1307], std: [0.3081] },
    transforms: { train: [], test: null },
  };
  const config = {
    model: spec,
    data,
    experiment_name: "default",
    run_name: "run",
    seed: 42,
    trainer: { batch_size: 32 },
  };
  await Deno.writeTextFile(join(dir, "config.yaml"), stringify(config));
  await Deno.writeTextFile(join(dir, "params.json"), JSON.stringify({ model: spec, seed: 42 }));
  const forward = buildModel(spec, { seed: 42, training: true });
  const artifacts = generateArtifacts(forward, { optimizer: { name: "adam" } });
  await saveArtifacts(join(dir, "artifacts"), artifacts);
  const results: Record<string, unknown> = {
    model: name,
    experiment_name: "default",
    data: { classes: [..."0123456789"] },
  };
  if (f.bestCheckpoint !== undefined) {
    results.paths = {
      best_checkpoint: `checkpoints/checkpoint_${String(f.bestCheckpoint).padStart(6, "0")}`,
    };
  }
  await Deno.writeTextFile(join(dir, "results.json"), JSON.stringify(results));
  if (f.withCheckpoints === false) return dir;
  const { train } = await mnistSplit({ seed: 1234, testSize: 0.2 });
  const px = (train.sources[0] as { pixels: Float32Array }).pixels;
  const session = await TrainSession.create(artifacts, { threads: 1 });
  try {
    let at = 0;
    for (const [index, acc] of Object.entries(f.checkpoints ?? { 1: 0.5, 2: 0.7, 3: 0.6 })) {
      for (let s = 0; s < (f.steps ?? 8); s++) {
        const b = 32;
        const x = new Float32Array(b * 784);
        const y = new BigInt64Array(b);
        for (let i = 0; i < b; i++, at++) {
          const k = (at * 7919) % train.length;
          const item = train.item[k]!;
          for (let p = 0; p < 784; p++) x[i * 784 + p] = (px[item * 784 + p]! - 0.1307) / 0.3081;
          y[i] = BigInt(train.labels[k]!);
        }
        await session.trainStep({
          x: tensor("float32", [b, 1, 28, 28], x),
          y: tensor("int64", [b], y),
        }, { lr: 1e-3 });
      }
      const state = {
        epoch: 0,
        iteration: Number(index),
        lr: 1e-3,
        metrics: { test_accuracy: acc, test_loss: 1 },
      };
      await saveCheckpoint(dir, Number(index), session.checkpoint(state));
    }
  } finally {
    await session.release();
  }
  return dir;
}
