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
import { type Graph, type Model, Node, type Tensor, tensor } from "../onnx/mod.ts";
import { addInitializer, constValue, isStandard } from "./_graph.ts";
import { type ExcludeOptions, selectWeightNodes } from "./_weights.ts";
import type { Ranges } from "./calibrate.ts";
import { declined, type PassResult } from "./pass.ts";
import {
  channelRanges,
  paramsFromRange,
  type QParams,
  type QType,
  quantizeTensor,
  scaleTensor,
  zeroPointTensor,
} from "./quant_params.ts";
import { shortName } from "./quantize_dynamic.ts";

/** Ops whose inputs and outputs are quantized (where all their float inputs are activations). */
export const QDQ_OPS: readonly string[] = [
  "Conv",
  "Gemm",
  "MatMul",
  "Add",
  "Mul",
  "Concat",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "Flatten",
  "Reshape",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
  "Sigmoid",
  "LeakyRelu",
];

/** Ops that only move data: their output shares the input's parameters. */
const SHARED = new Set(["MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"]);
const WEIGHTED = new Set(["Conv", "Gemm", "MatMul"]);

/** Options of {@linkcode quantizeStatic}. */
export interface StaticQuantizeOptions extends ExcludeOptions {
  /** Activation type (default uint8: U8S8, the fast path of x86 VNNI kernels). */
  activationType?: QType;
  /** Weight type (default int8). */
  weightType?: QType;
  /** Symmetric activation ranges (default false). */
  symmetricActivations?: boolean;
  /** Symmetric weight ranges (default true). */
  symmetricWeights?: boolean;
  /** One weight scale per output channel (default true). */
  perChannel?: boolean;
  /** Op types to quantize (default {@linkcode QDQ_OPS}). */
  opTypes?: readonly string[];
}

/** The plan: nodes to quantize and the tensors that get Q/DQ pairs. */
export interface StaticPlan {
  nodes: Node[];
  /** Tensors to calibrate (activations that get a Q/DQ pair). */
  tensors: string[];
  /** Tensor -> tensor whose parameters it shares. */
  shared: Map<string, string>;
  skipped: string[];
}

/**
 * Which nodes and tensors a static quantization of `model` touches; the
 * tensors are what calibration must measure.
 *
 * @param model The float model.
 * @param options Op types, exclusions.
 * @returns The plan.
 * @throws {RangeError} For an excluded name that is no node of the graph.
 */
export function planStatic(model: Model, options: StaticQuantizeOptions = {}): StaticPlan {
  const graph = model.graph;
  const ops = new Set(options.opTypes ?? QDQ_OPS);
  const { nodes: weighted, skipped } = selectWeightNodes(graph, options);
  const weightedSet = new Set(weighted.map((w) => w.node));
  const excluded = new Set(
    graph.nodes.filter((n) =>
      WEIGHTED.has(n.opType) && !weightedSet.has(n) && !isActivationMatMul(graph, n)
    ),
  );
  // Conv/Gemm/MatMul are always quantized; other ops only where their inputs
  // already are (a MaxPool after a float Conv stays float: no Q/DQ churn).
  const nodes: Node[] = [];
  const quantOut = new Set<string>();
  const tensors = new Set<string>();
  const shared = new Map<string, string>();
  for (const n of graph.topologicalOrder()) {
    if (!isStandard(n) || !ops.has(n.opType) || excluded.has(n) || !floatInputsOk(graph, n)) {
      continue;
    }
    const ins = activationInputs(graph, n);
    if (!WEIGHTED.has(n.opType) && (ins.length === 0 || !ins.every((i) => quantOut.has(i)))) {
      continue;
    }
    nodes.push(n);
    for (const i of ins) tensors.add(i);
    const y = n.outputs[0]!;
    if (graph.isOutput(y)) continue;
    const users = graph.consumers(y);
    const relu = users.length === 1 && users[0]!.opType === "Relu" ? users[0]! : undefined;
    const out = relu ? relu.outputs[0]! : y;
    if (graph.isOutput(out)) continue;
    tensors.add(out);
    quantOut.add(out);
    if (SHARED.has(n.opType)) shared.set(out, n.inputs[0]!);
  }
  return { nodes, tensors: [...tensors], shared, skipped };
}

function isActivationMatMul(graph: Graph, n: Node): boolean {
  return n.opType === "MatMul" && !constValue(graph, n.inputs[1] ?? "");
}

function activationInputs(graph: Graph, n: Node): string[] {
  const take = WEIGHTED.has(n.opType) && n.opType !== "MatMul"
    ? 1
    : n.opType === "MatMul"
    ? 2
    : n.inputs.length;
  const ins = n.inputs.slice(0, take).filter((i) => i !== "" && !constValue(graph, i));
  if (SHARED.has(n.opType) || n.opType === "Concat") {
    return ins.slice(0, n.opType === "Concat" ? ins.length : 1);
  }
  return ins;
}

/** Ops other than Conv/Gemm/MatMul qualify only when their float inputs are all activations. */
function floatInputsOk(graph: Graph, n: Node): boolean {
  if (WEIGHTED.has(n.opType)) return true;
  if (SHARED.has(n.opType)) return !constValue(graph, n.inputs[0]!);
  return n.inputs.every((i) => i === "" || !constValue(graph, i));
}

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
  if ((model.opset("") ?? 0) < 13) {
    return declined(
      model,
      `the model imports ai.onnx opset ${model.opset("")}: quantizing needs 13 or newer`,
    );
  }
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
    reason: plan.skipped.length ? plan.skipped.join("; ") : undefined,
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

/** Adds `Q -> DQ` after `t`; returns the DQ output (nobody reads it yet). */
function insertQdq(graph: Graph, t: string, p: QParams, qtype: QType): string {
  const base = shortName(t);
  const s = addInitializer(graph, `${base}_scale`, scaleTensor([p]));
  const zp = addInitializer(graph, `${base}_zp`, zeroPointTensor([p], qtype));
  const q = graph.uniqueName(`${base}_q`);
  const d = graph.uniqueName(`${base}_dq`);
  graph.addNode(new Node({ opType: "QuantizeLinear", name: q, inputs: [t, s, zp], outputs: [q] }));
  graph.addNode(
    new Node({ opType: "DequantizeLinear", name: d, inputs: [q, s, zp], outputs: [d] }),
  );
  return d;
}

function quantizeWeights(
  graph: Graph,
  n: Node,
  params: Map<string, QParams>,
  qtype: QType,
  symmetric: boolean,
  perChannel: boolean,
): void {
  const wName = n.inputs[1]!;
  const w = constValue(graph, wName)!;
  const axis = n.opType === "Conv" ? 0 : n.opType === "Gemm" && n.getInt("transB", 0) === 1 ? 0 : 1;
  const ranges = channelRanges(w, perChannel ? axis : undefined);
  const wp = ranges.map(([lo, hi]) => paramsFromRange(lo, hi, qtype, symmetric));
  const base = shortName(wName);
  const wq = addInitializer(graph, `${base}_q`, quantizeTensor(w, wp, qtype, axis));
  const ws = addInitializer(graph, `${base}_scale`, scaleTensor(wp));
  const wzp = addInitializer(graph, `${base}_zp`, zeroPointTensor(wp, qtype));
  n.setInput(1, dequantize(graph, `${base}_dq`, [wq, ws, wzp], wp.length > 1 ? axis : undefined));
  const xp = params.get(unDq(graph, n.inputs[0]!));
  const bName = n.inputs[2];
  const bias = bName ? constValue(graph, bName) : undefined;
  const plain = n.opType !== "Gemm" ||
    (n.getFloat("alpha", 1) === 1 && n.getFloat("beta", 1) === 1);
  if (!bias || !xp || !plain || bias.dtype !== "float32" || bias.data.length !== w.dims[axis]) {
    return;
  }
  n.setInput(2, quantizeBias(graph, shortName(bName!), bias, xp.scale, wp));
}

/** The tensor a DQ output dequantizes (its Q's input), or the name itself. */
function unDq(graph: Graph, name: string): string {
  const d = graph.producer(name);
  if (d?.opType !== "DequantizeLinear") return name;
  const q = graph.producer(d.inputs[0]!);
  return q?.opType === "QuantizeLinear" ? q.inputs[0]! : name;
}

function quantizeBias(
  graph: Graph,
  base: string,
  bias: Tensor,
  xScale: number,
  wp: QParams[],
): string {
  const b = bias.data as Float32Array;
  const scales = Array.from(b, (_, c) => Math.fround(xScale * wp[wp.length === 1 ? 0 : c]!.scale));
  const q = Int32Array.from(b, (v, c) => Math.round(v / scales[c]!));
  const bq = addInitializer(graph, `${base}_q`, tensor("int32", [b.length], q));
  const per = wp.length > 1;
  const bs = addInitializer(
    graph,
    `${base}_scale`,
    per ? tensor("float32", [b.length], scales) : tensor("float32", [], [scales[0]!]),
  );
  const bzp = addInitializer(
    graph,
    `${base}_zp`,
    per ? tensor("int32", [b.length]) : tensor("int32", [], [0]),
  );
  return dequantize(graph, `${base}_dq`, [bq, bs, bzp], per ? 0 : undefined);
}

function dequantize(graph: Graph, prefix: string, inputs: string[], axis?: number): string {
  const name = graph.uniqueName(prefix);
  graph.addNode(
    new Node({
      opType: "DequantizeLinear",
      name,
      inputs,
      outputs: [name],
      attrs: axis === undefined ? {} : { axis },
    }),
  );
  return name;
}
