/**
 * Static 8-bit quantization in QDQ format (QuantizeLinear/DequantizeLinear
 * pairs around float ops), with ranges from calibration.
 *
 * - activation `t` read by a quantized node -> `DQ(Q(t))`, one pair per tensor
 * - constant weight of Conv/Gemm/MatMul -> int8 initializer + `DQ` (per
 *   output channel by default, symmetric)
 * - bias -> int32 initializer with scale `x_scale * w_scale` + `DQ`
 * - output of a quantized node -> `DQ(Q(·))`; when it feeds only a Relu the
 *   Relu's output is quantized instead, so that ONNX Runtime drops the Relu
 *   into the quantized kernel (asymmetric ranges put its zero at qmin)
 * - data-movement ops (MaxPool, Reshape, Flatten, Transpose, …) reuse their
 *   input's parameters, so they run on 8-bit data
 *
 * ONNX Runtime's CPU provider turns `DQ -> Conv -> Q` into QLinearConv,
 * `DQ -> MatMul/Gemm` into QLinearMatMul/QGemm, `DQ -> Add -> Q` into
 * QLinearAdd. Error: each quantized tensor carries half a step of its scale.
 *
 * @module
 */
import type { Graph, Model, Node } from "../onnx/mod.ts";
import { insertQdq, quantizeWeights } from "./_qdq_insert.ts";
import { constValue } from "./_graph.ts";
import { quantizeOpsetProblem } from "./_weights.ts";
import type { Ranges } from "./calibrate.ts";
import { declined, joinReasons, type PassResult } from "./pass.ts";
import { paramsFromRange, type QParams } from "./quant_params.ts";
import { planStatic, type StaticQuantizeOptions, WEIGHTED } from "./static_plan.ts";

/**
 * Inserts QDQ pairs with the calibrated ranges (see the module comment).
 *
 * @param model The float model (not modified).
 * @param ranges The range of every tensor of `planStatic(model).tensors`.
 * @param options Types, symmetry, per-channel, exclusions.
 * @returns The quantized copy; `reason` lists nodes left in float and why.
 * @throws {RangeError} When a planned tensor has no range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { planStatic, quantizeStatic } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const w = tensor("float32", [3, 4], Float32Array.from({ length: 12 }, (_, i) => i / 12 - 0.5));
 * g.output(g.op("Gemm", [x, g.initializer("w", w)], { transB: 1 }), "y");
 * const model = g.build();
 * assert.deepEqual(planStatic(model).tensors, ["x"]);
 * const { model: q } = quantizeStatic(model, new Map([["x", [-1, 1]]]));
 * assert.deepEqual(q.graph.nodes.map((n) => n.opType).sort(),
 *   ["DequantizeLinear", "DequantizeLinear", "Gemm", "QuantizeLinear"]);
 * ```
 */
export function quantizeStatic(
  model: Model,
  ranges: Ranges,
  options: StaticQuantizeOptions = {},
): PassResult {
  const {
    activationType = "uint8",
    weightType = "int8",
    symmetricActivations = false,
    symmetricWeights = true,
    perChannel = true,
  } = options;
  const tooOld = quantizeOpsetProblem(model);
  if (tooOld) return declined(model, tooOld);
  const out = model.clone();
  const graph = out.graph;
  const plan = planStatic(out, options);
  if (plan.nodes.length === 0) return declined(model, plan.skipped[0] ?? "no node to quantize");
  const params = new Map<string, QParams>();
  for (const t of plan.tensors) {
    const r = ranges.get(plan.shared.get(t) ?? t) ?? ranges.get(t);
    if (!r) throw new RangeError(`Cannot quantize "${t}": calibration gave no range for it`);
    params.set(t, paramsFromRange(r[0], r[1], activationType, symmetricActivations));
  }
  for (const [t, from] of plan.shared) {
    const p = params.get(from);
    if (p) params.set(t, p);
  }
  const chosen = new Set(plan.nodes);
  for (const t of plan.tensors) poolBeforeRelu(graph, t, chosen);
  const dq = new Map<string, string>();
  for (const t of plan.tensors) dq.set(t, insertQdq(graph, t, params.get(t)!, activationType));
  const notes: string[] = [];
  for (const n of plan.nodes) {
    n.setInputs(n.inputs.map((i) => dq.get(i) ?? i));
    if (WEIGHTED.has(n.opType) && constValue(graph, n.inputs[1] ?? "")) {
      quantizeWeights(graph, n, params, weightType, symmetricWeights, perChannel);
    }
    notes.push(`quantized ${n.label}`);
  }
  // Readers that are not quantized keep reading float values, except where a
  // quantized node's output was quantized (all readers then see the DQ output).
  for (const t of plan.tensors) {
    const producer = graph.producer(t);
    const fromQuantized = producer && (chosen.has(producer) || producer.opType === "Relu");
    if (!fromQuantized) continue;
    for (const user of graph.consumers(t)) {
      if (user.opType === "QuantizeLinear") continue;
      user.setInputs(user.inputs.map((i) => (i === t ? dq.get(t)! : i)));
    }
  }
  graph.removeUnused();
  graph.sortNodes();
  return {
    model: out,
    changed: true,
    notes,
    reason: joinReasons(plan.skipped),
  };
}

/**
 * `Q(MaxPool(Relu(x)))` with float MaxPool and Relu -> `Q(Relu(MaxPool(x)))`
 * (equal: both are monotonic).
 *
 * NOTE: ONNX Runtime moves a Q above a MaxPool that feeds it (its QDQ
 * propagation), which would run the MaxPool on 8-bit NCHW data through a slow
 * generic kernel; a Relu in between stops that, and ORT then drops the Relu
 * into the Q (its zero point is qmin), leaving a float NCHWc MaxPool.
 */
function poolBeforeRelu(graph: Graph, t: string, chosen: Set<Node>): void {
  const pool = graph.producer(t);
  if (!pool || pool.opType !== "MaxPool" || chosen.has(pool) || pool.outputs.length !== 1) return;
  const r = pool.inputs[0]!;
  const relu = graph.producer(r);
  if (!relu || relu.opType !== "Relu" || chosen.has(relu) || graph.consumers(r).length !== 1) {
    return;
  }
  if (graph.isOutput(r)) return;
  const x = relu.inputs[0]!;
  pool.setInputs([x]);
  pool.setOutputs([r]);
  relu.setInputs([r]);
  relu.setOutputs([t]);
  graph.valueInfo.delete(r);
}
