/**
 * Dynamic 8-bit quantization: weights quantized once (symmetric, per output
 * channel by default), activations quantized at run time.
 *
 * - format "integer" (default):
 *   `MatMul(x, W)` / `Gemm(x, B, C)` ->
 *   `DynamicQuantizeLinear(x) -> MatMulInteger(xq, Wq, xzp, wzp) -> Cast ->
 *   Mul(xs * ws) [-> Add(bias)]` (ONNX Runtime fuses this chain into one
 *   DynamicQuantizeMatMul kernel);
 *   `Conv(x, W, b)` -> `ConvInteger` with the same dequantizing tail
 * - format "qdq": `DynamicQuantizeLinear(x) -> DequantizeLinear` and
 *   `DequantizeLinear(Wq)` feeding the original float op
 *
 * Error: per output element about `|x| |W|` times the two rounding steps
 * (half a quantization step of the activation and of the weight).
 *
 * @module
 */
import { type Graph, type Model, Node, type NodeInit, tensor } from "../onnx/mod.ts";
import { addInitializer } from "./_graph.ts";
import {
  type ExcludeOptions,
  quantizeOpsetProblem,
  selectWeightNodes,
  type WeightNode,
} from "./_weights.ts";
import { declined, joinReasons, type PassResult } from "./pass.ts";
import {
  channelRanges,
  paramsFromRange,
  type QParams,
  type QType,
  quantizeTensor,
  scaleTensor,
  zeroPointTensor,
} from "./quant_params.ts";

/** Options of {@linkcode quantizeDynamic}. */
export interface DynamicQuantizeOptions extends ExcludeOptions {
  /** Weight type (default int8; activations are always uint8, as DynamicQuantizeLinear makes them). */
  weightType?: QType;
  /** One scale per output channel (default true). */
  perChannel?: boolean;
  /** "integer" (MatMulInteger/ConvInteger, default) or "qdq". */
  format?: "integer" | "qdq";
  /**
   * Op types to quantize (default MatMul and Gemm, as PyTorch's dynamic
   * quantization of Linear layers). Add "Conv" for ConvInteger.
   *
   * NOTE: onnxruntime's CPU ConvInteger is slower than its float Conv on x86
   * (im2col + a generic 8-bit GEMM, against float NCHWc kernels): 242 µs
   * (uint8 x int8) or 40 µs (uint8 x uint8) against 31 µs for the MNIST CNN's
   * second convolution at batch 1.
   */
  opTypes?: readonly string[];
}

/**
 * Quantizes the weights of Gemm and MatMul (and on request Conv) nodes to 8
 * bits and their activations at run time.
 *
 * @param model The model (not modified).
 * @param options Weight type, per-channel, format, excluded nodes.
 * @returns The quantized copy; `reason` lists nodes left in float and why.
 * @throws {RangeError} For an excluded name that is no node of the graph.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const w = tensor("float32", [4, 3], Float32Array.from({ length: 12 }, (_, i) => i / 12 - 0.5));
 * g.output(g.op("MatMul", [x, g.initializer("w", w)]), "y");
 * const { model } = quantizeDynamic(g.build());
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType),
 *   ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"]);
 * assert.equal(model.graph.initializers.get("w_q")?.dtype, "int8");
 * ```
 */
export function quantizeDynamic(model: Model, options: DynamicQuantizeOptions = {}): PassResult {
  const { weightType = "int8", perChannel = true, format = "integer" } = options;
  const tooOld = quantizeOpsetProblem(model);
  if (tooOld) return declined(model, tooOld);
  const out = model.clone();
  const graph = out.graph;
  const { nodes, skipped } = selectWeightNodes(
    graph,
    options,
    options.opTypes ?? ["MatMul", "Gemm"],
  );
  if (nodes.length === 0) {
    return declined(model, skipped[0] ?? "no Conv, Gemm or MatMul with a constant weight");
  }
  const dql = new Map<string, [string, string, string]>();
  const notes: string[] = [];
  for (const wn of nodes) {
    const q = quantizeWeight(graph, wn, weightType, perChannel);
    let x = dql.get(wn.x);
    if (!x) {
      const base = shortName(wn.x);
      x = [
        graph.uniqueName(`${base}_q`),
        graph.uniqueName(`${base}_s`),
        graph.uniqueName(`${base}_zp`),
      ];
      graph.addNode(
        new Node({
          opType: "DynamicQuantizeLinear",
          name: graph.uniqueName(`${base}_dql`),
          inputs: [wn.x],
          outputs: x,
        }),
        { before: wn.node },
      );
      dql.set(wn.x, x);
    }
    if (format === "qdq") rewriteQdq(graph, wn, q, x);
    else rewriteInteger(graph, wn, q, x);
    notes.push(
      `quantized ${wn.node.label} (${format}, ${perChannel ? "per channel" : "per tensor"})`,
    );
  }
  graph.removeUnused();
  graph.sortNodes();
  return {
    model: out,
    changed: true,
    notes,
    reason: joinReasons(skipped),
  };
}

interface QuantWeight {
  wq: string;
  params: QParams[];
  zp: string;
}

function quantizeWeight(
  graph: Graph,
  wn: WeightNode,
  qtype: QType,
  perChannel: boolean,
): QuantWeight {
  const ranges = channelRanges(wn.w, perChannel ? wn.axis : undefined);
  const params = ranges.map(([lo, hi]) => paramsFromRange(lo, hi, qtype, true));
  const base = wn.node.inputs[1]!;
  const wq = addInitializer(graph, `${base}_q`, quantizeTensor(wn.w, params, qtype, wn.axis));
  // Symmetric weights share one zero point (0, or 128 for uint8): the integer
  // kernels accept it for every layout.
  const zp = addInitializer(graph, `${base}_zp`, zeroPointTensor([params[0]!], qtype));
  return { wq, params, zp };
}

function rewriteInteger(
  graph: Graph,
  wn: WeightNode,
  q: QuantWeight,
  [xq, xs, xzp]: string[],
): void {
  const node = wn.node;
  const y = node.outputs[0]!;
  const base = shortName(node.name || y);
  const conv = node.opType === "Conv";
  const add = (opType: string, inputs: string[], attrs: NodeInit["attrs"] = {}) => {
    const o = graph.uniqueName(`${base}_${opType.toLowerCase()}`);
    graph.addNode(new Node({ opType, name: o, inputs, outputs: [o], attrs }), { before: node });
    return o;
  };
  const channelShape = conv ? [q.params.length, 1, 1] : [q.params.length];
  const ws = addInitializer(graph, `${base}_ws`, reshapeScale(scaleTensor(q.params), channelShape));
  const yi = add(
    conv ? "ConvInteger" : "MatMulInteger",
    [xq, q.wq, xzp, q.zp],
    conv ? new Map(node.attrs) : {},
  );
  const yf = add("Cast", [yi], { to: 1 });
  const s = add("Mul", [xs, ws]);
  let result = add("Mul", [yf, s]);
  if (wn.bias) {
    const b = tensor(
      "float32",
      conv ? [wn.bias.length, 1, 1] : [wn.bias.length],
      Float32Array.from(wn.bias),
    );
    result = add("Add", [result, addInitializer(graph, `${base}_b`, b)]);
  }
  const last = graph.producer(result)!;
  graph.removeNode(node);
  last.setOutputs([y]);
  graph.replaceAllUses(result, y);
}

function rewriteQdq(graph: Graph, wn: WeightNode, q: QuantWeight, [xq, xs, xzp]: string[]): void {
  const node = wn.node;
  const base = shortName(node.name || node.outputs[0]!);
  const xd = graph.uniqueName(`${base}_xdq`);
  graph.addNode(
    new Node({ opType: "DequantizeLinear", name: xd, inputs: [xq, xs, xzp], outputs: [xd] }),
    {
      before: node,
    },
  );
  const wd = graph.uniqueName(`${base}_wdq`);
  const ws = addInitializer(graph, `${base}_ws`, scaleTensor(q.params));
  const zp = q.params.length > 1
    ? addInitializer(graph, `${base}_wzp`, zeroPointTensor(q.params, zpType(graph, q.zp)))
    : q.zp;
  graph.addNode(
    new Node({
      opType: "DequantizeLinear",
      name: wd,
      inputs: [q.wq, ws, zp],
      outputs: [wd],
      attrs: q.params.length > 1 ? { axis: wn.axis } : {},
    }),
    { before: node },
  );
  if (node.opType === "Gemm") {
    // The weight is now [K, N] with alpha applied and the bias scaled by beta.
    node.deleteAttr("transB");
    node.deleteAttr("alpha");
    node.deleteAttr("beta");
    if (wn.bias) {
      node.setInput(
        2,
        addInitializer(
          graph,
          `${base}_b`,
          tensor("float32", [wn.bias.length], Float32Array.from(wn.bias)),
        ),
      );
    }
  }
  node.setInput(0, xd);
  node.setInput(1, wd);
}

function zpType(graph: Graph, zp: string): QType {
  return graph.initializers.get(zp)!.dtype as QType;
}

function reshapeScale(t: ReturnType<typeof scaleTensor>, dims: number[]) {
  return t.dims.length === 0 ? t : tensor("float32", dims, t.data);
}

/** A short prefix for new names: the last path segment of a value or node name. */
export function shortName(name: string): string {
  const tail = name.split("/").filter((p) => p !== "").slice(-2).join("_") || "q";
  return tail.replace(/[^A-Za-z0-9_.]/g, "_");
}
