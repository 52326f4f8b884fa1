/**
 * Linear 8-bit quantization parameters, as ONNX's QuantizeLinear defines
 * them: `q = saturate(round_half_even(x / scale) + zero_point)`, and
 * `x ≈ (q - zero_point) * scale`. The real range always contains 0 so that
 * zero (padding) is exact.
 *
 * @module
 */
import { type Tensor, tensor } from "../onnx/mod.ts";

/** An 8-bit integer type. */
export type QType = "int8" | "uint8";

/** Scale and zero point of one tensor or one channel. */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

/**
 * The integer range of a type. Symmetric int8 uses [-127, 127] so that the
 * range is centred on 0, as ONNX Runtime's quantizer does for weights.
 *
 * @param qtype The type.
 * @param symmetric Whether the range is symmetric.
 * @returns `[qmin, qmax]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qRange } from "./mod.ts";
 * assert.deepEqual(qRange("int8", true), [-127, 127]);
 * assert.deepEqual(qRange("uint8"), [0, 255]);
 * ```
 */
export function qRange(qtype: QType, symmetric = false): [number, number] {
  if (qtype === "uint8") return [0, 255];
  return symmetric ? [-127, 127] : [-128, 127];
}

/**
 * Scale and zero point for a real range.
 *
 * @param min Smallest value to represent.
 * @param max Largest value to represent.
 * @param qtype Integer type.
 * @param symmetric Centre the range on 0 (zero point 0 for int8, 128 for uint8).
 * @returns The parameters (scale 1, zero point centred when the range is empty).
 * @throws {RangeError} For a non-finite or inverted range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paramsFromRange } from "./quant_params.ts";
 * assert.deepEqual(paramsFromRange(0, 2.55, "uint8"), { scale: Math.fround(0.01), zeroPoint: 0 });
 * assert.equal(paramsFromRange(-1, 0.5, "int8", true).zeroPoint, 0);
 * ```
 */
export function paramsFromRange(
  min: number,
  max: number,
  qtype: QType,
  symmetric = false,
): QParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`Cannot quantize the range [${min}, ${max}]: expected finite min <= max`);
  }
  const [qmin, qmax] = qRange(qtype, symmetric);
  let lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (symmetric) {
    const a = Math.max(-lo, hi);
    lo = -a;
    hi = a;
  }
  const centre = qtype === "uint8" ? 128 : 0;
  if (hi - lo === 0) return { scale: 1, zeroPoint: symmetric ? centre : qmin };
  const scale = Math.fround((hi - lo) / (qmax - qmin));
  if (symmetric) return { scale, zeroPoint: centre };
  const zp = Math.round(qmin - lo / scale);
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

/** Rounds half to even, as QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Quantizes a float tensor along an axis (per channel) or as a whole.
 *
 * @param t A float32 tensor.
 * @param params One entry (per tensor) or one per index of `axis`.
 * @param qtype Integer type.
 * @param axis The channel axis for per-channel parameters.
 * @returns The integer tensor.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../onnx/mod.ts";
 * import { quantizeTensor } from "./mod.ts";
 * const q = quantizeTensor(tensor("float32", [3], [-1, 0.25, 2]), [{ scale: 0.5, zeroPoint: 0 }], "int8");
 * assert.deepEqual(Array.from(q.data as Int8Array), [-2, 0, 4]);
 * ```
 */
export function quantizeTensor(
  t: Tensor,
  params: readonly QParams[],
  qtype: QType,
  axis = 0,
): Tensor {
  const x = t.data as Float32Array;
  const out = qtype === "int8" ? new Int8Array(x.length) : new Uint8Array(x.length);
  const [qmin, qmax] = qRange(qtype);
  const { inner, channels } = layout(t.dims, axis);
  for (let i = 0; i < x.length; i++) {
    const c = params.length === 1 ? 0 : Math.floor(i / inner) % channels;
    const p = params[c]!;
    const q = roundHalfEven(x[i]! / p.scale) + p.zeroPoint;
    out[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return tensor(qtype, t.dims, out);
}

/**
 * Per-channel (or whole-tensor) min and max of a float tensor.
 *
 * @param t A float32 tensor.
 * @param axis The channel axis, or undefined for one range.
 * @returns One `[min, max]` per channel.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../onnx/mod.ts";
 * import { channelRanges } from "./mod.ts";
 * assert.deepEqual(channelRanges(tensor("float32", [2, 2], [1, -2, 3, 4]), 0), [[-2, 1], [3, 4]]);
 * ```
 */
export function channelRanges(t: Tensor, axis?: number): [number, number][] {
  const x = t.data as Float32Array;
  if (axis === undefined) {
    let lo = Infinity, hi = -Infinity;
    for (const v of x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [[x.length ? lo : 0, x.length ? hi : 0]];
  }
  const { inner, channels } = layout(t.dims, axis);
  const out: [number, number][] = Array.from({ length: channels }, () => [Infinity, -Infinity]);
  for (let i = 0; i < x.length; i++) {
    const r = out[Math.floor(i / inner) % channels]!;
    const v = x[i]!;
    if (v < r[0]) r[0] = v;
    if (v > r[1]) r[1] = v;
  }
  return out.map(([lo, hi]) => (lo > hi ? [0, 0] : [lo, hi]));
}

function layout(dims: readonly number[], axis: number): { inner: number; channels: number } {
  const channels = dims[axis] ?? 1;
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  return { inner, channels };
}

/** Scales as a float32 tensor: a scalar for one entry, else 1-D. */
export function scaleTensor(params: readonly QParams[]): Tensor {
  const v = params.map((p) => p.scale);
  return params.length === 1 ? tensor("float32", [], v) : tensor("float32", [v.length], v);
}

/** Zero points as a tensor of `qtype`: a scalar for one entry, else 1-D. */
export function zeroPointTensor(params: readonly QParams[], qtype: QType): Tensor {
  const v = params.map((p) => p.zeroPoint);
  return params.length === 1 ? tensor(qtype, [], v) : tensor(qtype, [v.length], v);
}
