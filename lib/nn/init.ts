/**
 * Weight initialisation schemes as PyTorch's `torch.nn.init` defines them,
 * drawn from a seeded generator.
 *
 * @module
 */

import { type Tensor, tensor } from "../onnx/mod.ts";
import { Rng } from "./_random.ts";

/** Nonlinearities whose gain `calculate_gain` knows. */
export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leaky_relu";

/** How to fill a parameter. */
export type InitScheme =
  | { kind: "constant"; value: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "normal"; mean?: number; std: number }
  /** Normal truncated to `[a, b]` (absolute bounds, default ±2 as PyTorch). */
  | { kind: "truncNormal"; mean?: number; std: number; a?: number; b?: number }
  | {
    kind: "kaimingUniform" | "kaimingNormal";
    /** Negative slope for `leaky_relu` (default 0). */
    a?: number;
    mode?: "fan_in" | "fan_out";
    nonlinearity?: Nonlinearity;
  }
  | { kind: "xavierUniform" | "xavierNormal"; gain?: number };

/**
 * PyTorch's fan-in and fan-out of a weight: dim 1 and dim 0, each times the
 * product of the remaining (receptive field) dims.
 *
 * @param dims The weight's dims (at least 2).
 * @returns `{ fanIn, fanOut }`.
 * @throws {RangeError} For fewer than 2 dims.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(fans([64, 32, 3, 3]), { fanIn: 288, fanOut: 576 });
 * ```
 */
export function fans(dims: readonly number[]): { fanIn: number; fanOut: number } {
  if (dims.length < 2) {
    throw new RangeError(
      `Cannot compute fan in and fan out of dims [${dims.join(", ")}]: expected 2 or more dims`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < dims.length; i++) receptive *= dims[i]!;
  return { fanIn: dims[1]! * receptive, fanOut: dims[0]! * receptive };
}

/**
 * PyTorch's `calculate_gain`.
 *
 * @param nonlinearity The nonlinearity.
 * @param slope Negative slope for `leaky_relu` (default 0.01 as PyTorch).
 * @returns The recommended gain.
 */
export function gain(nonlinearity: Nonlinearity, slope = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
      return Math.sqrt(2 / (1 + slope * slope));
  }
}

/**
 * Draws a float32 tensor from a scheme. The generator is seeded by `seed` and
 * `stream` (use the parameter's name), so a parameter's values depend only on
 * those two and its dims.
 *
 * @param dims The tensor's dims.
 * @param scheme The scheme.
 * @param options `seed` (default 0) and `stream` (default "").
 * @returns The tensor.
 * @throws {RangeError} For a scheme that needs fans on dims with fewer than 2 entries,
 *   or an empty truncation interval.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = initTensor([256, 784], { kind: "kaimingUniform", a: Math.sqrt(5) }, { seed: 1 });
 * const bound = 1 / Math.sqrt(784);
 * assert.ok(w.data.every((v) => Math.abs(v) <= bound));
 * ```
 */
export function initTensor(
  dims: readonly number[],
  scheme: InitScheme,
  options: { seed?: number; stream?: string } = {},
): Tensor<"float32"> {
  const t = tensor("float32", dims);
  const rng = new Rng(options.seed ?? 0, options.stream ?? "");
  fill(t.data as Float32Array, dims, scheme, rng);
  return t;
}

function fill(out: Float32Array, dims: readonly number[], s: InitScheme, rng: Rng): void {
  switch (s.kind) {
    case "constant":
      out.fill(s.value);
      return;
    case "uniform":
      return fillUniform(out, s.low, s.high, rng);
    case "normal":
      return fillNormal(out, s.mean ?? 0, s.std, rng);
    case "truncNormal":
      return fillTruncNormal(out, s.mean ?? 0, s.std, s.a ?? -2, s.b ?? 2, rng);
    case "kaimingUniform":
    case "kaimingNormal": {
      const f = fans(dims);
      const fan = (s.mode ?? "fan_in") === "fan_in" ? f.fanIn : f.fanOut;
      const std = gain(s.nonlinearity ?? "leaky_relu", s.a ?? 0) / Math.sqrt(fan);
      if (s.kind === "kaimingNormal") return fillNormal(out, 0, std, rng);
      return fillUniform(out, -Math.sqrt(3) * std, Math.sqrt(3) * std, rng);
    }
    case "xavierUniform":
    case "xavierNormal": {
      const f = fans(dims);
      const std = (s.gain ?? 1) * Math.sqrt(2 / (f.fanIn + f.fanOut));
      if (s.kind === "xavierNormal") return fillNormal(out, 0, std, rng);
      return fillUniform(out, -Math.sqrt(3) * std, Math.sqrt(3) * std, rng);
    }
  }
}

function fillUniform(out: Float32Array, low: number, high: number, rng: Rng): void {
  const span = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + span * rng.uniform();
}

function fillNormal(out: Float32Array, mean: number, std: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.normal();
}

function fillTruncNormal(
  out: Float32Array,
  mean: number,
  std: number,
  a: number,
  b: number,
  rng: Rng,
): void {
  if (!(a < b) || std <= 0) {
    throw new RangeError(
      `Invalid truncated normal: expected a < b and std > 0, got a=${a}, b=${b}, std=${std}`,
    );
  }
  // Rejection sampling draws exactly the truncated law; give up on intervals
  // so far in a tail that almost every draw would be rejected.
  for (let i = 0; i < out.length; i++) {
    let v = mean + std * rng.normal();
    let tries = 1;
    while (v < a || v > b) {
      if (++tries > 10000) {
        throw new RangeError(
          `Invalid truncated normal: [${a}, ${b}] holds too little of N(${mean}, ${std}²)`,
        );
      }
      v = mean + std * rng.normal();
    }
    out[i] = v;
  }
}
