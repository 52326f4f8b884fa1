/**
 * Early stopping as PyTorch Lightning's `EarlyStopping` callback: a value
 * improves when it beats the best by more than `min_delta` (lower for losses,
 * higher otherwise); after `patience` evaluations in a row without
 * improvement, training stops.
 *
 * @module
 */
import { defaultMode } from "../track/mod.ts";

/** Options of {@linkcode EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Metric watched, e.g. `test_loss`. */
  monitor: string;
  /** Evaluations without improvement before stopping; null never stops. */
  patience: number | null;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Direction (default: "min" for names containing "loss", else "max"). */
  mode?: "min" | "max";
}

/** Saved state of an {@linkcode EarlyStopping}, for checkpoints. */
export interface EarlyStoppingState {
  best: number | null;
  wait: number;
  stopped: boolean;
}

/**
 * Watches one metric across evaluations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EarlyStopping } from "./early_stopping.ts";
 * const es = new EarlyStopping({ monitor: "test_loss", patience: 2 });
 * assert.deepEqual([0.5, 0.4, 0.45, 0.41].map((v) => es.update(v)), [false, false, false, true]);
 * ```
 */
export class EarlyStopping {
  /** Metric watched. */
  readonly monitor: string;
  /** "min" or "max". */
  readonly mode: "min" | "max";
  readonly #patience: number | null;
  readonly #minDelta: number;
  #state: EarlyStoppingState = { best: null, wait: 0, stopped: false };

  /**
   * Makes the watcher.
   *
   * @param options metric, patience, min_delta, mode
   * @param state a saved state to resume from
   * @throws {RangeError} for a negative patience or min_delta
   */
  constructor(options: EarlyStoppingOptions, state?: EarlyStoppingState) {
    const { patience, minDelta = 0 } = options;
    if (patience !== null && !(Number.isInteger(patience) && patience >= 1)) {
      throw new RangeError(
        `Invalid trainer.early_stopping_patience ${
          JSON.stringify(patience)
        }: expected a positive integer or null`,
      );
    }
    if (!(minDelta >= 0)) {
      throw new RangeError(
        `Invalid trainer.min_delta ${JSON.stringify(minDelta)}: expected a number >= 0`,
      );
    }
    this.monitor = options.monitor;
    this.mode = options.mode ?? defaultMode(options.monitor);
    this.#patience = patience;
    this.#minDelta = minDelta;
    if (state) this.#state = { ...state };
  }

  /** Evaluations since the last improvement. */
  get wait(): number {
    return this.#state.wait;
  }

  /** Whether a stop was called for. */
  get stopped(): boolean {
    return this.#state.stopped;
  }

  /**
   * Records the monitored value of one evaluation.
   *
   * @param value the metric (NaN never improves)
   * @returns true when training should stop now
   */
  update(value: number): boolean {
    const s = this.#state;
    const better = !Number.isNaN(value) && (s.best === null ||
      (this.mode === "min" ? value < s.best - this.#minDelta : value > s.best + this.#minDelta));
    if (better) {
      s.best = value;
      s.wait = 0;
    } else {
      s.wait++;
    }
    if (this.#patience !== null && s.wait >= this.#patience) s.stopped = true;
    return s.stopped;
  }

  /** The state to keep in a checkpoint. */
  toJSON(): EarlyStoppingState {
    return { ...this.#state };
  }
}
