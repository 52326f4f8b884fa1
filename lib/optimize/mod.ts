/**
 * Graph passes that make a trained model cheaper to serve, and the figures to
 * choose one: fuse, quantize, prune, profile.
 *
 * ## Guide
 *
 * **Passes** map a model to `{ model, changed, reason?, notes }` without
 * touching their input; `applyPasses` reruns a list until nothing changes.
 * `fuse` runs `foldConstants`, `foldShapes`, `removeIdentity`, `foldBatchNorm`,
 * `fuseMatMulAdd`, `cancelTransposes` and `removeDead`, then re-infers
 * shapes; `saveOrtOptimized` writes ONNX Runtime's own optimized graph.
 *
 * **Quantization**: `quantizeDynamic` (int8/uint8 weights per channel,
 * activations at run time: MatMulInteger/ConvInteger or QDQ);
 * `planStatic` → `calibrate` (minmax, percentile, entropy) →
 * `quantizeStatic` (QDQ, symmetric/asymmetric, per tensor/channel, node
 * exclusion); `convertFp16` keeps float32 inputs and outputs.
 *
 * **Pruning**: `pruneL1` (per layer or global, with `sparsityReport`),
 * `pruneChannels` (structured: the model gets smaller and faster), and
 * `finetune` (a few TrainSession steps).
 *
 * **Runs and figures**: `openRun`, `pickCheckpoint`, `loadRunModel`,
 * `loadRunData`/`runBatches` read a training run as its loop wrote it;
 * `measureLatency` (interleaved), `accuracy`, `topOperators` (ORT's
 * profile), `formatProfileTable`/`saveProfile`; `optimizeRun` is what
 * `deno task optimize` does, ending with `archiveVariant`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { fuse } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
 * const m = g.op("MatMul", [x, g.initializer("w", tensor("float32", [3, 2]))]);
 * g.output(g.op("Add", [m, g.initializer("b", tensor("float32", [2]))]), "y");
 * assert.deepEqual(fuse(g.build()).model.graph.nodes.map((n) => n.opType), ["Gemm"]);
 * ```
 *
 * @module
 */

export {
  applyPasses,
  joinReasons,
  type NamedPass,
  type Pass,
  type PassResult,
  type PipelineResult,
} from "./pass.ts";
export { foldConstants } from "./fold_constants.ts";
export { foldShapes } from "./fold_shapes.ts";
export { removeIdentity } from "./remove_identity.ts";
export { foldBatchNorm } from "./fold_batchnorm.ts";
export { fuseMatMulAdd } from "./fuse_matmul_add.ts";
export { cancelTransposes } from "./cancel_transposes.ts";
export { removeDead } from "./remove_dead.ts";
export { fuse, FUSE_PASSES, type FuseOptions, saveOrtOptimized } from "./fuse.ts";
export { compactNames, type CompactOptions } from "./compact_names.ts";
export { convertFp16 } from "./convert_fp16.ts";
export {
  channelRanges,
  paramsFromRange,
  type QParams,
  qRange,
  type QType,
  quantizeTensor,
  roundHalfEven,
} from "./quant_params.ts";
export { type DynamicQuantizeOptions, quantizeDynamic } from "./quantize_dynamic.ts";
export {
  calibrate,
  type CalibrateOptions,
  CALIBRATION_METHODS,
  type CalibrationMethod,
  entropyThreshold,
  percentileThreshold,
  type Ranges,
} from "./calibrate.ts";
export { planStatic, QDQ_OPS, type StaticPlan, type StaticQuantizeOptions } from "./static_plan.ts";
export { quantizeStatic } from "./quantize_static.ts";
export {
  checkAmount,
  type L1PruneOptions,
  pruneL1,
  type SparsityReport,
  sparsityReport,
  type SparsityRow,
} from "./prune_l1.ts";
export { type ChannelPruneOptions, pruneChannels, type PrunedLayer } from "./prune_channels.ts";
export { finetune, type FinetuneOptions, type FinetuneResult } from "./finetune.ts";
export {
  accuracy,
  type LatencyOptions,
  type LatencyStats,
  latencyStats,
  measureLatency,
  type OperatorTime,
  sessionOptions,
  topOperators,
} from "./profile.ts";
export {
  formatProfileTable,
  machineInfo,
  profileMarkdown,
  type ProfileReport,
  saveProfile,
  type VariantFigures,
} from "./report.ts";
export {
  accuracyOf,
  type ChosenCheckpoint,
  loadRunModel,
  openRun,
  pickCheckpoint,
  type RunInfo,
} from "./run_dir.ts";
export {
  type BatchOptions,
  type ImagePreprocess,
  loadRunData,
  runBatches,
  type RunData,
} from "./run_data.ts";
export {
  buildVariant,
  type Precision,
  PRECISIONS,
  profileVariants,
  QUANT_MODES,
  type QuantMode,
  type Variant,
  type VariantData,
  type VariantSettings,
} from "./variants.ts";
export {
  type CheckedOptions,
  checkOptimizeOptions,
  type OptimizeRunOptions,
} from "./optimize_options.ts";
export {
  archiveVariant,
  type ArchiveVariantOptions,
  type WrittenArchive,
} from "./archive_variant.ts";
export { optimizeRun, type OptimizeRunResult } from "./optimize_run.ts";
