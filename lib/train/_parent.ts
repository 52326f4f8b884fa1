// The parent of a fine-tuning run (`trainer.init_from`): its weights evaluated on this run's
// test split before the first step, what its own results.json recorded, and whether its test
// split was the same one — so the new model's accuracy is reported next to the parent's.

import { dirname, join, resolve } from "node:path";
import { loadConfig } from "../config/mod.ts";
import type { DataLoader } from "../data/mod.ts";
import { evaluateSession } from "./evaluate.ts";
import type { TrainSession } from "./session.ts";
import type { Plain } from "./_read.ts";

/** The parent's figures on this run's test split, and where they came from. */
export interface ParentFigures {
  /** The parent run directory, when the weights came from one. */
  runDir: string | null;
  /** The file or checkpoint the weights were read from. */
  source: string;
  /** Measured before training on this run's test split. */
  testAccuracy: number;
  testLoss: number;
  testSamples: number;
  /** The parent's own final test accuracy (its results.json), when known. */
  recordedAccuracy: number | null;
  /** Whether the parent's config split the same test set (null: unknown). */
  sameTestSplit: boolean | null;
}

async function readText(path: string): Promise<string | undefined> {
  return await Deno.readTextFile(path).catch(() => undefined);
}

/** The run directory a run folder, checkpoint folder or file of a run belongs to. */
async function runDirOf(path: string): Promise<string | null> {
  let dir = resolve(path);
  for (let up = 0; up < 4; up++) {
    if (await readText(join(dir, "config.yaml")) !== undefined) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/**
 * What identifies a test split: the base data set, its sample subset and split settings
 * (`examples` data is its `base` with more training samples, the same test split).
 */
export function testSplitKey(data: Plain): string {
  const name = data.name === "examples" ? data.base ?? "mnist" : data.name;
  return JSON.stringify([
    name,
    name === "image_folder" ? resolve(String(data.root ?? "")) : data.num_samples ?? null,
    data.split_seed ?? 1234,
    data.test_size ?? 0.2,
  ]);
}

/**
 * Evaluates the session's initial weights (the parent's) on the test split.
 *
 * @param source where the weights came from (`InitReport.source`)
 * @param session the training session, before its first step
 * @param test the test split's loader
 * @param options class count, input dims, this run's `data:` block
 * @returns the parent's figures
 */
export async function evaluateParent(
  source: string,
  session: TrainSession,
  test: DataLoader,
  options: { numClasses: number; inputDims?: readonly number[]; data: Plain },
): Promise<ParentFigures> {
  const m = await evaluateSession(session, test, options);
  const runDir = await runDirOf(source);
  let recordedAccuracy: number | null = null;
  let sameTestSplit: boolean | null = null;
  if (runDir) {
    try {
      const results = JSON.parse(await readText(join(runDir, "results.json")) ?? "null");
      const acc = results?.final?.test_accuracy;
      if (typeof acc === "number") recordedAccuracy = acc;
    } catch { /* a run without readable results: nothing recorded */ }
    try {
      const data = (loadConfig(join(runDir, "config.yaml")).toObject() as Plain).data;
      if (data && typeof data === "object") {
        sameTestSplit = testSplitKey(data as Plain) === testSplitKey(options.data);
      }
    } catch { /* an unreadable config: the split is unknown */ }
  }
  return {
    runDir,
    source,
    testAccuracy: m.accuracy as number,
    testLoss: m.loss as number,
    testSamples: m.samples as number,
    recordedAccuracy,
    sameTestSplit,
  };
}

/** The console line: the new model's test accuracy next to the parent's. */
export function parentLine(parent: ParentFigures, accuracy: number | undefined): string {
  const who = parent.runDir ?? parent.source;
  const now = typeof accuracy === "number" ? accuracy.toFixed(4) : "?";
  const delta = typeof accuracy === "number"
    ? ` (${accuracy >= parent.testAccuracy ? "+" : ""}${
      ((accuracy - parent.testAccuracy) * 100).toFixed(2)
    } points)`
    : "";
  const split = parent.sameTestSplit === false
    ? "this run's test split (not the parent's own)"
    : "the original test split";
  return `Parent ${who}: test_accuracy ${
    parent.testAccuracy.toFixed(4)
  } -> ${now}${delta} on ${split} (${parent.testSamples} samples)`;
}

/** results.json's `parent` block. */
export function parentBlock(
  parent: ParentFigures,
  accuracy: number | undefined,
): Record<string, unknown> {
  return {
    run_dir: parent.runDir,
    source: parent.source,
    test_accuracy: parent.testAccuracy,
    test_loss: parent.testLoss,
    test_samples: parent.testSamples,
    recorded_test_accuracy: parent.recordedAccuracy,
    same_test_split: parent.sameTestSplit,
    accuracy_delta: typeof accuracy === "number" ? accuracy - parent.testAccuracy : null,
  };
}
