// Static-dim checks shared by the layers: a layer that sizes its weights from
// its input needs those dims known when the graph is built.

import { formatDims, type Value } from "../onnx/mod.ts";

/** The input's dims, failing unless its rank is `rank` (when given). */
export function dimsOf(layer: string, x: Value, rank?: number): (number | string | null)[] {
  if (x.dims === undefined || (rank !== undefined && x.dims.length !== rank)) {
    const got = x.dims === undefined ? "unknown dims" : `dims ${formatDims(x.dims)}`;
    throw new RangeError(
      `Cannot build ${layer} on "${x.name}": expected ${
        rank === undefined ? "known dims" : `rank ${rank}`
      }, got ${got}`,
    );
  }
  return x.dims;
}

/** A dim that must be a known number (channels, features, sequence length). */
export function staticDim(layer: string, x: Value, axis: number, what: string): number {
  const dims = dimsOf(layer, x);
  const d = dims[axis < 0 ? dims.length + axis : axis];
  if (typeof d !== "number") {
    throw new RangeError(
      `Cannot build ${layer} on "${x.name}": its ${what} (dim ${axis} of ${
        formatDims(dims)
      }) must be a known number`,
    );
  }
  return d;
}

/** A positive integer option, or a pair of them (`3` or `[3, 5]`). */
export function pair(layer: string, key: string, v: number | readonly number[], min = 1): number[] {
  const out = typeof v === "number" ? [v, v] : [...v];
  if (out.length !== 2 || out.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(
      `Invalid ${layer} option "${key}": expected an integer >= ${min} or a pair of them, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return out;
}

/** Fails unless `v` is an integer >= `min`. */
export function checkInt(layer: string, key: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(
      `Invalid ${layer} option "${key}": expected an integer >= ${min}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Fails unless `0 <= p < 1`. */
export function checkProb(layer: string, key: string, p: number): number {
  if (typeof p !== "number" || !(p >= 0 && p < 1)) {
    throw new RangeError(
      `Invalid ${layer} option "${key}": expected a probability in [0, 1), got ${
        JSON.stringify(p)
      }`,
    );
  }
  return p;
}
