// Inserting QuantizeLinear/DequantizeLinear nodes, quantized weights and
// int32 biases, for the static quantizer.

import { type Graph, Node, type Tensor, tensor } from "../onnx/mod.ts";
import { addInitializer, constValue } from "./_graph.ts";
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

/** Adds `Q -> DQ` after `t`; returns the DQ output (nobody reads it yet). */
export function insertQdq(graph: Graph, t: string, p: QParams, qtype: QType): string {
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

export function quantizeWeights(
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
