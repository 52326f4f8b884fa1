/**
 * L1 unstructured pruning.
 *
 * - weight of Conv/Gemm/MatMul -> its smallest-magnitude entries set to 0,
 *   `amount` of each layer ("layer") or of all weights together ("global")
 *
 * Biases are left alone. The file keeps its size (dense zeros); the report
 * says how sparse each layer became.
 *
 * @module
 */
import { type Graph, type Model, tensor } from "../onnx/mod.ts";
import { constValue } from "./_graph.ts";
import { type ExcludeOptions, selectWeightNodes } from "./_weights.ts";
import { declined, type PassResult } from "./pass.ts";

/** Sparsity of one layer's weight. */
export interface SparsityRow {
  node: string;
  weight: string;
  numel: number;
  zeros: number;
  sparsity: number;
}

/** Sparsity of every Conv/Gemm/MatMul weight and of all of them together. */
export interface SparsityReport {
  layers: SparsityRow[];
  total: { numel: number; zeros: number; sparsity: number };
}

/** Options of {@linkcode pruneL1}. */
export interface L1PruneOptions extends ExcludeOptions {
  /** Fraction of weights to zero, in [0, 1). */
  amount: number;
  /** "layer" (default: `amount` of each weight) or "global" (of all weights together). */
  scope?: "layer" | "global";
}

/**
 * Checks a pruning amount.
 *
 * @param amount The fraction to prune.
 * @throws {RangeError} Outside [0, 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAmount } from "./mod.ts";
 * checkAmount(0.3);
 * assert.throws(() => checkAmount(1), /Invalid pruning amount 1: expected a fraction in \[0, 1\)/);
 * ```
 */
export function checkAmount(amount: number): void {
  if (!(amount >= 0 && amount < 1)) {
    throw new RangeError(
      `Invalid pruning amount ${amount}: expected a fraction in [0, 1), e.g. 0.3`,
    );
  }
}

/**
 * Zeroes the smallest-magnitude weights of Conv, Gemm and MatMul nodes.
 *
 * @param model The model (not modified).
 * @param options Amount, scope, excluded nodes.
 * @returns The pruned copy and its sparsity report; `reason` when no weight was pruned.
 * @throws {RangeError} For an amount outside [0, 1) or an unknown excluded node.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { pruneL1 } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * g.output(g.op("MatMul", [x, g.initializer("w", tensor("float32", [4, 1], [0.1, -2, 0.3, 4]))]), "y");
 * const { model, report } = pruneL1(g.build(), { amount: 0.5 });
 * assert.deepEqual(Array.from(model.graph.initializers.get("w")!.data as Float32Array), [0, -2, 0, 4]);
 * assert.equal(report.total.sparsity, 0.5);
 * ```
 */
export function pruneL1(
  model: Model,
  options: L1PruneOptions,
): PassResult & { report: SparsityReport } {
  checkAmount(options.amount);
  const { scope = "layer" } = options;
  const out = model.clone();
  const graph = out.graph;
  const { nodes } = selectWeightNodes(graph, options);
  const names = [...new Set(nodes.map((n) => n.node.inputs[1]!))];
  if (names.length === 0 || options.amount === 0) {
    const r = declined(
      model,
      options.amount === 0 ? "amount is 0" : "no Conv, Gemm or MatMul with a constant weight",
    );
    return { ...r, report: sparsityReport(model) };
  }
  const threshold = scope === "global" ? globalThreshold(graph, names, options.amount) : undefined;
  for (const name of names) {
    const w = graph.initializers.get(name) ?? constValue(graph, name)!;
    const data = Float32Array.from(w.data as Float32Array);
    const k = Math.floor(options.amount * data.length);
    const t = threshold ?? kthMagnitude(data, k);
    let zeroed = 0;
    for (let i = 0; i < data.length; i++) {
      if (Math.abs(data[i]!) < t) {
        data[i] = 0;
        zeroed++;
      }
    }
    // Per layer, ties at the cut fill up to exactly k zeros.
    for (let i = 0; threshold === undefined && i < data.length && zeroed < k; i++) {
      if (data[i] !== 0 && Math.abs(data[i]!) === t) {
        data[i] = 0;
        zeroed++;
      }
    }
    graph.initializers.set(name, tensor("float32", w.dims, data));
  }
  const report = sparsityReport(out);
  return {
    model: out,
    changed: true,
    notes: [
      `pruned ${names.length} weights to ${
        (report.total.sparsity * 100).toFixed(1)
      }% sparsity (${scope})`,
    ],
    report,
  };
}

/** The k-th smallest magnitude (1-based; 0 gives -Infinity: nothing is below it). */
function kthMagnitude(data: Float32Array, k: number): number {
  if (k <= 0) return -Infinity;
  const mags = Float32Array.from(data, Math.abs).sort();
  return mags[k - 1]!;
}

function globalThreshold(graph: Graph, names: string[], amount: number): number {
  const all = names.map((n) => graph.initializers.get(n)!.data as Float32Array);
  const total = all.reduce((a, d) => a + d.length, 0);
  const mags = new Float32Array(total);
  let at = 0;
  for (const d of all) for (let i = 0; i < d.length; i++) mags[at++] = Math.abs(d[i]!);
  mags.sort();
  const k = Math.floor(amount * total);
  // Strictly below the (k+1)-th magnitude: ties at the cut stay.
  return k === 0 ? -Infinity : mags[k]!;
}

/**
 * The share of zero weights per Conv/Gemm/MatMul layer and overall.
 *
 * @param model The model.
 * @returns The report.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { sparsityReport } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 2] });
 * g.output(g.op("MatMul", [x, g.initializer("w", tensor("float32", [2, 2], [0, 1, 0, 2]))]), "y");
 * assert.equal(sparsityReport(g.build()).total.sparsity, 0.5);
 * ```
 */
export function sparsityReport(model: Model): SparsityReport {
  const graph = model.graph;
  const { nodes } = selectWeightNodes(graph, {});
  const layers: SparsityRow[] = nodes.map(({ node }) => {
    const w = constValue(graph, node.inputs[1]!)!;
    let zeros = 0;
    for (const v of w.data as Float32Array) if (v === 0) zeros++;
    const numel = w.data.length;
    return {
      node: node.name || node.outputs[0]!,
      weight: node.inputs[1]!,
      numel,
      zeros,
      sparsity: zeros / numel,
    };
  });
  const numel = layers.reduce((a, r) => a + r.numel, 0);
  const zeros = layers.reduce((a, r) => a + r.zeros, 0);
  return { layers, total: { numel, zeros, sparsity: numel ? zeros / numel : 0 } };
}
