// Typed helpers for neural-network ops: convolution, pooling, normalization,
// reductions and losses.

import type { GraphBuilder, OpInput, Value } from "./builder.ts";
import { checkFloat, checkInt, checkInts, checkOneOf, spatialRank } from "./_ops_check.ts";

/** Window attributes shared by Conv and the pools. */
export interface WindowAttrs {
  strides?: number[];
  /** `[x1_begin, x2_begin, …, x1_end, x2_end, …]`. */
  pads?: number[];
  dilations?: number[];
  autoPad?: "NOTSET" | "SAME_UPPER" | "SAME_LOWER" | "VALID";
}

function windowAttrs(op: string, x: Value, a: WindowAttrs, kernel?: number[]) {
  const n = spatialRank(x) ?? kernel?.length ?? a.strides?.length;
  return {
    strides: checkInts(op, "strides", a.strides, { length: n, min: 1 }),
    pads: checkInts(op, "pads", a.pads, { length: n === undefined ? undefined : 2 * n, min: 0 }),
    dilations: checkInts(op, "dilations", a.dilations, { length: n, min: 1 }),
    auto_pad: checkOneOf(op, "autoPad", a.autoPad, ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]),
  };
}

/** N-d convolution `x (N×C×…) * w (M×C/group×k…) + b (M)`. */
export function conv(
  g: GraphBuilder,
  x: Value,
  w: Value,
  b?: Value,
  attrs: WindowAttrs & { group?: number; kernelShape?: number[] } = {},
): Value {
  const group = checkInt("Conv", "group", attrs.group, 1);
  const kernel = checkInts("Conv", "kernelShape", attrs.kernelShape, { min: 1 });
  return g.op("Conv", [x, w, b], {
    ...windowAttrs("Conv", x, attrs, kernel),
    group,
    kernel_shape: kernel,
  });
}

/** Pooling attributes. */
export interface PoolAttrs extends WindowAttrs {
  kernelShape: number[];
  ceilMode?: boolean;
}

/** Max pooling; returns the output (indices are not requested). */
export function maxPool(g: GraphBuilder, x: Value, attrs: PoolAttrs): Value {
  const kernel = checkInts("MaxPool", "kernelShape", attrs.kernelShape, {
    length: spatialRank(x),
    min: 1,
  });
  return g.op("MaxPool", [x], {
    ...windowAttrs("MaxPool", x, attrs, kernel),
    kernel_shape: kernel,
    ceil_mode: attrs.ceilMode ? 1 : undefined,
  });
}

/** Average pooling. */
export function averagePool(
  g: GraphBuilder,
  x: Value,
  attrs: PoolAttrs & { countIncludePad?: boolean },
): Value {
  const kernel = checkInts("AveragePool", "kernelShape", attrs.kernelShape, {
    length: spatialRank(x),
    min: 1,
  });
  return g.op("AveragePool", [x], {
    ...windowAttrs("AveragePool", x, attrs, kernel),
    kernel_shape: kernel,
    ceil_mode: attrs.ceilMode ? 1 : undefined,
    count_include_pad: attrs.countIncludePad ? 1 : undefined,
  });
}

/** Mean over all spatial dims, keeping them as 1. */
export function globalAveragePool(g: GraphBuilder, x: OpInput): Value {
  return g.op("GlobalAveragePool", [x]);
}

/**
 * Batch normalization. In training mode (opset 14+) it also returns the
 * updated running mean and variance: `[y, runningMean, runningVar]`.
 */
export function batchNormalization(
  g: GraphBuilder,
  x: Value,
  params: { scale: OpInput; bias: OpInput; mean: OpInput; variance: OpInput },
  attrs: { epsilon?: number; momentum?: number; training?: boolean } = {},
): Value[] {
  const epsilon = checkFloat("BatchNormalization", "epsilon", attrs.epsilon);
  const momentum = checkFloat("BatchNormalization", "momentum", attrs.momentum);
  const inputs = [x, params.scale, params.bias, params.mean, params.variance];
  if (attrs.training) {
    if (g.opset < 14) {
      throw new RangeError(
        `BatchNormalization training mode needs opset 14 or newer, got ${g.opset}`,
      );
    }
    return g.op("BatchNormalization", inputs, { epsilon, momentum, training_mode: 1 }, {
      outputs: 3,
    });
  }
  return g.op("BatchNormalization", inputs, { epsilon, momentum }, { outputs: 1 });
}

/** Layer normalization over the dims from `axis` (default -1); opset 17+. */
export function layerNormalization(
  g: GraphBuilder,
  x: Value,
  scale: OpInput,
  bias?: OpInput,
  attrs: { axis?: number; epsilon?: number } = {},
): Value {
  if (g.opset < 17) {
    throw new RangeError(`LayerNormalization needs opset 17 or newer, got ${g.opset}`);
  }
  return g.op("LayerNormalization", [x, scale, bias], {
    axis: checkInt("LayerNormalization", "axis", attrs.axis),
    epsilon: checkFloat("LayerNormalization", "epsilon", attrs.epsilon),
  });
}

/** Flattens to 2-D around `axis` (default 1). */
export function flatten(g: GraphBuilder, x: OpInput, attrs: { axis?: number } = {}): Value {
  return g.op("Flatten", [x], { axis: checkInt("Flatten", "axis", attrs.axis) });
}

/** Reduction options. */
export interface ReduceAttrs {
  /** Axes to reduce (all when omitted). */
  axes?: number[];
  keepdims?: boolean;
}

function reduce(op: string, inputFrom: number) {
  return (g: GraphBuilder, x: OpInput, attrs: ReduceAttrs = {}): Value => {
    const axes = checkInts(op, "axes", attrs.axes);
    const keepdims = attrs.keepdims === undefined ? undefined : attrs.keepdims ? 1 : 0;
    if (g.opset >= inputFrom) return g.op(op, [x, axes && g.ints(axes)], { keepdims });
    return g.op(op, [x], { axes, keepdims });
  };
}

/** Mean over `axes` (axes are an input from opset 18, an attribute before). */
export const reduceMean: (g: GraphBuilder, x: OpInput, attrs?: ReduceAttrs) => Value = reduce(
  "ReduceMean",
  18,
);
/** Sum over `axes` (axes are an input from opset 13, an attribute before). */
export const reduceSum: (g: GraphBuilder, x: OpInput, attrs?: ReduceAttrs) => Value = reduce(
  "ReduceSum",
  13,
);
/** Max over `axes` (axes are an input from opset 18). */
export const reduceMax: (g: GraphBuilder, x: OpInput, attrs?: ReduceAttrs) => Value = reduce(
  "ReduceMax",
  18,
);

/** Index of the max along `axis`. */
export function argMax(
  g: GraphBuilder,
  x: OpInput,
  attrs: { axis?: number; keepdims?: boolean } = {},
): Value {
  return g.op("ArgMax", [x], {
    axis: checkInt("ArgMax", "axis", attrs.axis),
    keepdims: attrs.keepdims === undefined ? undefined : attrs.keepdims ? 1 : 0,
  });
}

/** ONNX's SoftmaxCrossEntropyLoss (opset 12+); returns `[loss, logProb]`. */
export function softmaxCrossEntropyLoss(
  g: GraphBuilder,
  scores: OpInput,
  labels: OpInput,
  attrs: { reduction?: "mean" | "sum" | "none"; ignoreIndex?: number; weights?: OpInput } = {},
): Value[] {
  return g.op("SoftmaxCrossEntropyLoss", [scores, labels, attrs.weights], {
    reduction: checkOneOf("SoftmaxCrossEntropyLoss", "reduction", attrs.reduction, [
      "mean",
      "sum",
      "none",
    ]),
    ignore_index: checkInt("SoftmaxCrossEntropyLoss", "ignoreIndex", attrs.ignoreIndex),
  }, { outputs: 2 });
}
