// Follows a layer's output channels through the graph to the layers that
// read them, for structured pruning: which nodes pass channels through
// unchanged, which constants must be sliced with them, and which weights
// (the readers' input channels) shrink with them.

import type { Graph, Node, Tensor } from "../onnx/mod.ts";
import { constValue, isStandard } from "./_graph.ts";

/** How a value carries the pruned layer's channels: along `axis`, `block` elements each. */
export interface ChannelUse {
  axis: number;
  block: number;
}

/** A slicing to apply once the channels to keep are chosen. */
export interface SliceEdit {
  node: Node;
  input: number;
  axis: number;
  block: number;
}

/** The walk's result: edits, values whose dims change, or why the layer cannot be pruned. */
export type ChannelPlan = { edits: SliceEdit[]; values: string[] } | { reason: string };

const UNARY = new Set([
  "Relu",
  "LeakyRelu",
  "Sigmoid",
  "Tanh",
  "Erf",
  "HardSigmoid",
  "HardSwish",
  "Neg",
  "Abs",
  "Identity",
  "Softplus",
  "Elu",
  "Selu",
  "Gelu",
  "Exp",
  "Sqrt",
  "Clip",
]);
const BINARY = new Set(["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu"]);
const POOLS = new Set(["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool"]);

type Ranks = (name: string) => number | undefined;

/**
 * Follows `start` (carrying `channels` channels along `use`) to the readers.
 *
 * @param rank The known rank of a value.
 */
export function followChannels(
  graph: Graph,
  start: string,
  use: ChannelUse,
  channels: number,
  rank: Ranks,
): ChannelPlan {
  const carried = new Map<string, ChannelUse>([[start, use]]);
  const edits: SliceEdit[] = [];
  const order = graph.topologicalOrder();
  for (const node of order) {
    const hit = node.inputs.map((i) => carried.get(i));
    if (!hit.some((h) => h)) continue;
    const out = node.outputs[0] ?? "";
    const why = step(graph, node, hit, channels, rank, edits, carried);
    if (why) return { reason: `${node.label} ${why}` };
    if (carried.has(out) && graph.isOutput(out)) {
      return { reason: `its channels reach graph output "${out}"` };
    }
  }
  if (graph.isOutput(start)) return { reason: `its output "${start}" is a graph output` };
  return { edits, values: [...carried.keys()] };
}

function step(
  graph: Graph,
  node: Node,
  hit: (ChannelUse | undefined)[],
  channels: number,
  rank: Ranks,
  edits: SliceEdit[],
  carried: Map<string, ChannelUse>,
): string | undefined {
  if (!isStandard(node)) return "is not a standard op";
  const u = hit.find((h) => h)!;
  const op = node.opType;
  const out = node.outputs[0]!;
  const only0 = hit.every((h, i) => i === 0 || !h);
  if (UNARY.has(op) || op === "Dropout") {
    if (!only0 || node.outputs.slice(1).some((o) => o && graph.consumers(o).length)) {
      return "reads the channels oddly";
    }
    if (op === "Clip" && node.inputs.slice(1).some((i) => i && !constValue(graph, i))) {
      return "has non-constant bounds";
    }
    carried.set(out, u);
    return undefined;
  }
  if (POOLS.has(op) || op === "BatchNormalization") {
    if (!only0 || u.axis !== 1 || u.block !== 1) return "reads the channels along another axis";
    if (op === "BatchNormalization") {
      for (let i = 1; i < 5; i++) edits.push({ node, input: i, axis: 0, block: 1 });
    }
    carried.set(out, u);
    return undefined;
  }
  if (BINARY.has(op)) return binary(graph, node, hit, channels, rank, edits, carried);
  if (op === "Flatten" || op === "Reshape") return flatten(graph, node, u, only0, rank, carried);
  return sink(graph, node, u, only0, rank, edits);
}

function binary(
  graph: Graph,
  node: Node,
  hit: (ChannelUse | undefined)[],
  channels: number,
  rank: Ranks,
  edits: SliceEdit[],
  carried: Map<string, ChannelUse>,
): string | undefined {
  const out = node.outputs[0]!;
  const outRank = rank(out);
  if (outRank === undefined) return "has an output of unknown rank";
  let use: ChannelUse | undefined;
  for (let i = 0; i < node.inputs.length; i++) {
    const h = hit[i];
    if (!h) continue;
    const shifted = { axis: h.axis + outRank - (rank(node.inputs[i]!) ?? outRank), block: h.block };
    if (use && (use.axis !== shifted.axis || use.block !== shifted.block)) {
      return "mixes channels along two axes";
    }
    use = shifted;
  }
  for (let i = 0; i < node.inputs.length; i++) {
    const name = node.inputs[i]!;
    if (hit[i]) continue;
    const c = constValue(graph, name);
    if (!c) {
      return `mixes the channels with "${name}", which other layers feed (a residual or skip link)`;
    }
    const dims = [...Array(Math.max(0, outRank - c.dims.length)).fill(1), ...c.dims];
    const d = dims[use!.axis];
    if (c.data.length === 1 || d === 1) continue;
    if (d !== channels * use!.block) {
      return `has a constant "${name}" that does not broadcast per channel`;
    }
    edits.push({ node, input: i, axis: use!.axis - (outRank - c.dims.length), block: use!.block });
  }
  carried.set(out, use!);
  return undefined;
}

function flatten(
  graph: Graph,
  node: Node,
  u: ChannelUse,
  only0: boolean,
  rank: Ranks,
  carried: Map<string, ChannelUse>,
): string | undefined {
  const input = node.inputs[0]!;
  const inDims = graph.typeOf(input)?.dims;
  const outRank = rank(node.outputs[0]!);
  if (!only0 || !inDims || u.axis !== 1 || outRank !== 2) return "reshapes the channels";
  if (node.opType === "Flatten" && node.getInt("axis", 1) !== 1) {
    return "flattens along another axis";
  }
  const spatial = inDims.slice(2);
  if (!spatial.every((d) => typeof d === "number")) return "has unknown spatial dims";
  if (node.opType === "Reshape") {
    const shape = constValue(graph, node.inputs[1]!);
    const target = shape ? Array.from(shape.data as BigInt64Array, Number) : undefined;
    if (
      !target || target.length !== 2 || (target[1] !== -1 && target[0] !== -1 && target[0] !== 0)
    ) {
      return "reshapes the channels";
    }
  }
  const block = u.block * (spatial as number[]).reduce((a, b) => a * b, 1);
  carried.set(node.outputs[0]!, { axis: 1, block });
  return undefined;
}

function sink(
  graph: Graph,
  node: Node,
  u: ChannelUse,
  only0: boolean,
  rank: Ranks,
  edits: SliceEdit[],
): string | undefined {
  const w = constValue(graph, node.inputs[1] ?? "");
  if (!only0 || !w) {
    return `reads the channels but is not a Conv, Gemm or MatMul with a constant weight`;
  }
  if (node.opType === "Conv") {
    if (node.getInt("group", 1) !== 1) return "is a grouped Conv";
    if (u.axis !== 1 || u.block !== 1) return "reads the channels along another axis";
    edits.push({ node, input: 1, axis: 1, block: 1 });
    return undefined;
  }
  const inRank = rank(node.inputs[0]!);
  if (inRank === undefined || u.axis !== inRank - 1 || w.dims.length !== 2) {
    return "reads the channels along another axis";
  }
  if (node.opType === "Gemm") {
    if (node.getInt("transA", 0) !== 0) return "is a Gemm with transA";
    edits.push({ node, input: 1, axis: node.getInt("transB", 0) === 1 ? 1 : 0, block: u.block });
    return undefined;
  }
  if (node.opType === "MatMul") {
    edits.push({ node, input: 1, axis: 0, block: u.block });
    return undefined;
  }
  return `(${node.opType}) reads the channels and cannot be sliced`;
}

/** Keeps the given channels (each `block` elements) along `axis`. */
export function sliceChannels(
  t: Tensor,
  axis: number,
  keep: readonly number[],
  block: number,
): Tensor {
  const dims = [...t.dims];
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src = t.data as Float32Array;
  const len = dims[axis]!;
  const out = new (src.constructor as Float32ArrayConstructor)(outer * keep.length * block * inner);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const c of keep) {
      const from = (o * len + c * block) * inner;
      out.set(src.subarray(from, from + block * inner), at);
      at += block * inner;
    }
  }
  dims[axis] = keep.length * block;
  return { dtype: t.dtype, dims, data: out } as Tensor;
}
