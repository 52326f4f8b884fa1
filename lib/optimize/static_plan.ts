/**
 * The plan of a static quantization: which nodes are quantized and which
 * activation tensors get a Q/DQ pair (what calibration must measure).
 *
 * - Conv, Gemm and MatMul with constant weights (and MatMul of two
 *   activations) are always quantized
 * - other QDQ-capable ops only where their inputs already are quantized, so
 *   a MaxPool after a float Conv stays float
 * - a node's output is quantized; when it feeds only a Relu, the Relu's output
 * - data-movement ops (MaxPool, Reshape, Flatten, …) share their input's
 *   parameters
 *
 * @module
 */
import type { Graph, Model, Node } from "../onnx/mod.ts";
import { constValue, isStandard } from "./_graph.ts";
import { type ExcludeOptions, selectWeightNodes } from "./_weights.ts";
import type { QType } from "./quant_params.ts";

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
export const SHARED: ReadonlySet<string> = new Set([
  "MaxPool",
  "Flatten",
  "Reshape",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
]);
export const WEIGHTED: ReadonlySet<string> = new Set(["Conv", "Gemm", "MatMul"]);

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
