// Shared by the quantizers: which nodes carry constant weights, how those
// weights and biases read as [K, N] / [M, …] tensors, node exclusion, and the
// opset quantizing needs.

import { type Graph, type Model, type Node, type Tensor, tensor } from "../onnx/mod.ts";
import { constValue, isStandard, toF64 } from "./_graph.ts";
import { biasVector } from "./fold_batchnorm.ts";

/** Op types with constant weights that the quantizers rewrite. */
export const WEIGHT_OPS: readonly string[] = ["Conv", "Gemm", "MatMul"];

/** A node with a constant weight, seen uniformly. */
export interface WeightNode {
  node: Node;
  /** The activation input. */
  x: string;
  /**
   * The weight as the integer op wants it: `[K, N]` for Gemm/MatMul
   * (Gemm's alpha and transB applied), `[M, C/g, kh, kw]` for Conv.
   */
  w: Tensor;
  /** The axis of output channels in `w` (1 for `[K, N]`, 0 for Conv). */
  axis: number;
  /** The bias per output (Gemm's beta applied), if any. */
  bias?: Float64Array;
}

/**
 * Reads a Conv/Gemm/MatMul node's weight and bias, or says why it cannot be
 * quantized.
 */
export function weightNode(graph: Graph, node: Node): WeightNode | string {
  if (!isStandard(node) || !WEIGHT_OPS.includes(node.opType)) return "not a Conv, Gemm or MatMul";
  const w = constValue(graph, node.inputs[1] ?? "");
  if (!w || w.dtype !== "float32") return "its weight is not a float32 constant";
  const x = node.inputs[0]!;
  if (node.opType === "Conv") {
    const b = node.inputs[2] ? constValue(graph, node.inputs[2]) : undefined;
    if (node.inputs[2] && !b) return "its bias is not a constant";
    return { node, x, w, axis: 0, bias: b ? toF64(b) : undefined };
  }
  if (w.dims.length !== 2) return "its weight is not 2-D";
  if (node.opType === "MatMul") return { node, x, w, axis: 1 };
  if (node.getInt("transA", 0) !== 0) return "Gemm with transA is not quantized";
  const alpha = node.getFloat("alpha", 1);
  const beta = node.getFloat("beta", 1);
  const kn = node.getInt("transB", 0) === 1 ? transpose2d(w) : w;
  const scaled = alpha === 1
    ? kn
    : tensor("float32", kn.dims, (kn.data as Float32Array).map((v) => v * alpha));
  let bias: Float64Array | undefined;
  if (node.inputs[2]) {
    const c = constValue(graph, node.inputs[2]);
    const v = c ? biasVector(c, kn.dims[1]!) : undefined;
    if (!v) return "its bias is not a constant per output";
    bias = v.map((b) => b * beta);
  }
  return { node, x, w: scaled, axis: 1, bias };
}

function transpose2d(t: Tensor): Tensor {
  const [r, c] = t.dims as [number, number];
  const src = t.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j]!;
  return tensor("float32", [c, r], out);
}

/** Options naming nodes to leave in float. */
export interface ExcludeOptions {
  /**
   * Node names to leave in float; `"first"` and `"last"` name the first and
   * last Conv/Gemm/MatMul with a constant weight (in graph order).
   */
  exclude?: readonly string[];
}

/**
 * The weight nodes to quantize and the excluded ones.
 *
 * @throws {RangeError} For an excluded name that is no node of the graph.
 */
export function selectWeightNodes(
  graph: Graph,
  options: ExcludeOptions,
  opTypes: readonly string[] = WEIGHT_OPS,
): { nodes: WeightNode[]; skipped: string[] } {
  const order = graph.topologicalOrder().filter((n) => opTypes.includes(n.opType));
  const all = order.map((n) => weightNode(graph, n));
  const candidates = all.filter((w): w is WeightNode => typeof w !== "string");
  const excluded = new Set<Node>();
  for (const e of options.exclude ?? []) {
    if (e === "first" && candidates[0]) excluded.add(candidates[0].node);
    else if (e === "last" && candidates.length) {
      excluded.add(candidates[candidates.length - 1]!.node);
    } else if (e !== "first" && e !== "last") {
      const hit = order.filter((n) => n.name === e);
      if (hit.length === 0) {
        throw new RangeError(
          `Cannot exclude node "${e}": the graph has no node of that name (use a node name, "first" or "last")`,
        );
      }
      for (const n of hit) excluded.add(n);
    }
  }
  const skipped: string[] = [];
  order.forEach((n, i) => {
    const w = all[i]!;
    if (typeof w === "string") {
      if (WEIGHT_OPS.includes(n.opType)) skipped.push(`${n.label}: ${w}`);
    } else if (excluded.has(n)) skipped.push(`${n.label}: excluded`);
  });
  return { nodes: candidates.filter((w) => !excluded.has(w.node)), skipped };
}

/** Why a model cannot be quantized for its opset (QuantizeLinear per axis needs 13), or undefined. */
export function quantizeOpsetProblem(model: Model): string | undefined {
  const opset = model.opset("") ?? 0;
  return opset < 13
    ? `the model imports ai.onnx opset ${model.opset("")}: quantizing needs 13 or newer`
    : undefined;
}
