/**
 * The options of `deno task optimize` / {@linkcode optimizeRun}, and their
 * checks: one clear error per bad value, before any work.
 *
 * @module
 */
import { CALIBRATION_METHODS, type CalibrationMethod } from "./calibrate.ts";
import { checkAmount } from "./prune_l1.ts";
import { type Precision, PRECISIONS, QUANT_MODES, type QuantMode } from "./variants.ts";

/** Options of `optimizeRun`, as the CLI flags name them. */
export interface OptimizeRunOptions {
  profile?: boolean;
  fuse?: boolean;
  quantize?: boolean;
  prune?: boolean;
  checkpoint?: number;
  precision?: string;
  mode?: string;
  calibrationSamples?: number;
  method?: string;
  /** Nodes left in float by quantization (default: "first" for static int8, none else). */
  exclude?: string[];
  amount?: number;
  structured?: boolean;
  /** Unstructured pruning ranks all weights together instead of each layer (default false). */
  global?: boolean;
  finetuneSteps?: number;
  /** Timed batch-1 runs per variant (default 100). */
  iterations?: number;
  /** The model store (default `model_store`). */
  out?: string;
  /** Also write ORT's optimized graph beside the archive. */
  ortOptimized?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Checked options with defaults filled in. */
export interface CheckedOptions {
  precision: Precision;
  mode: QuantMode;
  method: CalibrationMethod;
  samples: number;
  iterations: number;
  amount: number;
  finetuneSteps: number;
}

/**
 * Checks the options before any work: one clear error per bad value.
 *
 * @throws {RangeError} For an unsupported precision, mode or method, an amount
 *   outside [0, 1), non-positive counts, or no action.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOptimizeOptions } from "./mod.ts";
 * assert.equal(checkOptimizeOptions({ quantize: true }).precision, "int8");
 * assert.throws(() => checkOptimizeOptions({ quantize: true, precision: "int4" }), /Unsupported precision "int4"/);
 * ```
 */
export function checkOptimizeOptions(o: OptimizeRunOptions): CheckedOptions {
  if (!o.profile && !o.fuse && !o.quantize && !o.prune) {
    throw new RangeError("Nothing to do: give --profile, --fuse, --quantize or --prune");
  }
  const precision = (o.precision ?? "int8") as Precision;
  if (!PRECISIONS.includes(precision)) {
    throw new RangeError(
      `Unsupported precision "${o.precision}": expected one of ${PRECISIONS.join(", ")}`,
    );
  }
  const mode = (o.mode ?? "dynamic") as QuantMode;
  if (!QUANT_MODES.includes(mode)) {
    throw new RangeError(`Unsupported mode "${o.mode}": expected one of ${QUANT_MODES.join(", ")}`);
  }
  if (precision === "fp16" && o.mode === "static") {
    throw new RangeError(
      `Unsupported mode "static" for precision fp16: float16 needs no calibration, leave --mode out`,
    );
  }
  const method = (o.method ?? "minmax") as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) {
    throw new RangeError(
      `Unsupported calibration method "${o.method}": expected one of ${
        CALIBRATION_METHODS.join(", ")
      }`,
    );
  }
  const amount = o.amount ?? 0.3;
  checkAmount(amount);
  const count = (v: number | undefined, fallback: number, name: string, min: number) => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < min) {
      throw new RangeError(`Invalid --${name} ${v}: expected an integer >= ${min}`);
    }
    return n;
  };
  return {
    precision,
    mode,
    method,
    amount,
    samples: count(o.calibrationSamples, 256, "calibration-samples", 1),
    iterations: count(o.iterations, 100, "iterations", 1),
    finetuneSteps: count(o.finetuneSteps, 0, "finetune-steps", 0),
  };
}
