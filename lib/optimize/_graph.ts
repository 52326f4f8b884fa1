// Graph helpers shared by the passes: constant lookup, bypassing a node while
// keeping graph output names, and float64 views of weights.

import { type Graph, type Node, type Tensor, tensor } from "../onnx/mod.ts";

/** Whether a node is in the default `ai.onnx` domain. */
export function isStandard(node: Node): boolean {
  return node.domain === "" || node.domain === "ai.onnx";
}

/** The value of a `Constant` node, or undefined for forms this layer does not fold. */
export function constantNodeValue(node: Node): Tensor | undefined {
  if (node.opType !== "Constant" || !isStandard(node)) return undefined;
  const a = node.attrs.values().next().value;
  if (!a || node.attrs.size !== 1) return undefined;
  const name = [...node.attrs.keys()][0]!;
  switch (name) {
    case "value":
      return a.type === "tensor" ? a.value : undefined;
    case "value_float":
      return a.type === "float" ? tensor("float32", [], [a.value]) : undefined;
    case "value_floats":
      return a.type === "floats" ? tensor("float32", [a.value.length], a.value) : undefined;
    case "value_int":
      return a.type === "int" ? tensor("int64", [], [a.value]) : undefined;
    case "value_ints":
      return a.type === "ints" ? tensor("int64", [a.value.length], a.value) : undefined;
    default:
      return undefined;
  }
}

/**
 * The constant value of `name`: an initializer that is not also a graph input
 * (those can be overridden by feeds), or the output of a `Constant` node.
 */
export function constValue(graph: Graph, name: string): Tensor | undefined {
  if (name === "") return undefined;
  const init = graph.initializers.get(name);
  if (init) return graph.isInput(name) ? undefined : init;
  const p = graph.producer(name);
  return p ? constantNodeValue(p) : undefined;
}

/** Whether `name` is read by exactly one node and is not a graph output. */
export function onlyUse(graph: Graph, name: string, node: Node): boolean {
  const users = graph.consumers(name);
  return users.length === 1 && users[0] === node && !graph.isOutput(name);
}

/**
 * Removes `node`, whose first output carries the same values as `keep`:
 * readers of the output read `keep` instead. When the output is a graph
 * output, `keep` is renamed to it (its producer writes the output name).
 *
 * @returns false (and leaves the graph alone) when a graph output would have
 *   to be fed straight from a graph input or initializer.
 */
export function bypass(graph: Graph, node: Node, keep: string): boolean {
  const out = node.outputs[0]!;
  if (!graph.isOutput(out)) {
    graph.removeNode(node);
    graph.replaceAllUses(out, keep);
    graph.valueInfo.delete(out);
    return true;
  }
  const producer = graph.producer(keep);
  if (!producer || graph.isOutput(keep) || graph.isInput(keep)) return false;
  graph.removeNode(node);
  renameValue(graph, keep, out);
  return true;
}

/** Renames a node-produced value everywhere (producer output, readers, value info). */
export function renameValue(graph: Graph, from: string, to: string): void {
  const producer = graph.producer(from);
  if (producer) producer.setOutputs(producer.outputs.map((o) => (o === from ? to : o)));
  graph.replaceAllUses(from, to);
  const vi = graph.valueInfo.get(from);
  graph.valueInfo.delete(from);
  if (vi && !graph.isOutput(to)) graph.valueInfo.set(to, { ...vi, name: to });
}

/** Float elements of a float32/float64 tensor as float64 (a copy). */
export function toF64(t: Tensor): Float64Array {
  if (t.dtype !== "float32" && t.dtype !== "float64") {
    throw new TypeError(`Expected a float32 or float64 tensor, got ${t.dtype}`);
  }
  return Float64Array.from(t.data as Float32Array);
}

/** A tensor of the given float dtype from float64 values. */
export function fromF64(dtype: "float32" | "float64", dims: number[], data: Float64Array): Tensor {
  return tensor(dtype, dims, dtype === "float32" ? Float32Array.from(data) : data);
}

/** A fresh initializer holding `value`, named from `prefix`. */
export function addInitializer(graph: Graph, prefix: string, value: Tensor): string {
  const name = graph.uniqueName(prefix);
  graph.initializers.set(name, value);
  return name;
}

/** Whether a value name is used by any node or is a graph output. */
export function isUsed(graph: Graph, name: string): boolean {
  return graph.consumers(name).length > 0 || graph.isOutput(name);
}
