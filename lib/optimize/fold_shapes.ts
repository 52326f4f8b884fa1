/**
 * Shape-computation folding for graphs with symbolic (dynamic) dims.
 *
 * PyTorch exports compute Reshape targets at run time:
 * `Shape(x) -> Gather -> Unsqueeze -> Concat -> Reshape`, with Slice, Squeeze,
 * Cast and integer arithmetic in between. Shape inference (`inferShapes`)
 * already carries these small vectors along as values of known ints and
 * symbolic dims; this pass turns what it knows into constants:
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
import {
  type Dim,
  inferShapes,
  isStaticDims,
  type Model,
  type Node,
  tensor,
  type TypeInfo,
} from "../onnx/mod.ts";
import { addInitializer, isStandard } from "./_graph.ts";
import { declined, joinReasons, type PassResult } from "./pass.ts";

/** The ops of shape computations whose known outputs become constants. */
const SHAPE_OPS: ReadonlySet<string> = new Set([
  "Shape",
  "Gather",
  "Unsqueeze",
  "Squeeze",
  "Concat",
  "Slice",
  "Cast",
  "Identity",
  "Add",
  "Sub",
  "Mul",
  "Div",
]);

/** A small int64 vector or scalar shape inference knows the entries of (symbols allowed). */
interface ShapeValue {
  dims: number[];
  entries: Dim[];
}

/**
 * What inference knows of an int64 value. Only int64: inference computes in
 * JavaScript numbers, so narrower integer arithmetic that wraps at run time
 * would fold to other values.
 */
function shapeValue(t: TypeInfo | undefined): ShapeValue | undefined {
  if (!t?.value || t.dtype !== "int64" || !isStaticDims(t.dims)) return undefined;
  return { dims: t.dims as number[], entries: t.value };
}

function allKnown(v: ShapeValue): v is ShapeValue & { entries: number[] } {
  return v.entries.every((e) => typeof e === "number" && Number.isSafeInteger(e));
}

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
  const valueOf = (name: string) => shapeValue(types.get(name));
  const notes: string[] = [];
  const left: string[] = [];
  let folded = 0;
  for (const node of graph.topologicalOrder()) {
    if (!isStandard(node)) continue;
    if (SHAPE_OPS.has(node.opType) && node.outputs.length === 1) {
      const name = node.outputs[0]!;
      const v = valueOf(name);
      if (!v || !allKnown(v) || graph.isOutput(name)) continue;
      graph.removeNode(node);
      graph.initializers.set(name, tensor("int64", v.dims, v.entries));
      graph.valueInfo.delete(name);
      folded++;
    } else if (node.opType === "Reshape") {
      const v = valueOf(node.inputs[1] ?? "");
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
  dataDims: Dim[] | undefined,
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

function show(e: Dim): string {
  return e === null ? "?" : String(e);
}
