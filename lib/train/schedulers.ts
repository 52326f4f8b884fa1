/**
 * Learning-rate schedules in closed form, with PyTorch's formulas, so the rate
 * of any step is known without replaying the ones before (a resumed run gets
 * the same rates as an uninterrupted one):
 *
 * - `constant`: `base`.
 * - `step` (StepLR): `base · gamma^⌊t / step_size⌋`.
 * - `cosine` (CosineAnnealingLR, `T_max` = the whole run):
 *   `min_lr + (base − min_lr) · (1 + cos(π·t / T)) / 2`.
 * - `warmup_cosine` (SequentialLR of LinearLR and CosineAnnealingLR): for
 *   `t < W`, `base · (f + (1 − f) · t / W)`; then the cosine above over
 *   `t − W` and `T − W`.
 *
 * `t` counts epochs, or optimizer steps when `interval` is `step`; durations in
 * the config (`step_size`, `warmup_epochs`) are in epochs either way and are
 * turned into steps with the number of batches per epoch.
 *
 * @module
 */

/** Scheduler names. */
export const SCHEDULERS = ["constant", "step", "cosine", "warmup_cosine"] as const;
/** A scheduler name. */
export type SchedulerName = typeof SCHEDULERS[number];

/** A schedule as the config describes it (conf/scheduler/*.yaml). */
export interface SchedulerSpec {
  name: SchedulerName;
  /** Stepped once per epoch (default) or once per optimizer step. */
  interval?: "epoch" | "step";
  /** `step`: epochs between decays (default 1). */
  stepSize?: number;
  /** `step`: decay factor (default 0.1). */
  gamma?: number;
  /** `cosine`, `warmup_cosine`: the rate reached at the end (default 0). */
  minLr?: number;
  /** `warmup_cosine`: epochs of linear warm-up (default 1). */
  warmupEpochs?: number;
  /** `warmup_cosine`: the warm-up starts at `base` times this (default 0.1). */
  warmupStartFactor?: number;
}

/** What the schedule spans. */
export interface ScheduleSpan {
  /** Epochs in the whole run. */
  epochs: number;
  /** Optimizer steps per epoch. */
  stepsPerEpoch: number;
}

/**
 * A learning-rate schedule: the rate of any (epoch, batch) position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LrSchedule } from "./schedulers.ts";
 * const s = new LrSchedule({ name: "step", stepSize: 2, gamma: 0.5 }, 0.1, { epochs: 6, stepsPerEpoch: 10 });
 * assert.deepEqual([0, 1, 2, 4].map((e) => s.at(e, 0)), [0.1, 0.1, 0.05, 0.025]);
 * ```
 */
export class LrSchedule {
  /** The spec with defaults filled in. */
  readonly spec: Required<SchedulerSpec>;
  readonly #base: number;
  readonly #span: ScheduleSpan;

  /**
   * Makes a schedule.
   *
   * @param spec the scheduler
   * @param baseLr the optimizer's learning rate
   * @param span epochs of the run and steps per epoch
   * @throws {RangeError} naming the field of an invalid setting
   */
  constructor(spec: SchedulerSpec, baseLr: number, span: ScheduleSpan) {
    this.spec = checkSchedulerSpec(spec);
    if (!(Number.isFinite(baseLr) && baseLr >= 0)) {
      throw new RangeError(`Invalid learning rate ${baseLr}: expected a number >= 0`);
    }
    if (!(Number.isInteger(span.epochs) && span.epochs > 0)) {
      throw new RangeError(`Invalid schedule length ${span.epochs}: expected a positive integer`);
    }
    if (!(Number.isInteger(span.stepsPerEpoch) && span.stepsPerEpoch > 0)) {
      throw new RangeError(
        `Invalid steps per epoch ${span.stepsPerEpoch}: expected a positive integer`,
      );
    }
    this.#base = baseLr;
    this.#span = span;
  }

  /** Scheduler units (epochs or steps) per epoch. */
  get #perEpoch(): number {
    return this.spec.interval === "step" ? this.#span.stepsPerEpoch : 1;
  }

  /**
   * The learning rate of a batch.
   *
   * @param epoch the epoch (0-based)
   * @param batch the batch within the epoch (0-based; ignored per epoch)
   * @returns the rate for that optimizer step
   */
  at(epoch: number, batch = 0): number {
    const per = this.#perEpoch;
    const t = per === 1 ? epoch : epoch * per + batch;
    return scheduledLr(this.spec, this.#base, t, this.#span.epochs * per, per);
  }
}

/**
 * The rate at unit `t` of `total` (closed forms of the module comment).
 *
 * @param spec a checked spec
 * @param base the optimizer's learning rate
 * @param t epoch or step index (0-based)
 * @param total epochs or steps in the run
 * @param perEpoch units per epoch (1, or steps per epoch), to convert epoch durations
 * @returns the learning rate
 */
export function scheduledLr(
  spec: Required<SchedulerSpec>,
  base: number,
  t: number,
  total: number,
  perEpoch = 1,
): number {
  switch (spec.name) {
    case "constant":
      return base;
    case "step": {
      const size = Math.max(1, Math.round(spec.stepSize * perEpoch));
      return base * spec.gamma ** Math.floor(t / size);
    }
    case "cosine":
      return cosine(base, spec.minLr, t, total);
    case "warmup_cosine": {
      const warm = Math.min(total, Math.round(spec.warmupEpochs * perEpoch));
      if (t < warm) {
        const f = spec.warmupStartFactor;
        return base * (f + ((1 - f) * t) / warm);
      }
      return cosine(base, spec.minLr, t - warm, Math.max(1, total - warm));
    }
  }
}

function cosine(base: number, min: number, t: number, total: number): number {
  return min + ((base - min) * (1 + Math.cos((Math.PI * t) / total))) / 2;
}

function fail(field: string, value: unknown, expected: string): never {
  throw new RangeError(`Invalid scheduler.${field} ${JSON.stringify(value)}: expected ${expected}`);
}

/**
 * Checks a spec and fills in defaults.
 *
 * @param spec the scheduler
 * @returns the complete spec
 * @throws {RangeError} naming the field and what is valid
 */
export function checkSchedulerSpec(spec: SchedulerSpec): Required<SchedulerSpec> {
  if (!SCHEDULERS.includes(spec.name)) fail("name", spec.name, `one of ${SCHEDULERS.join(", ")}`);
  const full: Required<SchedulerSpec> = {
    name: spec.name,
    interval: spec.interval ?? "epoch",
    stepSize: spec.stepSize ?? 1,
    gamma: spec.gamma ?? 0.1,
    minLr: spec.minLr ?? 0,
    warmupEpochs: spec.warmupEpochs ?? 1,
    warmupStartFactor: spec.warmupStartFactor ?? 0.1,
  };
  if (full.interval !== "epoch" && full.interval !== "step") {
    fail("interval", full.interval, "epoch or step");
  }
  if (!(full.stepSize > 0)) fail("step_size", full.stepSize, "a number > 0");
  if (!(full.gamma > 0)) fail("gamma", full.gamma, "a number > 0");
  if (!(full.minLr >= 0)) fail("min_lr", full.minLr, "a number >= 0");
  if (!(full.warmupEpochs >= 0)) fail("warmup_epochs", full.warmupEpochs, "a number >= 0");
  if (!(full.warmupStartFactor > 0 && full.warmupStartFactor <= 1)) {
    fail("warmup_start_factor", full.warmupStartFactor, "a number in (0, 1]");
  }
  return full;
}
