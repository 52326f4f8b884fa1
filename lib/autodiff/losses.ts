/**
 * Losses as graph pieces: `appendLoss` adds a labels input and a loss output,
 * built from standard ops that `buildGradients` differentiates.
 *
 * @module
 */

import { type Dim, GraphBuilder, isFloatDType, type Model, type Value } from "../onnx/mod.ts";
import { classTargets, reduceLoss, reduceSum } from "./_loss_terms.ts";

/** The losses `appendLoss` builds. */
export type LossKind = "cross_entropy" | "nll" | "mse" | "bce_with_logits" | "taylor_cross_entropy";

/** The loss kinds, for messages and configs. */
export const LOSS_KINDS: readonly LossKind[] = Object.freeze([
  "cross_entropy",
  "nll",
  "mse",
  "bce_with_logits",
  "taylor_cross_entropy",
]);

/** Options of `appendLoss`. */
export interface LossOptions {
  kind: LossKind;
  /** The scores (default: the first graph output). Classes lie on axis 1. */
  logits?: string;
  /** Name of the labels input to add (default `"labels"`). */
  labels?: string;
  /** Name of the loss output (default `"loss"`). */
  output?: string;
  /** As PyTorch's (default `"mean"`). */
  reduction?: "mean" | "sum" | "none";
  /** ε of PyTorch's label smoothing, in [0, 1] (cross_entropy, taylor_cross_entropy). */
  labelSmoothing?: number;
  /**
   * Labels equal to this count for nothing (cross_entropy, nll,
   * taylor_cross_entropy). Unset: every label counts, as in PyTorch whenever
   * no label equals its default -100.
   */
  ignoreIndex?: number;
  /** Order n of the Taylor series (taylor_cross_entropy): even, ≥ 2 (default 2). */
  order?: number;
}

/** What `appendLoss` returns. */
export interface LossResult {
  /** A new model with the labels input and the loss output (the input model is left as it was). */
  model: Model;
  loss: string;
  labels: string;
}

/**
 * Appends a loss to a model: a labels input and a loss output after the
 * existing outputs.
 *
 * - `cross_entropy`: `-Σ_c q_c·log softmax(z)_c` with
 *   `q = (1 - ε)·onehot(label) + ε/C` (PyTorch's label smoothing); labels int64
 *   `[N, d…]` for logits `[N, C, d…]`.
 * - `nll`: `-z_label` for log-probabilities z (no smoothing).
 * - `taylor_cross_entropy`: softmax replaced by the order-n Taylor series of
 *   exp, `f(z) = Σ_{k=0..n} z^k / k!`, `p_c = f(z_c) / Σ_j f(z_j)`, then
 *   `-Σ_c q_c·log p_c` with q as above. n must be even (then f > 0). The other
 *   common smoothing, `1 - ε` on the label and `ε / (C - 1)` on each other
 *   class, is this one with ε' = ε·C / (C - 1).
 * - `mse`: `(z - t)²`; `bce_with_logits`: `softplus(z) - z·t`; float targets
 *   shaped as the logits.
 *
 * Reductions as PyTorch: `mean` divides by the number of counted labels (by
 * the element count for mse and bce), `sum`, or `none` (per element).
 *
 * @param model A forward model.
 * @param options The loss and its settings.
 * @returns The new model and the names of the loss and labels.
 * @throws {RangeError} For an unknown logits name, a taken labels or output name, or a bad setting.
 * @throws {TypeError} For logits that are not float, or an unknown kind.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { appendLoss } from "./losses.ts";
 * const g = new GraphBuilder();
 * g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: ["N", 10] })]), "logits");
 * const { model } = appendLoss(g.build(), { kind: "cross_entropy", labelSmoothing: 0.1 });
 * assert.deepEqual(model.graph.inputs[1], { name: "labels", dtype: "int64", dims: ["N"] });
 * assert.deepEqual(model.graph.outputs.map((o) => o.name), ["logits", "loss"]);
 * ```
 */
export function appendLoss(model: Model, options: LossOptions): LossResult {
  if (!LOSS_KINDS.includes(options.kind)) {
    throw new TypeError(
      `Unknown loss kind "${options.kind}": expected one of ${LOSS_KINDS.join(", ")}`,
    );
  }
  const out = model.clone();
  const g = GraphBuilder.on(out);
  const logitsName = options.logits ?? out.graph.outputs[0]?.name;
  if (logitsName === undefined || !out.graph.hasName(logitsName)) {
    throw new RangeError(
      `Unknown logits "${logitsName ?? ""}": no value of the graph has that name`,
    );
  }
  const logits = g.value(logitsName);
  if (logits.dtype === undefined || !isFloatDType(logits.dtype) || logits.dims === undefined) {
    throw new TypeError(
      `Cannot append a loss to "${logitsName}": expected a float tensor of known rank, got ${
        logits.dtype ?? "?"
      } of ${logits.dims ? `rank ${logits.dims.length}` : "unknown rank"}`,
    );
  }
  const labelsName = options.labels ?? "labels";
  const lossName = options.output ?? "loss";
  for (const name of [labelsName, lossName]) {
    if (out.graph.hasName(name)) throw new RangeError(`Cannot add "${name}": the name is taken`);
  }
  const perElement = g.scope("loss", () => lossTerms(g, logits, labelsName, options));
  g.output(perElement, lossName);
  return { model: g.build(), loss: lossName, labels: labelsName };
}

function lossTerms(g: GraphBuilder, z: Value, labelsName: string, o: LossOptions): Value {
  const reduction = o.reduction ?? "mean";
  if (!["mean", "sum", "none"].includes(reduction)) {
    throw new RangeError(`Unknown reduction "${reduction}": expected mean, sum or none`);
  }
  const dims = z.dims!;
  if (o.kind === "mse" || o.kind === "bce_with_logits") {
    const t = g.input(labelsName, { dtype: z.dtype!, dims: [...dims] });
    const per = o.kind === "mse"
      ? square(g, g.op("Sub", [z, t]))
      : g.op("Sub", [g.op("Softplus", [z]), g.op("Mul", [z, t])]);
    return reduceLoss(g, per, reduction, undefined);
  }
  if (dims.length < 2) {
    throw new RangeError(
      `Cannot append ${o.kind} to "${z.name}": expected [N, C, …], got rank ${dims.length}`,
    );
  }
  const labelDims: Dim[] = [dims[0]!, ...dims.slice(2)];
  const labels = g.input(labelsName, { dtype: "int64", dims: labelDims });
  const eps = o.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) {
    throw new RangeError(`Invalid labelSmoothing ${eps}: expected 0 to 1`);
  }
  if (o.kind === "nll" && eps !== 0) {
    throw new RangeError("Invalid labelSmoothing for nll: expected 0");
  }
  const logp = o.kind === "cross_entropy"
    ? g.op("LogSoftmax", [z], { axis: 1 })
    : o.kind === "nll"
    ? z
    : taylorLogProbs(g, z, o.order ?? 2);
  return classTargets(g, logp, labels, { eps, ignoreIndex: o.ignoreIndex, reduction });
}

function square(g: GraphBuilder, v: Value): Value {
  return g.op("Mul", [v, v]);
}

/** `log(f(z) / Σ_j f(z_j))` with `f` the order-n Taylor polynomial of exp (Horner's scheme). */
function taylorLogProbs(g: GraphBuilder, z: Value, order: number): Value {
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0) {
    throw new RangeError(`Invalid Taylor order ${order}: expected an even integer >= 2`);
  }
  const one = g.scalar(1, z.dtype);
  let f = g.op("Add", [one, g.op("Mul", [z, g.scalar(1 / order, z.dtype)])]);
  for (let k = order - 1; k >= 1; k--) {
    f = g.op("Add", [one, g.op("Mul", [g.op("Mul", [z, g.scalar(1 / k, z.dtype)]), f])]);
  }
  const total = reduceSum(g, f, [1], true);
  return g.op("Sub", [g.op("Log", [f]), g.op("Log", [total])]);
}
