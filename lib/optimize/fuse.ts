/**
 * The fuse pipeline: constant folding, shape-computation folding,
 * Identity/Dropout removal, BatchNorm folding, MatMul+Add -> Gemm,
 * Transpose/Reshape cancelling and dead code removal, rerun until nothing changes, then shapes re-inferred. Optionally
 * ONNX Runtime's own optimized graph is saved as well (for deployment on the
 * same hardware: at level "all" it holds layout-specific kernels).
 *
 * @module
 */
import { inferShapes, type Model, Session } from "../onnx/mod.ts";
import { cancelTransposes } from "./cancel_transposes.ts";
import { foldBatchNorm } from "./fold_batchnorm.ts";
import { foldConstants } from "./fold_constants.ts";
import { foldShapes } from "./fold_shapes.ts";
import { fuseMatMulAdd } from "./fuse_matmul_add.ts";
import { applyPasses, type NamedPass, type PipelineResult } from "./pass.ts";
import { removeDead } from "./remove_dead.ts";
import { removeIdentity } from "./remove_identity.ts";

/** The passes of {@linkcode fuse}, in order. */
export const FUSE_PASSES: readonly NamedPass[] = Object.freeze([
  { name: "fold_constants", run: foldConstants },
  { name: "fold_shapes", run: foldShapes },
  { name: "remove_identity", run: removeIdentity },
  { name: "fold_batchnorm", run: foldBatchNorm },
  { name: "fuse_matmul_add", run: fuseMatMulAdd },
  { name: "cancel_transposes", run: cancelTransposes },
  { name: "remove_dead", run: removeDead },
]);

/** Options of {@linkcode fuse}. */
export interface FuseOptions {
  /** Names of passes to leave out (see {@linkcode FUSE_PASSES}). */
  skip?: readonly string[];
  /** Rounds at most (default 8). */
  maxRounds?: number;
}

/**
 * Runs the fuse passes until nothing changes and re-infers shapes.
 *
 * @param model The model (not modified).
 * @param options Passes to skip, round limit.
 * @returns The fused copy, notes, and per-pass counts and reasons.
 * @throws {RangeError} For a name in `skip` that is not a fuse pass.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { fuse } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
 * const m = g.op("MatMul", [g.op("Identity", [x]), g.initializer("w", tensor("float32", [3, 2]))]);
 * g.output(g.op("Add", [m, g.initializer("b", tensor("float32", [2]))]), "y");
 * const r = fuse(g.build());
 * assert.deepEqual(r.model.graph.nodes.map((n) => n.opType), ["Gemm"]);
 * ```
 */
export function fuse(model: Model, options: FuseOptions = {}): PipelineResult {
  const skip = new Set(options.skip ?? []);
  for (const name of skip) {
    if (!FUSE_PASSES.some((p) => p.name === name)) {
      throw new RangeError(
        `Unknown fuse pass "${name}": expected one of ${FUSE_PASSES.map((p) => p.name).join(", ")}`,
      );
    }
  }
  const passes = FUSE_PASSES.filter((p) => !skip.has(p.name));
  const result = applyPasses(model, passes, { maxRounds: options.maxRounds });
  if (result.changed) inferShapes(result.model);
  return result;
}

/**
 * Lets ONNX Runtime optimize a model and writes the graph it runs
 * (`optimizedModelFilePath`): for the same runtime version and hardware only.
 *
 * @param model The model.
 * @param path Where to write the optimized `.onnx`.
 * @param options `level`: ORT's graph optimization level (default "extended",
 *   which stays portable across CPUs; "all" adds layout-specific kernels).
 * @throws {Error} When ORT cannot load the model.
 */
export async function saveOrtOptimized(
  model: Model,
  path: string,
  options: { level?: "basic" | "extended" | "all" } = {},
): Promise<void> {
  const s = await Session.create(model, {
    graphOptimizationLevel: options.level ?? "extended",
    optimizedModelFilePath: path,
    executionProviders: ["cpu"],
  });
  await s.release();
}
