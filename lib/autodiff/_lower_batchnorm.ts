// BatchNormalization in training mode -> batch statistics from primitives, an
// inference-mode BatchNormalization that uses them, and PyTorch's running
// statistics as separate values.

import { dtypeToOnnx, type GraphBuilder, type Node, type Value } from "../onnx/mod.ts";
import { range } from "./grad_context.ts";

/**
 * Rewrites every BatchNormalization node in training mode:
 *
 * ```
 * mean = ReduceMean(x, [0, 2, …])            var = ReduceMean((x - mean)², [0, 2, …])
 * y    = BatchNormalization(x, scale, bias, mean, var)      (inference mode)
 * running_mean' = momentum · running_mean + (1 - momentum) · mean
 * running_var'  = momentum · running_var  + (1 - momentum) · var · n / (n - 1)
 * ```
 *
 * NOTE: PyTorch updates `running_var` with the unbiased batch variance (n / (n - 1),
 * n = elements per channel) where ONNX's own training mode uses the biased one;
 * PyTorch's `momentum` 0.1 is ONNX's 0.9. Gradients then flow through the
 * inference-mode node, whose rule knows that mean and var are x's batch
 * statistics and uses the closed form (see _rules_norm.ts).
 *
 * @param g A builder on the graph.
 * @returns Running-statistic initializer → name of the value holding its
 *   update; and each new inference-mode node → its centered input `x - mean`
 *   (its rule then uses the closed form of the batch-statistics gradient).
 */
export function lowerBatchNormTraining(
  g: GraphBuilder,
): { updates: Map<string, string>; batchStats: Map<Node, string> } {
  const updates = new Map<string, string>();
  const batchStats = new Map<Node, string>();
  const nodes = g.graph.nodes.filter((n) => n.opType === "BatchNormalization" && training(g, n));
  for (const node of nodes) lowerOne(g, node, updates, batchStats);
  return { updates, batchStats };
}

function training(g: GraphBuilder, node: Node): boolean {
  if (g.opset >= 14) return node.getInt("training_mode", 0) === 1;
  return node.outputs.filter((o) => o !== "").length > 1; // older opsets: extra outputs
}

function lowerOne(
  g: GraphBuilder,
  node: Node,
  updates: Map<string, string>,
  batchStats: Map<Node, string>,
): void {
  const [xName, scale, bias, runMean, runVar] = node.inputs;
  const x = g.value(xName!);
  if (x.dims === undefined) {
    throw new RangeError(
      `Cannot lower ${node.label} to primitives: the rank of "${x.name}" is unknown`,
    );
  }
  const eps = Math.fround(node.getFloat("epsilon", 1e-5));
  const momentum = Math.fround(node.getFloat("momentum", 0.9));
  const outs = [...node.outputs];
  g.graph.removeNode(node);
  const axes = [0, ...range(x.dims.length - 2, 2)];
  const scoped = (f: () => void) => g.scope(node.name || "BatchNormalization", f);
  scoped(() => {
    const meanK = reduceMean(g, x, axes);
    const centered = g.op("Sub", [x, meanK]);
    const varK = reduceMean(g, g.op("Mul", [centered, centered]), axes);
    const mean = g.op("Reshape", [meanK, g.ints([-1])]);
    const variance = g.op("Reshape", [varK, g.ints([-1])]);
    g.op("BatchNormalization", [x, scale, bias, mean, variance], { epsilon: eps }, {
      outputNames: [outs[0]!],
      name: node.name || undefined,
    });
    batchStats.set(g.graph.producer(outs[0]!)!, centered.name);
    const dtype = x.dtype ?? "float32";
    const keep = g.scalar(momentum, dtype);
    const take = g.scalar(1 - momentum, dtype);
    const newMean = g.op("Add", [g.op("Mul", [runMean, keep]), g.op("Mul", [mean, take])], {}, {
      outputNames: outs[1] ? [outs[1]] : undefined,
    });
    const unbiased = g.op("Mul", [variance, besselFactor(g, x, axes)]);
    const newVar = g.op("Add", [g.op("Mul", [runVar, keep]), g.op("Mul", [unbiased, take])], {}, {
      outputNames: outs[2] ? [outs[2]] : undefined,
    });
    if (g.graph.isInitializer(runMean!)) updates.set(runMean!, newMean.name);
    if (g.graph.isInitializer(runVar!)) updates.set(runVar!, newVar.name);
  });
}

function reduceMean(g: GraphBuilder, x: Value, axes: number[]): Value {
  if (g.opset >= 18) return g.op("ReduceMean", [x, g.ints(axes)], { keepdims: 1 });
  return g.op("ReduceMean", [x], { axes, keepdims: 1 });
}

/** n / (n - 1) with n the number of elements per channel. */
function besselFactor(g: GraphBuilder, x: Value, axes: number[]): Value {
  const dtype = x.dtype ?? "float32";
  const dims = axes.map((a) => x.dims![a]);
  if (dims.every((d) => typeof d === "number")) {
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    return g.scalar(n > 1 ? n / (n - 1) : 1, dtype);
  }
  const shape = g.op("Shape", [x]);
  const perChannel = g.op("Div", [g.op("Size", [x]), g.op("Gather", [shape, g.ints([1])])]);
  const n = g.op("Cast", [perChannel], { to: dtypeToOnnx(dtype) });
  return g.op("Div", [n, g.op("Sub", [n, g.scalar(1, dtype)])]);
}
