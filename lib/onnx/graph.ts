/**
 * The graph IR: nodes, graph inputs/outputs, initializers and value types, with
 * producer/consumer maps, topological order and unique names.
 *
 * @module
 */

import type { SparseTensorProto, StringStringEntryProto, TensorAnnotation } from "onnx-buf";
import { Node, type NodeInit } from "./node.ts";
import type { Tensor } from "./tensor.ts";
import type { ValueInfo } from "./value_info.ts";
import { type NodeOwner, OWNER } from "./_owner.ts";
import { implicitInputs, renameOuterReference, subgraphsOf } from "./_subgraph.ts";
import { topologicalSort } from "./_topo.ts";

/** What `new Graph()` takes. */
export interface GraphInit {
  name?: string;
  nodes?: Node[];
  inputs?: ValueInfo[];
  outputs?: ValueInfo[];
  initializers?: Map<string, Tensor>;
  valueInfo?: Map<string, ValueInfo>;
  docString?: string;
}

/**
 * A computation graph.
 *
 * Index maps: `producer()` and `consumers()` use maps built on first use and
 * then kept in sync by every change made through the graph's methods
 * (`addNode`, `removeNode(s)`, `replaceAllUses`, `sortNodes`) and through a
 * node's own setters (`node.setInput`, `node.inputs = …`). Subgraph references
 * (If/Loop/Scan bodies reading outer values) count as uses. Call
 * `invalidate()` after editing a subgraph attribute by hand.
 *
 * `initializers` and `valueInfo` are plain maps: edit them directly.
 * Initializer names may also be listed in `inputs` (older exports do this); such
 * inputs have defaults and `feedInputs()` leaves them out.
 */
export class Graph implements NodeOwner {
  name: string;
  docString: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  valueInfo: Map<string, ValueInfo>;
  /** Kept as loaded and written back. */
  sparseInitializers: SparseTensorProto[] = [];
  /** Kept as loaded and written back. */
  quantizationAnnotation: TensorAnnotation[] = [];
  /** Kept as loaded and written back. */
  metadataProps: StringStringEntryProto[] = [];
  #nodes: Node[] = [];
  #producers?: Map<string, Node>;
  #consumers?: Map<string, Node[]>;
  #names?: Set<string>;
  #counters = new Map<string, number>();

  constructor(init: GraphInit = {}) {
    this.name = init.name ?? "main";
    this.docString = init.docString ?? "";
    this.inputs = init.inputs ?? [];
    this.outputs = init.outputs ?? [];
    this.initializers = init.initializers ?? new Map();
    this.valueInfo = init.valueInfo ?? new Map();
    for (const n of init.nodes ?? []) this.addNode(n);
  }

  /** Nodes in insertion order (see `topologicalOrder()`); change them through the graph. */
  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  /**
   * Adds a node (or makes one from `init`) at the end, or before `options.before`.
   *
   * @param node A node that belongs to no graph, or what to make one from.
   * @param options `before`: insert before this node of the graph; `unchecked`:
   *   allow an output another node already produces (files are loaded as they
   *   are, for `validateModel` to report).
   * @returns The added node.
   * @throws {RangeError} When the node already belongs to a graph, or an output is already produced.
   */
  addNode(node: Node | NodeInit, options: { before?: Node; unchecked?: boolean } = {}): Node {
    const n = node instanceof Node ? node : new Node(node);
    if (n[OWNER] !== undefined) {
      throw new RangeError(`Cannot add node ${n.label}: it already belongs to a graph`);
    }
    for (const o of options.unchecked ? [] : n.outputs) {
      const other = o === "" ? undefined : this.producer(o);
      if (other) {
        throw new RangeError(
          `Cannot add node ${n.label}: output "${o}" is already produced by ${other.label}`,
        );
      }
    }
    if (options.before) {
      const at = this.#nodes.indexOf(options.before);
      if (at < 0) {
        throw new RangeError(
          `Cannot insert before ${options.before.label}: not in graph "${this.name}"`,
        );
      }
      this.#nodes.splice(at, 0, n);
    } else {
      this.#nodes.push(n);
    }
    n[OWNER] = this;
    this.#index(n, +1);
    if (this.#names) {
      if (n.name) this.#names.add(n.name);
      for (const v of n.outputs) this.#names.add(v);
      for (const v of n.inputs) this.#names.add(v);
    }
    return n;
  }

  /** Removes one node (its outputs become dangling if still used). */
  removeNode(node: Node): void {
    this.removeNodes([node]);
  }

  /** Removes several nodes in one pass. */
  removeNodes(nodes: Iterable<Node>): void {
    const drop = new Set(nodes);
    if (drop.size === 0) return;
    this.#nodes = this.#nodes.filter((n) => !drop.has(n));
    for (const n of drop) {
      if (n[OWNER] !== this) continue;
      this.#index(n, -1);
      n[OWNER] = undefined;
    }
  }

  /** The node producing value `name`, if any (graph inputs and initializers have none). */
  producer(name: string): Node | undefined {
    return this.#maps().producers.get(name);
  }

  /** The nodes reading value `name` (each once, in insertion order of use). */
  consumers(name: string): Node[] {
    const list = this.#maps().consumers.get(name);
    if (list === undefined) return [];
    return list.length === 1 ? [...list] : [...new Set(list)];
  }

  /** Whether `name` is a graph output. */
  isOutput(name: string): boolean {
    return this.outputs.some((o) => o.name === name);
  }

  /** Whether `name` is a graph input. */
  isInput(name: string): boolean {
    return this.inputs.some((i) => i.name === name);
  }

  /** Whether `name` is an initializer. */
  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  /** Graph inputs that must be fed (those without an initializer of the same name). */
  feedInputs(): ValueInfo[] {
    return this.inputs.filter((i) => !this.initializers.has(i.name));
  }

  /** The known type of a value: graph input/output, value info, or initializer. */
  typeOf(name: string): ValueInfo | undefined {
    const io = this.inputs.find((v) => v.name === name) ??
      this.outputs.find((v) => v.name === name);
    if (io && (io.dtype !== undefined || io.type)) return io;
    const vi = this.valueInfo.get(name);
    if (vi) return vi;
    const t = this.initializers.get(name);
    if (t) return { name, dtype: t.dtype, dims: [...t.dims] };
    return io;
  }

  /**
   * Nodes ordered so that each comes after the producers of its inputs; the
   * insertion order is kept where it already is one.
   *
   * @returns A new array of the nodes.
   * @throws {RangeError} On a cycle, naming the nodes on it.
   */
  topologicalOrder(): Node[] {
    const { producers } = this.#maps();
    return topologicalSort(
      this.#nodes,
      (n) => depsOf(n, producers),
      (cycle) =>
        new RangeError(
          `Graph "${this.name}" has a cycle: ${cycle.map((n) => n.label).join(" -> ")}`,
        ),
    );
  }

  /** Reorders `nodes` topologically in place (see `topologicalOrder()`). */
  sortNodes(): void {
    this.#nodes = this.topologicalOrder();
  }

  /**
   * A value or node name not yet used in this graph: `prefix` itself when free,
   * else `prefix_1`, `prefix_2`, … . The name is reserved at once.
   *
   * @param prefix Wanted name.
   * @returns A fresh name.
   */
  uniqueName(prefix: string): string {
    const names = this.#allNames();
    let candidate = prefix;
    let k = this.#counters.get(prefix) ?? 0;
    while (
      candidate === "" || names.has(candidate) || this.initializers.has(candidate) ||
      this.valueInfo.has(candidate)
    ) {
      candidate = `${prefix}_${++k}`;
    }
    this.#counters.set(prefix, k);
    names.add(candidate);
    return candidate;
  }

  /** Whether `name` is already used by a value, node, initializer or value info. */
  hasName(name: string): boolean {
    return this.#allNames().has(name) || this.initializers.has(name) || this.valueInfo.has(name);
  }

  /** Reserves a name so `uniqueName` never returns it. */
  reserveName(name: string): void {
    this.#allNames().add(name);
  }

  /**
   * Makes every node that reads `oldName` read `newName` instead, including
   * reads inside subgraphs. Graph outputs keep their names unless
   * `options.outputs` is true.
   *
   * @param oldName The value to stop using.
   * @param newName The value to use.
   * @param options `outputs`: rename matching graph outputs too; `except`:
   *   nodes to leave alone (typically the new node that reads `oldName`).
   * @returns The number of nodes changed.
   */
  replaceAllUses(
    oldName: string,
    newName: string,
    options: { outputs?: boolean; except?: Iterable<Node> } = {},
  ): number {
    const skip = new Set(options.except ?? []);
    const users = this.consumers(oldName).filter((n) => !skip.has(n));
    for (const n of users) {
      if (n.inputs.includes(oldName)) {
        n.setInputs(n.inputs.map((i) => (i === oldName ? newName : i)));
      }
      const subs = subgraphsOf(n);
      if (subs.length > 0) {
        this.#index(n, -1);
        for (const g of subs) renameOuterReference(g, oldName, newName);
        this.#index(n, +1);
      }
    }
    if (options.outputs) {
      for (const o of this.outputs) if (o.name === oldName) o.name = newName;
    }
    return users.length;
  }

  /**
   * Removes nodes whose outputs no graph output needs, then initializers and
   * value infos nothing uses (initializers listed as graph inputs stay).
   *
   * @returns How many nodes and initializers were removed.
   */
  removeUnused(): { nodes: number; initializers: number } {
    const { producers } = this.#maps();
    const keep = new Set<Node>();
    const used = new Set<string>();
    const stack = this.outputs.map((o) => o.name);
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (used.has(name)) continue;
      used.add(name);
      const p = producers.get(name);
      if (p && !keep.has(p)) {
        keep.add(p);
        for (const i of [...p.inputs, ...implicitInputs(p)]) if (i !== "") stack.push(i);
      }
    }
    const dead = this.#nodes.filter((n) => !keep.has(n));
    this.removeNodes(dead);
    let initializers = 0;
    for (const name of [...this.initializers.keys()]) {
      if (!used.has(name) && !this.isInput(name)) {
        this.initializers.delete(name);
        initializers++;
      }
    }
    for (const name of [...this.valueInfo.keys()]) if (!used.has(name)) this.valueInfo.delete(name);
    return { nodes: dead.length, initializers };
  }

  /** Adds a graph input. */
  addInput(info: ValueInfo): void {
    this.inputs.push(info);
    this.#names?.add(info.name);
  }

  /** Adds a graph output. */
  addOutput(info: ValueInfo): void {
    this.outputs.push(info);
    this.#names?.add(info.name);
  }

  /** Drops the index maps; they are rebuilt on next use. */
  invalidate(): void {
    this.#producers = undefined;
    this.#consumers = undefined;
    this.#names = undefined;
  }

  /**
   * A copy: new nodes, lists and maps; tensor data and subgraph protos are
   * shared (treat tensors as immutable, replace rather than edit them).
   *
   * @returns The copy.
   */
  clone(): Graph {
    const g = new Graph({
      name: this.name,
      docString: this.docString,
      inputs: this.inputs.map((v) => cloneInfo(v)),
      outputs: this.outputs.map((v) => cloneInfo(v)),
      initializers: new Map(this.initializers),
      valueInfo: new Map([...this.valueInfo].map(([k, v]) => [k, cloneInfo(v)])),
    });
    for (const n of this.#nodes) g.addNode(n.clone(), { unchecked: true });
    g.sparseInitializers = [...this.sparseInitializers];
    g.quantizationAnnotation = [...this.quantizationAnnotation];
    g.metadataProps = [...this.metadataProps];
    return g;
  }

  /** @internal */
  onInputsChanged(node: Node, before: readonly string[], after: readonly string[]): void {
    if (!this.#consumers) return;
    for (const i of before) if (i !== "") removeOne(this.#consumers, i, node);
    for (const i of after) if (i !== "") pushTo(this.#consumers, i, node);
    for (const i of after) this.#names?.add(i);
  }

  /** @internal */
  onOutputsChanged(node: Node, before: readonly string[], after: readonly string[]): void {
    if (!this.#producers) return;
    for (const o of before) if (this.#producers.get(o) === node) this.#producers.delete(o);
    for (const o of after) if (o !== "") this.#producers.set(o, node);
    for (const o of after) this.#names?.add(o);
  }

  #maps(): { producers: Map<string, Node>; consumers: Map<string, Node[]> } {
    if (!this.#producers || !this.#consumers) {
      this.#producers = new Map();
      this.#consumers = new Map();
      for (const n of this.#nodes) this.#index(n, +1);
    }
    return { producers: this.#producers, consumers: this.#consumers };
  }

  #index(node: Node, sign: 1 | -1): void {
    const producers = this.#producers;
    const consumers = this.#consumers;
    if (!producers || !consumers) return;
    const reads = [...node.inputs.filter((i) => i !== ""), ...implicitInputs(node)];
    for (const o of node.outputs) {
      if (o === "") continue;
      if (sign > 0) {
        if (!producers.has(o)) producers.set(o, node);
      } else if (producers.get(o) === node) producers.delete(o);
    }
    for (const i of reads) {
      if (sign > 0) pushTo(consumers, i, node);
      else removeOne(consumers, i, node);
    }
  }

  #allNames(): Set<string> {
    if (!this.#names) {
      const names = new Set<string>();
      for (const v of this.inputs) names.add(v.name);
      for (const v of this.outputs) names.add(v.name);
      for (const n of this.#nodes) {
        if (n.name) names.add(n.name);
        for (const v of n.inputs) names.add(v);
        for (const v of n.outputs) names.add(v);
      }
      this.#names = names;
    }
    return this.#names;
  }
}

function cloneInfo(v: ValueInfo): ValueInfo {
  return { ...v, dims: v.dims ? [...v.dims] : undefined };
}

function pushTo(map: Map<string, Node[]>, key: string, node: Node): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

function removeOne(map: Map<string, Node[]>, key: string, node: Node): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(node);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

/** Producers of a node's inputs (explicit and through subgraphs); a node may feed itself. */
function depsOf(node: Node, producers: Map<string, Node>): Node[] {
  const deps: Node[] = [];
  for (const i of [...node.inputs, ...implicitInputs(node)]) {
    const p = i === "" ? undefined : producers.get(i);
    if (p) deps.push(p);
  }
  return deps;
}
