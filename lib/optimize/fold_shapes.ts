/**
 * Shape-computation folding for graphs with symbolic (dynamic) dims.
 *
 * PyTorch exports compute Reshape targets at run time:
 * `Shape(x) -> Gather -> Unsqueeze -> Concat -> Reshape`, with Slice, Squeeze,
 * Cast and integer arithmetic in between. With the dims shape inference
 * knows, these vectors are evaluated symbolically (known ints, symbolic dims):
 *
 * - a shape-computation value that is all known ints -> int64/int32 initializer
 * - a Reshape target with non-constant entries -> a constant target where each
 *   such entry is 0 (`allowzero` 0, and the same symbolic dim at the same
 *   position of the data input) or, for at most one entry, -1
 *
 * The Shape/Gather/… nodes left without readers go with `removeDead`.
 *
 * Exact: a Reshape's output dims follow from the input's element count and
 * the other entries, so -1 gives the same dims as the computed entry.
 *
 * @module
 */
import { inferShapes, type Model, type Node, tensor } from "../onnx/mod.ts";
import { addInitializer, isStandard } from "./_graph.ts";
import { allKnown, evaluateShapes, SHAPE_OPS, type ShapeValue } from "./_shape_values.ts";
import { declined, joinReasons, type PassResult } from "./pass.ts";

/**
 * Folds shape-computation subgraphs into constants and Reshape targets.
 *
 * @param model The model (not modified).
 * @returns The rewritten copy; `reason` when no shape computation could be folded.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { foldShapes, removeDead } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 3, 4] });
 * const n = g.op("Unsqueeze", [g.op("Gather", [g.op("Shape", [x]), g.scalar(0, "int64")]), g.ints([0])]);
 * const target = g.op("Concat", [n, g.ints([12])], { axis: 0 });
 * g.output(g.op("Reshape", [x, target]), "y");
 * const r = removeDead(foldShapes(g.build()).model);
 * assert.deepEqual(r.model.graph.nodes.map((n) => n.opType), ["Reshape"]);
 * const shape = r.model.graph.initializers.get(r.model.graph.nodes[0]!.inputs[1]!)!;
 * assert.deepEqual(Array.from(shape.data, Number), [0, 12]);
 * ```
 */
export function foldShapes(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const types = inferShapes(out).types;
  const values = evaluateShapes(graph, (name) => types.get(name)?.dims, out.opset("") ?? 17);
  const notes: string[] = [];
  const left: string[] = [];
  let folded = 0;
  for (const node of graph.topologicalOrder()) {
    if (!isStandard(node)) continue;
    if (SHAPE_OPS.has(node.opType) && node.outputs.length === 1) {
      const name = node.outputs[0]!;
      const v = values.get(name);
      if (!v || !allKnown(v) || graph.isOutput(name)) continue;
      graph.removeNode(node);
      graph.initializers.set(name, tensor(v.dtype, v.dims, v.entries as number[]));
      graph.valueInfo.delete(name);
      folded++;
    } else if (node.opType === "Reshape") {
      const v = values.get(node.inputs[1] ?? "");
      if (!v || allKnown(v) || graph.initializers.has(node.inputs[1]!)) continue;
      const target = reshapeTarget(node, v, types.get(node.inputs[0]!)?.dims);
      if (typeof target === "string") {
        left.push(`${node.label}: ${target}`);
        continue;
      }
      const name = addInitializer(
        graph,
        `${node.name || "reshape"}_shape`,
        tensor("int64", [target.length], target),
      );
      node.setInput(1, name);
      notes.push(
        `${node.label}: target [${v.entries.map(show).join(", ")}] -> [${target.join(", ")}]`,
      );
    }
  }
  if (folded > 0) notes.unshift(`${folded} shape value(s) became constants`);
  const reason = joinReasons(left);
  if (notes.length === 0) return declined(model, reason ?? "no shape computation to fold");
  return { model: out, changed: true, notes, reason };
}

/** A Reshape target with 0/-1 for non-constant entries, or why there is none. */
function reshapeTarget(
  node: Node,
  v: ShapeValue,
  dataDims: (number | string | null)[] | undefined,
): number[] | string {
  if (v.dims.length !== 1) return "its target is not a vector";
  const allowZero = node.getInt("allowzero", 0) === 1;
  const known = v.entries.filter((e): e is number => typeof e === "number");
  let holes = known.filter((e) => e === -1).length;
  const target = v.entries.map((e, i) => {
    if (typeof e === "number") return e;
    if (!allowZero && typeof e === "string" && dataDims?.[i] === e) return 0;
    holes++;
    return -1;
  });
  if (holes > 1) {
    return `target [${
      v.entries.map(show).join(", ")
    }] has more than one entry that is neither constant nor a copy of the input's dim`;
  }
  if (allowZero && target.includes(-1) && known.includes(0)) {
    return "allowzero is 1 and the target has a 0 entry, so -1 cannot stand for the computed one";
  }
  return target;
}

function show(e: number | string | null): string {
  return e === null ? "?" : String(e);
}
