/**
 * Constant folding.
 *
 * - `Constant` node -> initializer
 * - node whose inputs are all constants -> its outputs as initializers
 *   (computed by the float64 reference evaluator, stored in the node's dtype)
 * - `Shape` / `Size` of a value whose dims are all known -> constant
 *
 * Exact up to the rounding of one float32 store per folded value.
 *
 * @module
 */
import { Graph, inferShapes, type Model, type Node, numel, tensor } from "../onnx/mod.ts";
import { evaluate, REFERENCE_OPS } from "../onnx/reference/mod.ts";
import { constantNodeValue, constValue, isStandard } from "./_graph.ts";
import { declined, type PassResult } from "./pass.ts";

/** Folded outputs larger than this many elements are left to the runtime. */
const MAX_FOLDED = 1 << 22;
const FOLDABLE = new Set(REFERENCE_OPS.filter((op) => op !== "Dropout"));

/**
 * Folds constant subgraphs into initializers.
 *
 * @param model The model (not modified).
 * @returns The folded copy; `reason` when nothing was constant.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { foldConstants } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * const w = g.op("Mul", [g.initializer("a", tensor("float32", [2], [1, 2])), 3]);
 * g.output(g.op("Add", [x, w]), "y");
 * const { model, changed } = foldConstants(g.build());
 * assert.ok(changed);
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Add"]);
 * ```
 */
export function foldConstants(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const opset = out.opset("") ?? 17;
  const notes: string[] = [];
  let changed = false;
  const types = inferShapes(out).types;
  for (const node of graph.topologicalOrder()) {
    if (!isStandard(node) || node.outputs.some((o) => graph.isOutput(o))) continue;
    const folded = node.opType === "Constant"
      ? foldConstantNode(node)
      : node.opType === "Shape" || node.opType === "Size"
      ? foldShape(node, types)
      : foldNode(graph, node, opset, types);
    if (!folded) continue;
    graph.removeNode(node);
    node.outputs.forEach((o, i) => {
      if (o === "") return;
      graph.initializers.set(o, folded[i]!);
      graph.valueInfo.delete(o);
    });
    changed = true;
    if (node.opType !== "Constant") notes.push(`folded ${node.label}`);
  }
  if (!changed) return declined(model, "no node has only constant inputs");
  graph.removeUnused();
  if (notes.length === 0) notes.push("Constant nodes became initializers");
  return { model: out, changed, notes };
}

function foldConstantNode(node: Node) {
  const v = constantNodeValue(node);
  return v ? [v] : undefined;
}

function foldShape(node: Node, types: Map<string, { dims?: (number | string | null)[] }>) {
  const dims = types.get(node.inputs[0]!)?.dims;
  if (!dims || !dims.every((d) => typeof d === "number")) return undefined;
  const all = dims as number[];
  if (node.opType === "Size") return [tensor("int64", [], [numel(all)])];
  const rank = all.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(node.getInt("start", 0));
  const end = clamp(node.getInt("end", rank));
  const part = all.slice(start, Math.max(start, end));
  return [tensor("int64", [part.length], part)];
}

function foldNode(
  graph: Graph,
  node: Node,
  opset: number,
  types: Map<string, { dims?: (number | string | null)[] }>,
) {
  if (!FOLDABLE.has(node.opType)) return undefined;
  const inputs = node.inputs.filter((i) => i !== "");
  if (inputs.length === 0) return undefined;
  const values = inputs.map((i) => constValue(graph, i));
  if (values.some((v) => v === undefined)) return undefined;
  for (const o of node.outputs) {
    const dims = types.get(o)?.dims;
    if (!dims || !dims.every((d) => typeof d === "number")) return undefined;
    if (numel(dims as number[]) > MAX_FOLDED) return undefined;
  }
  const mini = new Graph({
    nodes: [node.clone()],
    initializers: new Map(inputs.map((name, i) => [name, values[i]!])),
    outputs: node.outputs.filter((o) => o !== "").map((name) => ({ name })),
  });
  try {
    const result = evaluate(mini, {}, { opset });
    return node.outputs.map((o) => result[o]);
  } catch {
    // NOTE: dtypes the evaluator does not hold (float16, strings) stay unfolded.
    return undefined;
  }
}
