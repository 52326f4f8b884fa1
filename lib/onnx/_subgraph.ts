// Outer-scope references of subgraph attributes (If/Loop/Scan bodies), which
// count as uses of the outer values even though they are not node inputs.

import type { GraphProto } from "onnx-buf";
import type { Node } from "./node.ts";

/** Subgraphs held by a node's attributes. */
export function subgraphsOf(node: Node): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attrs.values()) {
    if (a.type === "graph") out.push(a.value);
    else if (a.type === "graphs") out.push(...a.value);
  }
  return out;
}

/** Names a subgraph reads from enclosing scopes. */
export function outerReferences(graph: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const v of graph.input) defined.add(v.name);
  for (const t of graph.initializer) defined.add(t.name);
  for (const n of graph.node) for (const o of n.output) defined.add(o);
  const used = new Set<string>();
  const use = (name: string) => {
    if (name !== "" && !defined.has(name)) used.add(name);
  };
  for (const n of graph.node) {
    for (const i of n.input) use(i);
    for (const a of n.attribute) {
      for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) {
        for (const r of outerReferences(g)) use(r);
      }
    }
  }
  for (const o of graph.output) use(o.name);
  return used;
}

/** Names a node reads through its subgraphs. */
export function implicitInputs(node: Node): string[] {
  const subs = subgraphsOf(node);
  if (subs.length === 0) return [];
  const names = new Set<string>();
  for (const g of subs) for (const r of outerReferences(g)) names.add(r);
  return [...names];
}

/** Renames outer references `from` → `to` inside a subgraph, in place. */
export function renameOuterReference(graph: GraphProto, from: string, to: string): void {
  if (!outerReferences(graph).has(from)) return;
  for (const n of graph.node) {
    n.input = n.input.map((i) => (i === from ? to : i));
    for (const a of n.attribute) {
      if (a.g) renameOuterReference(a.g, from, to);
      for (const g of a.graphs) renameOuterReference(g, from, to);
    }
  }
  for (const o of graph.output) if (o.name === from) o.name = to;
}
