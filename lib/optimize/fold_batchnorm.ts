/**
 * BatchNormalization folded into the Conv or Gemm before it.
 *
 * - `BN(Conv(x, W, b))` -> `Conv(x, W * s, (b - mean) * s + beta)`, with
 *   `s = gamma / sqrt(var + eps)` per output channel
 * - `BN(Gemm(a, B, C))` -> `Gemm(a, B * s, s * beta_g * C + beta - s * mean)`
 *   (B scaled along its output axis; `beta_g` is Gemm's `beta`, then 1)
 *
 * Computed in float64, stored as float32: exact to float32 rounding.
 *
 * @module
 */
import type { Graph, Model, Node, Tensor } from "../onnx/mod.ts";
import {
  addInitializer,
  bypass,
  constValue,
  fromF64,
  isStandard,
  onlyUse,
  toF64,
} from "./_graph.ts";
import { declined, type PassResult } from "./pass.ts";

/**
 * Folds inference-mode BatchNormalization nodes into the Conv or Gemm that feeds them.
 *
 * @param model The model (not modified).
 * @returns The folded copy; `reason` names a BatchNormalization left alone and why.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { foldBatchNorm } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [1, 1, 4, 4] });
 * const c = g.op("Conv", [x, g.initializer("w", tensor("float32", [2, 1, 1, 1], [1, 2]))]);
 * const p = (v: number[]) => g.constant(tensor("float32", [2], v));
 * g.output(g.op("BatchNormalization", [c, p([1, 2]), p([0, 1]), p([0, 0]), p([1, 1])]), "y");
 * const { model } = foldBatchNorm(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Conv"]);
 * ```
 */
export function foldBatchNorm(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const notes: string[] = [];
  const skipped: string[] = [];
  for (const bn of [...graph.nodes]) {
    if (bn.opType !== "BatchNormalization" || !isStandard(bn)) continue;
    const why = tryFold(graph, bn);
    if (why) skipped.push(`${bn.label}: ${why}`);
    else notes.push(`folded ${bn.label}`);
  }
  if (notes.length === 0) return declined(model, skipped[0] ?? "no BatchNormalization node");
  graph.removeUnused();
  return { model: out, changed: true, notes, reason: skipped[0] };
}

/** Folds one BN; returns why not, or undefined when done. */
function tryFold(graph: Graph, bn: Node): string | undefined {
  if (bn.getInt("training_mode", 0) !== 0) return "training_mode is 1";
  if (bn.outputs.slice(1).some((o) => o !== "" && graph.consumers(o).length > 0)) {
    return "its running statistics outputs are read";
  }
  const params = bn.inputs.slice(1, 5).map((i) => constValue(graph, i));
  if (params.length < 4 || params.some((p) => !p || p.dtype !== "float32")) {
    return "its parameters are not float32 constants";
  }
  const x = bn.inputs[0]!;
  const prev = graph.producer(x);
  if (!prev || !isStandard(prev) || !onlyUse(graph, x, bn)) {
    return "its input is not produced by a Conv or Gemm read only by it";
  }
  const [gamma, beta, mean, variance] = params.map((p) => toF64(p!));
  const eps = bn.getFloat("epsilon", 1e-5);
  const s = gamma!.map((g, i) => g / Math.sqrt(variance![i]! + eps));
  const shift = beta!.map((b, i) => b - s[i]! * mean![i]!);
  const why = prev.opType === "Conv"
    ? foldIntoConv(graph, prev, s, shift)
    : prev.opType === "Gemm"
    ? foldIntoGemm(graph, prev, s, shift)
    : `its input comes from ${prev.opType}, not Conv or Gemm`;
  if (why) return why;
  return bypass(graph, bn, x) ? undefined : "its output cannot be renamed";
}

function foldIntoConv(graph: Graph, conv: Node, s: Float64Array, shift: Float64Array) {
  const w = constValue(graph, conv.inputs[1]!);
  if (!w || w.dtype !== "float32") return "the Conv weight is not a float32 constant";
  const m = w.dims[0]!;
  if (m !== s.length) {
    return `the Conv has ${m} output channels, the BatchNormalization ${s.length}`;
  }
  const b = conv.inputs[2] ? constValue(graph, conv.inputs[2]) : undefined;
  if (conv.inputs[2] && !b) return "the Conv bias is not a constant";
  const wd = toF64(w);
  const per = wd.length / m;
  for (let o = 0; o < m; o++) {
    for (let k = 0; k < per; k++) wd[o * per + k] = wd[o * per + k]! * s[o]!;
  }
  const bias = new Float64Array(m);
  const bd = b ? toF64(b) : new Float64Array(m);
  for (let o = 0; o < m; o++) bias[o] = bd[o]! * s[o]! + shift[o]!;
  conv.setInput(
    1,
    addInitializer(graph, `${conv.inputs[1]}_bnfold`, fromF64("float32", w.dims, wd)),
  );
  conv.setInput(
    2,
    addInitializer(graph, `${conv.name || "conv"}_bias_bnfold`, fromF64("float32", [m], bias)),
  );
  return undefined;
}

function foldIntoGemm(graph: Graph, gemm: Node, s: Float64Array, shift: Float64Array) {
  const b = constValue(graph, gemm.inputs[1]!);
  if (!b || b.dtype !== "float32" || b.dims.length !== 2) {
    return "the Gemm weight is not a 2-D float32 constant";
  }
  const transB = gemm.getInt("transB", 0) === 1;
  const [rows, cols] = b.dims as [number, number];
  const m = transB ? rows : cols;
  if (m !== s.length) return `the Gemm has ${m} outputs, the BatchNormalization ${s.length}`;
  const c = gemm.inputs[2] ? constValue(graph, gemm.inputs[2]) : undefined;
  if (gemm.inputs[2] && !c) return "the Gemm bias is not a constant";
  const cv = c ? biasVector(c, m) : new Float64Array(m);
  if (!cv) return `the Gemm bias of dims [${c!.dims}] is not per output`;
  const bd = toF64(b);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) bd[r * cols + k] = bd[r * cols + k]! * s[transB ? r : k]!;
  }
  const betaG = gemm.getFloat("beta", 1);
  const bias = cv.map((v, o) => s[o]! * betaG * v + shift[o]!);
  gemm.setInput(
    1,
    addInitializer(graph, `${gemm.inputs[1]}_bnfold`, fromF64("float32", b.dims, bd)),
  );
  gemm.setInput(
    2,
    addInitializer(graph, `${gemm.name || "gemm"}_bias_bnfold`, fromF64("float32", [m], bias)),
  );
  gemm.setFloat("beta", 1);
  return undefined;
}

/** A bias broadcast along the last axis as a vector of `m`, or undefined. */
export function biasVector(c: Tensor, m: number): Float64Array | undefined {
  const v = toF64(c);
  if (v.length === m && c.dims.every((d, i) => i === c.dims.length - 1 || d === 1)) return v;
  if (v.length === 1) return new Float64Array(m).fill(v[0]!);
  return undefined;
}
