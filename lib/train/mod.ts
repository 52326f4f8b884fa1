/**
 * Training: optimizers as graph pieces, checkpoints in safetensors, the
 * training artifacts and session, and the experiment that `deno task train`
 * runs.
 *
 * - {@linkcode runExperiment}: a composed config to a complete run directory
 *   (settings checked by {@linkcode readSettings} before any file is written,
 *   data from `data:`, model from `model:`, {@linkcode TrainLoop} with
 *   {@linkcode LrSchedule}, {@linkcode EarlyStopping}, checkpoints, resume and
 *   `init_from`, W&B when `WANDB_API_KEY` is set). A run started with
 *   `trainer.init_from` measures its parent's weights on its own test split before
 *   the first step and reports both accuracies (results.json `parent`); with
 *   `data=examples` relabelled examples join the original training split.
 * - {@linkcode runSweep} and {@linkcode formatSweepTable} for `-m` sweeps;
 *   {@linkcode withResumeOverrides} and {@linkcode watchInterrupts} for the CLI.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildOptimizerModel, optimizerStateNames } from "./mod.ts";
 * const model = buildOptimizerModel({ name: "adam" }, [{ name: "w", dims: [3] }]);
 * const inputs = model.graph.inputs.map((i) => i.name);
 * assert.deepEqual(inputs, [
 *   "learning_rate",
 *   "step",
 *   "compute_grad_norm", // without clipping, the norm is computed only when asked for
 *   "w",
 *   "w_grad",
 *   ...optimizerStateNames({ name: "adam" }, "w"),
 * ]);
 * ```
 *
 * @module
 */

export {
  appendOptimizerUpdate,
  buildOptimizerModel,
  checkOptimizerSpec,
  GRAD_NORM_OUTPUT,
  GRAD_NORM_WANTED_INPUT,
  gradNormWantedInput,
  LR_INPUT,
  type OptimizerName,
  OPTIMIZERS,
  type OptimizerSpec,
  optimizerStateNames,
  type ParamInfo,
  STEP_INPUT,
  type UpdateEntry,
  type UpdateResult,
} from "./optimizer.ts";
export {
  type Checkpoint,
  type CheckpointEntry,
  checkpointName,
  type CheckpointState,
  checkTensorsMatch,
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type SafeTensor,
} from "./safetensors.ts";
export { toEvalMode } from "./eval_mode.ts";
export {
  type ArtifactOptions,
  defaultTrainable,
  exportInferenceModel,
  generateArtifacts,
  saveArtifacts,
  type SlotInfo,
  type TrainingArtifacts,
} from "./artifacts.ts";
export {
  type StepOptions,
  type StepResult,
  type TrainBatch,
  TrainSession,
  type TrainSessionOptions,
} from "./session.ts";
export {
  checkSchedulerSpec,
  LrSchedule,
  scheduledLr,
  type SchedulerName,
  SCHEDULERS,
  type SchedulerSpec,
  type ScheduleSpan,
} from "./schedulers.ts";
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from "./early_stopping.ts";
export {
  type DataSettings,
  type ExperimentSettings,
  readSettings,
  TRAIN_LOSSES,
  type TrainerSettings,
} from "./settings.ts";
export { type ExperimentData, loadExperimentData } from "./experiment_data.ts";
export { buildForward, type InitReport, initWeights, seedDropout } from "./experiment_model.ts";
export { checkpointState, initialLoopState, type LoopState, loopStateOf } from "./loop_state.ts";
export { type LoopContext, type LoopOutcome, TrainLoop } from "./loop.ts";
export { batchFeeds, evaluateSession } from "./evaluate.ts";
export { findResumePoint, type ResumePoint, runDirOfPath, withResumeOverrides } from "./resume.ts";
export {
  type ExperimentOptions,
  type ExperimentResult,
  runExperiment,
  runExperimentDir,
} from "./experiment.ts";
export {
  formatSweepTable,
  runSweep,
  type SweepJob,
  type SweepJobResult,
  type SweepRunOptions,
} from "./sweep.ts";
export { type InterruptOptions, type InterruptWatch, watchInterrupts } from "./interrupt.ts";
