/**
 * What the training loop keeps between steps, saved whole in every
 * checkpoint's `state.json`, so that a resumed run takes the same steps, logs
 * the same records and reaches the same figures as an uninterrupted one.
 *
 * @module
 */
import type { BestState } from "../track/mod.ts";
import type { CheckpointState } from "./checkpoint.ts";
import type { EarlyStoppingState } from "./early_stopping.ts";

/** Loop progress and running sums (JSON-safe). */
export interface LoopState {
  /** Optimizer steps taken. */
  step: number;
  /** The epoch in progress (0-based); equals the completed epochs when `batch` is 0. */
  epoch: number;
  /** Batches of `epoch` already trained. */
  batch: number;
  /** Completed training iterations. */
  iteration: number;
  /** Learning rate of the last step. */
  lr: number;
  /**
   * Loss sum over the steps since the last train record, and the gradient
   * norm of the step that writes the record (the only one that computes it).
   */
  window: { loss: number; gradNorm: number; steps: number };
  /** Sample-weighted loss sum of the iteration in progress. */
  iterationLoss: { sum: number; samples: number };
  /** Best value and iterations since improvement per metric. */
  best: BestState;
  earlyStopping: EarlyStoppingState;
  /** Checkpoint index of the best `monitor` value, if saved. */
  bestCheckpoint: number | null;
  /** Scalar metrics of the last evaluation. */
  lastEval: Record<string, number> | null;
  /** Samples trained on. */
  samples: number;
  /**
   * Seconds spent training (epoch loops), inside the train steps themselves, and
   * evaluating, summed over resumed sessions.
   */
  seconds: { train: number; step: number; eval: number };
}

/** The state of a run that has not started. */
export function initialLoopState(): LoopState {
  return {
    step: 0,
    epoch: 0,
    batch: 0,
    iteration: 0,
    lr: 0,
    window: { loss: 0, gradNorm: 0, steps: 0 },
    iterationLoss: { sum: 0, samples: 0 },
    best: {},
    earlyStopping: { best: null, wait: 0, stopped: false },
    bestCheckpoint: null,
    lastEval: null,
    samples: 0,
    seconds: { train: 0, step: 0, eval: 0 },
  };
}

/** The checkpoint fields of a loop state (`step` is filled in by the session). */
export function checkpointState(state: LoopState): Omit<CheckpointState, "step"> {
  const { step: _step, ...rest } = structuredClone(state);
  return { ...rest, metrics: state.lastEval ?? undefined };
}

/**
 * The loop state saved in a checkpoint.
 *
 * @param state a checkpoint's state.json
 * @param where the checkpoint, for messages
 * @returns the loop state
 * @throws {SyntaxError} when the state lacks the loop's fields
 */
export function loopStateOf(state: CheckpointState, where: string): LoopState {
  const s = state as unknown as Partial<LoopState>;
  const fields: (keyof LoopState)[] = ["epoch", "batch", "iteration", "window", "iterationLoss"];
  for (const f of fields) {
    if (s[f] === undefined) {
      throw new SyntaxError(
        `Cannot resume from "${where}": state.json has no "${f}" (not a checkpoint of the training loop)`,
      );
    }
  }
  const seconds = { ...initialLoopState().seconds, ...s.seconds };
  return { ...initialLoopState(), ...s, seconds, step: state.step } as LoopState;
}
