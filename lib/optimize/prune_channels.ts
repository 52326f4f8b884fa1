/**
 * Structured channel pruning: the model really gets smaller and faster.
 *
 * - Conv (group 1) / Gemm / MatMul with a constant weight -> its `amount`
 *   output channels of smallest L1 norm removed (weight rows and bias)
 * - what passes those channels on (ReLU and other pointwise ops, pooling,
 *   BatchNormalization, per-channel constants, Flatten) -> sliced to match
 * - the layers that read them (Conv input channels, Gemm/MatMul input
 *   features, Flatten blocks) -> the matching weight columns removed
 *
 * A layer whose channels reach a graph output, a residual Add, a Concat or a
 * reshape that mixes them is left alone, with the reason. Outputs change (the
 * removed channels are gone): fine-tune afterwards to recover accuracy.
 *
 * @module
 */
import { inferShapes, type Model, type Node } from "../onnx/mod.ts";
import { addInitializer, constValue, isStandard } from "./_graph.ts";
import { followChannels, sliceChannels } from "./_channels.ts";
import type { ExcludeOptions } from "./_weights.ts";
import { selectWeightNodes } from "./_weights.ts";
import { declined, joinReasons, type PassResult } from "./pass.ts";
import { checkAmount } from "./prune_l1.ts";

/** Options of {@linkcode pruneChannels}. */
export interface ChannelPruneOptions extends ExcludeOptions {
  /** Fraction of each prunable layer's output channels to remove, in [0, 1). */
  amount: number;
  /**
   * Round each kept channel count to the nearest multiple of this (default
   * 16), for layers that have at least that many channels.
   *
   * NOTE: ONNX Runtime's fast CPU convolutions (NCHWc) need channel counts
   * that are multiples of the SIMD block (16 floats with AVX-512); the MNIST
   * CNN's second convolution with 23 input channels instead of 32 ran 2.3x
   * slower than unpruned (72 µs against 31 µs) in the generic kernel.
   */
  multipleOf?: number;
}

/** One pruned layer. */
export interface PrunedLayer {
  node: string;
  before: number;
  after: number;
  /** Indices of the kept output channels, in order. */
  kept: number[];
}

/**
 * Removes output channels of smallest L1 norm from every layer where the
 * readers can be sliced to match.
 *
 * @param model The model (not modified).
 * @param options Amount, excluded nodes.
 * @returns The smaller copy, the pruned layers; `reason` names layers left alone and why.
 * @throws {RangeError} For an amount outside [0, 1) or an unknown excluded node.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { pruneChannels } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const w1 = tensor("float32", [4, 10], Float32Array.from({ length: 40 }, (_, i) => (i % 10) - 4.5));
 * const h = g.op("Relu", [g.op("MatMul", [x, g.initializer("w1", w1)], {}, { name: "fc1" })]);
 * g.output(g.op("MatMul", [h, g.initializer("w2", tensor("float32", [10, 2]))]), "y");
 * const { model, layers } = pruneChannels(g.build(), { amount: 0.3 });
 * assert.deepEqual(layers.map((l) => [l.node, l.before, l.after]), [["fc1", 10, 7]]);
 * assert.deepEqual(model.graph.initializers.get("w2_pruned")?.dims, [7, 2]);
 * ```
 */
export function pruneChannels(
  model: Model,
  options: ChannelPruneOptions,
): PassResult & { layers: PrunedLayer[] } {
  checkAmount(options.amount);
  const out = model.clone();
  const graph = out.graph;
  const { nodes } = selectWeightNodes(graph, options);
  const layers: PrunedLayer[] = [];
  const skipped: string[] = [];
  for (const { node } of nodes) {
    const why = pruneLayer(out, node, options.amount, options.multipleOf ?? 16, layers);
    if (why) skipped.push(`${node.label}: ${why}`);
  }
  const reason = joinReasons(skipped);
  if (layers.length === 0) return { ...declined(model, reason ?? "no layer to prune"), layers };
  graph.removeUnused();
  inferShapes(out);
  const notes = layers.map((l) => `pruned "${l.node}" from ${l.before} to ${l.after} channels`);
  return { model: out, changed: true, notes, reason, layers };
}

/** Prunes one layer in place; returns why not. */
function pruneLayer(
  model: Model,
  node: Node,
  amount: number,
  multiple: number,
  layers: PrunedLayer[],
): string | undefined {
  const graph = model.graph;
  if (!isStandard(node)) return "not a standard op";
  const types = inferShapes(model).types;
  const rank = (v: string) => types.get(v)?.dims?.length;
  const w = constValue(graph, node.inputs[1]!)!;
  const conv = node.opType === "Conv";
  if (conv && node.getInt("group", 1) !== 1) return "grouped Conv";
  const outAxis = conv ? 0 : node.opType === "Gemm" && node.getInt("transB", 0) === 1 ? 0 : 1;
  if (node.opType === "Gemm" && node.getInt("transA", 0) !== 0) return "Gemm with transA";
  const m = w.dims[outAxis]!;
  const count = keptCount(m, amount, multiple);
  if (count >= m) {
    return `${m} channels: removing ${amount} of them leaves all (kept counts are multiples of ${multiple})`;
  }
  const y = node.outputs[0]!;
  const yRank = rank(y);
  if (yRank === undefined) return "its output has unknown rank";
  const plan = followChannels(graph, y, { axis: conv ? 1 : yRank - 1, block: 1 }, m, rank);
  if ("reason" in plan) return plan.reason;
  const keep = strongest(w.data as Float32Array, w.dims, outAxis, count);
  const slice = (n: Node, input: number, axis: number, block: number) => {
    const t = constValue(graph, n.inputs[input]!)!;
    n.setInput(
      input,
      addInitializer(graph, `${n.inputs[input]}_pruned`, sliceChannels(t, axis, keep, block)),
    );
  };
  slice(node, 1, outAxis, 1);
  const bias = node.inputs[2] ? constValue(graph, node.inputs[2]) : undefined;
  if (bias && bias.data.length === m) slice(node, 2, bias.dims.length - 1, 1);
  for (const e of plan.edits) slice(e.node, e.input, e.axis, e.block);
  for (const v of plan.values) graph.valueInfo.delete(v);
  layers.push({ node: node.name || y, before: m, after: keep.length, kept: keep });
  return undefined;
}

/** Channels kept: `(1 - amount) m`, rounded to a multiple of `multiple` where `m` allows. */
export function keptCount(m: number, amount: number, multiple: number): number {
  const raw = m - Math.floor(amount * m);
  if (multiple <= 1 || m < multiple || m % multiple !== 0) return Math.max(1, raw);
  return Math.max(multiple, Math.round((m * (1 - amount)) / multiple) * multiple);
}

/** Indices of the `count` output channels with the largest L1 norm, in order. */
function strongest(data: Float32Array, dims: number[], axis: number, count: number): number[] {
  const m = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const norms = new Float64Array(m);
  for (let i = 0; i < data.length; i++) norms[Math.floor(i / inner) % m]! += Math.abs(data[i]!);
  return Array.from({ length: m }, (_, c) => c)
    .sort((a, b) => norms[b]! - norms[a]! || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}
