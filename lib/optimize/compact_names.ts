/**
 * Short names for shipping.
 *
 * - values computed inside the graph -> `t0`, `t1`, … (graph inputs and
 *   outputs keep their names)
 * - initializers -> `w0`, `w1`, … when asked (weight names help people, not
 *   runtimes)
 * - node names -> `<OpType>_<k>` (or dropped)
 * - value infos (intermediate types, which runtimes infer again) -> dropped
 *
 * Exact: only names change. Exporters' scoped names (`encoder/layers/…`)
 * can take a third of a small quantized model's file.
 *
 * @module
 */
import type { Model } from "../onnx/mod.ts";
import { declined, type PassResult } from "./pass.ts";

/** Options of {@linkcode compactNames}. */
export interface CompactOptions {
  /** "short" (default: `<OpType>_<k>`), "keep" or "drop". */
  nodeNames?: "short" | "keep" | "drop";
  /** Rename initializers that are not graph inputs too (default false). */
  initializers?: boolean;
}

/**
 * Renames internal values and nodes to short names and drops value infos.
 *
 * @param model The model (not modified).
 * @param options What to do with node names.
 * @returns The renamed copy; `reason` when there was nothing to shorten.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { compactNames } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * g.output(g.op("Relu", [g.op("Neg", [x], {}, { name: "a/very/long/scope/Neg" })]), "y");
 * const { model } = compactNames(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.name), ["Neg_0", "Relu_1"]);
 * assert.equal(model.graph.nodes[1]!.inputs[0], "t0");
 * ```
 */
export function compactNames(model: Model, options: CompactOptions = {}): PassResult {
  const { nodeNames = "short" } = options;
  const sub = model.graph.nodes.find((n) =>
    [...n.attrs.values()].some((a) => a.type === "graph" || a.type === "graphs")
  );
  if (sub) {
    return declined(
      model,
      `${sub.label} holds a subgraph, whose outer references keep their names`,
    );
  }
  const out = model.clone();
  const graph = out.graph;
  const keep = new Set([
    ...graph.inputs.map((v) => v.name),
    ...graph.outputs.map((v) => v.name),
    ...graph.initializers.keys(),
  ]);
  const rename = new Map<string, string>();
  let k = 0;
  let before = 0, after = 0;
  if (options.initializers) {
    let w = 0;
    for (const [name, t] of [...graph.initializers]) {
      if (graph.isInput(name) || graph.isOutput(name)) continue;
      let short = `w${(w++).toString(36)}`;
      while (keep.has(short)) short = `w${(w++).toString(36)}`;
      rename.set(name, short);
      graph.initializers.delete(name);
      graph.initializers.set(short, t);
      before += name.length;
      after += short.length;
    }
  }
  for (const node of graph.topologicalOrder()) {
    for (const o of node.outputs) {
      if (o === "" || keep.has(o) || rename.has(o)) continue;
      let name = `t${(k++).toString(36)}`;
      while (keep.has(name)) name = `t${(k++).toString(36)}`;
      rename.set(o, name);
      before += o.length;
      after += name.length;
    }
  }
  const nodes = graph.topologicalOrder();
  nodes.forEach((node, i) => {
    node.setInputs(node.inputs.map((v) => rename.get(v) ?? v));
    node.setOutputs(node.outputs.map((v) => rename.get(v) ?? v));
    if (nodeNames === "keep") return;
    before += node.name.length;
    node.name = nodeNames === "drop" ? "" : `${node.opType}_${i}`;
    after += node.name.length;
  });
  const infos = graph.valueInfo.size;
  graph.valueInfo.clear();
  graph.invalidate();
  if (after >= before && infos === 0) {
    return declined(model, "names are already short and no value infos are kept");
  }
  return {
    model: out,
    changed: true,
    notes: [`renamed ${rename.size} values, dropped ${infos} value infos`],
  };
}
