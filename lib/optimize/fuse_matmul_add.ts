/**
 * MatMul + Add -> Gemm.
 *
 * - `Add(MatMul(a, B), c)` -> `Gemm(a, B, c)` when `a` is 2-D, `B` a 2-D
 *   constant and `c` a constant broadcast along the last axis (`[N]`, `[1, N]`)
 *
 * Exact up to the order of float32 additions inside the runtime's kernel.
 *
 * @module
 */
import { inferShapes, type Model, Node } from "../onnx/mod.ts";
import { bypass, constValue, isStandard, onlyUse } from "./_graph.ts";
import { biasVector } from "./fold_batchnorm.ts";
import { declined, type PassResult } from "./pass.ts";

/**
 * Rewrites MatMul followed by a bias Add into one Gemm.
 *
 * @param model The model (not modified).
 * @returns The rewritten copy; `reason` names a MatMul left alone and why.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { fuseMatMulAdd } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
 * const m = g.op("MatMul", [x, g.initializer("w", tensor("float32", [3, 2]))]);
 * g.output(g.op("Add", [m, g.initializer("b", tensor("float32", [2]))]), "y");
 * const { model } = fuseMatMulAdd(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Gemm"]);
 * ```
 */
export function fuseMatMulAdd(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const types = inferShapes(out).types;
  const notes: string[] = [];
  const skipped: string[] = [];
  for (const mm of [...graph.nodes]) {
    if (mm.opType !== "MatMul" || !isStandard(mm)) continue;
    const y = mm.outputs[0]!;
    const add = graph.consumers(y)[0];
    if (!add || add.opType !== "Add" || !onlyUse(graph, y, add)) continue;
    const [a, b] = mm.inputs as [string, string];
    const w = constValue(graph, b);
    const rank = types.get(a)?.dims?.length;
    const biasName = add.inputs[0] === y ? add.inputs[1]! : add.inputs[0]!;
    const c = constValue(graph, biasName);
    if (!w || w.dims.length !== 2 || w.dtype !== "float32") {
      skipped.push(`${mm.label}: its weight is not a 2-D float32 constant`);
    } else if (rank !== 2) {
      skipped.push(`${mm.label}: Gemm needs a 2-D input, "${a}" has rank ${rank ?? "unknown"}`);
    } else if (!c || !biasVector(c, w.dims[1]!) || c.dtype !== "float32" || c.dims.length > 2) {
      skipped.push(`${mm.label}: the added value is not a per-output float32 constant`);
    } else {
      const gemm = new Node({
        opType: "Gemm",
        name: graph.uniqueName(`${mm.name || "MatMul"}_gemm`),
        inputs: [a, b, biasName],
        outputs: [graph.uniqueName(`${y}_gemm`)],
      });
      graph.addNode(gemm, { before: mm });
      graph.removeNode(mm);
      if (!bypass(graph, add, gemm.outputs[0]!)) throw new Error("unreachable: Gemm output rename");
      notes.push(`fused ${mm.label} and ${add.label}`);
    }
  }
  if (notes.length === 0) return declined(model, skipped[0] ?? "no MatMul followed by a bias Add");
  graph.removeUnused();
  return { model: out, changed: true, notes, reason: skipped[0] };
}
