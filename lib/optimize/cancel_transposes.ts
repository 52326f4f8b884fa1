/**
 * Transpose and Reshape chains cancelled.
 *
 * - `Transpose(Transpose(x, p), q)` -> `Transpose(x, p∘q)`, or `x` when the
 *   composed permutation is the identity
 * - `Transpose(x)` with the identity permutation -> `x`
 * - `Reshape(Reshape(x, s1), s2)` -> `Reshape(x, s2)` when `s2` is a constant
 *   without 0 (copy-a-dim) entries
 * - `Reshape(x, s)` to the dims `x` already has -> `x`
 *
 * Exact: only data movement changes.
 *
 * @module
 */
import { type Graph, inferShapes, type Model, type Node } from "../onnx/mod.ts";
import { bypass, constValue, isStandard } from "./_graph.ts";
import { declined, type PassResult } from "./pass.ts";

/**
 * Cancels Transpose/Transpose and Reshape/Reshape chains and no-op reshapes.
 *
 * @param model The model (not modified).
 * @returns The rewritten copy; `reason` when no chain was found.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { cancelTransposes } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2, 3, 4] });
 * const t = g.op("Transpose", [x], { perm: [1, 0, 2] });
 * g.output(g.op("Relu", [g.op("Transpose", [t], { perm: [1, 0, 2] })]), "y");
 * const { model } = cancelTransposes(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Relu"]);
 * ```
 */
export function cancelTransposes(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const types = inferShapes(out).types;
  const notes: string[] = [];
  for (const node of graph.topologicalOrder()) {
    if (!isStandard(node) || node.outputs.length !== 1) continue;
    const rank = types.get(node.inputs[0] ?? "")?.dims?.length;
    if (node.opType === "Transpose" && rank !== undefined) {
      const note = transpose(graph, node, rank);
      if (note) notes.push(note);
    } else if (node.opType === "Reshape") {
      const note = reshape(graph, node, types);
      if (note) notes.push(note);
    }
  }
  if (notes.length === 0) return declined(model, "no Transpose or Reshape chain to cancel");
  graph.removeUnused();
  return { model: out, changed: true, notes };
}

function permOf(node: Node, rank: number): number[] {
  return node.getInts("perm", Array.from({ length: rank }, (_, i) => rank - 1 - i));
}

function transpose(graph: Graph, node: Node, rank: number): string | undefined {
  let perm = permOf(node, rank);
  let source = node.inputs[0]!;
  const prev = graph.producer(source);
  let merged = false;
  if (prev && prev.opType === "Transpose" && isStandard(prev)) {
    const inner = permOf(prev, rank);
    perm = perm.map((p) => inner[p]!);
    source = prev.inputs[0]!;
    merged = true;
  }
  if (perm.every((p, i) => p === i)) {
    return bypass(graph, node, source)
      ? `removed ${node.label}${merged ? " and its inverse" : ""}`
      : undefined;
  }
  if (!merged) return undefined;
  node.setInputs([source]);
  node.setInts("perm", perm);
  return `merged ${prev!.label} into ${node.label}`;
}

function reshape(
  graph: Graph,
  node: Node,
  types: Map<string, { dims?: (number | string | null)[] }>,
): string | undefined {
  const x = node.inputs[0]!;
  const inDims = types.get(x)?.dims;
  const outDims = types.get(node.outputs[0]!)?.dims;
  if (
    inDims && outDims && inDims.length === outDims.length &&
    inDims.every((d, i) => d !== null && d === outDims[i])
  ) {
    return bypass(graph, node, x) ? `removed no-op ${node.label}` : undefined;
  }
  const prev = graph.producer(x);
  if (!prev || prev.opType !== "Reshape" || !isStandard(prev)) return undefined;
  const shape = constValue(graph, node.inputs[1]!);
  if (!shape || Array.from(shape.data as BigInt64Array).some((v) => Number(v) === 0)) {
    return undefined;
  }
  node.setInput(0, prev.inputs[0]!);
  return `merged ${prev.label} into ${node.label}`;
}
