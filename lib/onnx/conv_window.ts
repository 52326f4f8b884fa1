/**
 * The static window geometry of Conv and the pools over the spatial axes, with
 * onnxruntime's semantics: `auto_pad` resolved to explicit pads, and in ceil
 * mode a last window that would start in the end padding dropped.
 *
 * @module
 */
import type { Node } from "./node.ts";

/** Window geometry of a Conv or pooling node over known spatial dims. */
export interface ConvWindow {
  /** The input's spatial dims. */
  spatial: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Begins then ends, explicit (auto_pad resolved). */
  pads: number[];
  /** The output's spatial dims. */
  out: number[];
}

/**
 * The window of a Conv / MaxPool / AveragePool node.
 *
 * @param node the node (strides, dilations, pads, auto_pad, ceil_mode)
 * @param spatial the input's spatial dims
 * @param kernel the kernel's spatial dims
 * @returns the geometry
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convWindow, Node } from "./mod.ts";
 * const pool = new Node({ opType: "MaxPool", attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
 * assert.deepEqual(convWindow(pool, [5, 5], [2, 2]).out, [2, 2]);
 * ```
 */
export function convWindow(node: Node, spatial: number[], kernel: number[]): ConvWindow {
  const r = spatial.length;
  const strides = node.getInts("strides", new Array(r).fill(1));
  const dilations = node.getInts("dilations", new Array(r).fill(1));
  const autoPad = node.getString("auto_pad", "NOTSET");
  const ceil = node.getInt("ceil_mode", 0) === 1;
  let pads = node.getInts("pads", new Array(2 * r).fill(0));
  if (autoPad !== "NOTSET") pads = new Array(2 * r).fill(0);
  const reach = kernel.map((k, i) => (k - 1) * dilations[i]! + 1);
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    spatial.forEach((s, i) => {
      const total = Math.max((Math.ceil(s / strides[i]!) - 1) * strides[i]! + reach[i]! - s, 0);
      const half = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? half : total - half;
      pads[i + r] = total - pads[i]!;
    });
  }
  const out = spatial.map((s, i) => {
    const span = (s + pads[i]! + pads[i + r]! - reach[i]!) / strides[i]!;
    if (!ceil) return Math.floor(span) + 1;
    const n = Math.ceil(span) + 1;
    return (n - 1) * strides[i]! >= s + pads[i]! ? n - 1 : n;
  });
  return { spatial, kernel, strides, dilations, pads, out };
}

/**
 * AveragePool's divisor of each output position, row-major over the output's
 * spatial dims: the window clipped to the padded input (`count_include_pad`)
 * or to the input.
 *
 * @param win the pool's window
 * @param includePad count_include_pad
 * @returns one divisor per output position
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Node, poolDivisors, convWindow } from "./mod.ts";
 * const pool = new Node({ opType: "AveragePool", attrs: { kernel_shape: [3], pads: [1, 1] } });
 * assert.deepEqual(poolDivisors(convWindow(pool, [3], [3]), false), [2, 3, 2]);
 * ```
 */
export function poolDivisors(win: ConvWindow, includePad: boolean): number[] {
  const r = win.spatial.length;
  const perAxis = win.out.map((count, i) =>
    Array.from({ length: count }, (_, o) => {
      const start = o * win.strides[i]! - win.pads[i]!;
      const end = Math.min(start + win.kernel[i]!, win.spatial[i]! + win.pads[i + r]!);
      return includePad ? end - start : Math.min(end, win.spatial[i]!) - Math.max(start, 0);
    })
  );
  let out = [1];
  for (const axis of perAxis) out = out.flatMap((p) => axis.map((q) => p * q));
  return out;
}
