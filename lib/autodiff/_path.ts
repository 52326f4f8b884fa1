// Which nodes lie between the parameters and the loss, and which input
// gradients each of them must produce.

import { type Graph, isFloatDType, type Node, type TypeInfo } from "../onnx/mod.ts";

/**
 * Ops whose outputs carry no gradient: shape and index computations,
 * comparisons, constants, random sources, and piecewise-constant functions
 * (their derivative is zero almost everywhere, as in PyTorch).
 */
export const NON_DIFFERENTIABLE: ReadonlySet<string> = new Set([
  "And",
  "ArgMax",
  "ArgMin",
  "Bernoulli",
  "BitShift",
  "Ceil",
  "Constant",
  "ConstantOfShape",
  "Equal",
  "EyeLike",
  "Floor",
  "Greater",
  "GreaterOrEqual",
  "IsInf",
  "IsNaN",
  "Less",
  "LessOrEqual",
  "Multinomial",
  "NonZero",
  "Not",
  "OneHot",
  "Or",
  "RandomNormal",
  "RandomNormalLike",
  "RandomUniform",
  "RandomUniformLike",
  "Range",
  "Round",
  "Shape",
  "Sign",
  "Size",
  "Xor",
]);

/** Inputs that are shapes, axes, indices or settings: never differentiated. */
export const NON_DIFFERENTIABLE_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Clip: [1, 2],
  CumSum: [1],
  Dropout: [1, 2],
  Expand: [1],
  Gather: [1],
  GatherElements: [1],
  GatherND: [1],
  Pad: [1, 2, 3],
  ReduceL1: [1],
  ReduceL2: [1],
  ReduceLogSumExp: [1],
  ReduceMax: [1],
  ReduceMean: [1],
  ReduceMin: [1],
  ReduceProd: [1],
  ReduceSum: [1],
  ReduceSumSquare: [1],
  Reshape: [1],
  Resize: [1, 2, 3],
  ScatterElements: [1],
  ScatterND: [1],
  Slice: [1, 2, 3, 4],
  Split: [1],
  Squeeze: [1],
  Tile: [1],
  TopK: [1],
  Unsqueeze: [1],
  Where: [0],
};

/** The part of the graph a backward walk visits. */
export interface BackwardPath {
  /** Nodes to differentiate, in reverse topological order. */
  nodes: Node[];
  /** Values whose gradient is needed (they depend on a parameter and feed the loss). */
  needed: Set<string>;
}

/**
 * Finds the nodes between `wrt` and `loss`: values reachable from a parameter
 * through differentiable inputs, intersected with values the loss depends on
 * through differentiable inputs.
 *
 * @param graph The graph.
 * @param typeOf What is known of a value's type.
 * @param loss The loss value.
 * @param wrt The parameters.
 * @returns The nodes and the needed values.
 */
export function backwardPath(
  graph: Graph,
  typeOf: (name: string) => TypeInfo,
  loss: string,
  wrt: readonly string[],
): BackwardPath {
  const order = graph.topologicalOrder();
  const carries = (name: string): boolean => {
    const t = typeOf(name).dtype;
    return t === undefined || isFloatDType(t);
  };
  const diffInputs = (node: Node): string[] => {
    if (NON_DIFFERENTIABLE.has(node.opType)) return [];
    const skip = NON_DIFFERENTIABLE_INPUTS[node.opType] ?? [];
    return node.inputs.filter((v, i) => v !== "" && !skip.includes(i) && carries(v));
  };
  const forward = new Set(wrt);
  for (const node of order) {
    if (!diffInputs(node).some((v) => forward.has(v))) continue;
    for (const o of node.outputs) if (o !== "" && carries(o)) forward.add(o);
  }
  const backward = new Set([loss]);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (!node.outputs.some((o) => backward.has(o))) continue;
    for (const v of diffInputs(node)) backward.add(v);
  }
  const needed = new Set([...forward].filter((v) => backward.has(v)));
  const nodes = order.filter((n) =>
    n.outputs.some((o) => needed.has(o)) && diffInputs(n).some((v) => needed.has(v))
  ).reverse();
  return { nodes, needed };
}

/**
 * Whether input `i` of `node` takes a gradient on this path.
 *
 * @param node A node on the path.
 * @param i Input index.
 * @param needed The needed values.
 * @returns True when the rule must produce that input's gradient.
 */
export function needsInput(node: Node, i: number, needed: Set<string>): boolean {
  const v = node.inputs[i] ?? "";
  if (v === "" || !needed.has(v)) return false;
  return !(NON_DIFFERENTIABLE_INPUTS[node.opType] ?? []).includes(i);
}
