/**
 * A graph node: op type, domain, input/output value names and attributes with
 * typed accessors.
 *
 * @module
 */

import { clone } from "@bufbuild/protobuf";
import { AttributeProtoSchema, GraphProtoSchema, type NodeProto } from "onnx-buf";
import { type Attribute, type AttributeType, type AttrValue, toAttribute } from "./attribute.ts";
import type { Tensor } from "./tensor.ts";
import { type NodeOwner, OWNER } from "./_owner.ts";

/** What `new Node()` takes. */
export interface NodeInit {
  opType: string;
  inputs?: readonly string[];
  outputs?: readonly string[];
  name?: string;
  /** `""` (the default) is the standard `ai.onnx` domain. */
  domain?: string;
  attrs?: Record<string, AttrValue> | Map<string, Attribute>;
  docString?: string;
}

/**
 * A node. `inputs` and `outputs` are read-only arrays: change them with
 * `setInput`, `setInputs`, `setOutputs` (or assign `node.inputs = [...]`) so the
 * owning graph's producer/consumer maps stay right. `""` marks an absent
 * optional input.
 */
export class Node {
  name: string;
  opType: string;
  domain: string;
  attrs: Map<string, Attribute>;
  docString: string;
  /** Fields of the original proto this IR does not model, written back on save. */
  extra?: Pick<NodeProto, "overload" | "metadataProps" | "deviceConfigurations">;
  [OWNER]?: NodeOwner;
  #inputs: string[];
  #outputs: string[];

  constructor(init: NodeInit) {
    this.opType = init.opType;
    this.name = init.name ?? "";
    this.domain = init.domain ?? "";
    this.docString = init.docString ?? "";
    this.#inputs = [...(init.inputs ?? [])];
    this.#outputs = [...(init.outputs ?? [])];
    this.attrs = new Map();
    if (init.attrs instanceof Map) {
      for (const [k, v] of init.attrs) this.attrs.set(k, v);
    } else if (init.attrs) {
      for (const [k, v] of Object.entries(init.attrs)) {
        if (v !== undefined) this.attrs.set(k, toAttribute(k, v, this.opType));
      }
    }
  }

  /** Input value names (`""` for an absent optional input). */
  get inputs(): readonly string[] {
    return this.#inputs;
  }

  set inputs(names: readonly string[]) {
    this.setInputs(names);
  }

  /** Output value names. */
  get outputs(): readonly string[] {
    return this.#outputs;
  }

  set outputs(names: readonly string[]) {
    this.setOutputs(names);
  }

  /** Replaces all input names. */
  setInputs(names: readonly string[]): void {
    const before = this.#inputs;
    this.#inputs = [...names];
    this[OWNER]?.onInputsChanged(this, before, this.#inputs);
  }

  /** Replaces input `index` (extending the list with `""` when needed). */
  setInput(index: number, name: string): void {
    const next = [...this.#inputs];
    while (next.length <= index) next.push("");
    next[index] = name;
    this.setInputs(next);
  }

  /** Replaces all output names. */
  setOutputs(names: readonly string[]): void {
    const before = this.#outputs;
    this.#outputs = [...names];
    this[OWNER]?.onOutputsChanged(this, before, this.#outputs);
  }

  /** A readable label for messages: `"name" (OpType)`. */
  get label(): string {
    const name = this.name || this.#outputs[0] || "?";
    return `"${name}" (${this.domain ? this.domain + "." : ""}${this.opType})`;
  }

  /** Whether the node has attribute `name`. */
  hasAttr(name: string): boolean {
    return this.attrs.has(name);
  }

  /** Attribute `name` checked to be of kind `type`, or undefined when absent. */
  attr<T extends AttributeType>(
    name: string,
    type: T,
  ): Extract<Attribute, { type: T }> | undefined {
    const a = this.attrs.get(name);
    if (a === undefined) return undefined;
    if (a.type !== type) {
      throw new TypeError(`Node ${this.label}: attribute "${name}" is ${a.type}, expected ${type}`);
    }
    return a as Extract<Attribute, { type: T }>;
  }

  /** An int attribute, or `fallback`; throws when absent without fallback. */
  getInt(name: string, fallback?: number): number {
    return this.#get(name, "int", fallback) as number;
  }

  /** An int-list attribute, or `fallback`. */
  getInts(name: string, fallback?: number[]): number[] {
    return this.#get(name, "ints", fallback) as number[];
  }

  /** A float attribute, or `fallback`. */
  getFloat(name: string, fallback?: number): number {
    return this.#get(name, "float", fallback) as number;
  }

  /** A float-list attribute, or `fallback`. */
  getFloats(name: string, fallback?: number[]): number[] {
    return this.#get(name, "floats", fallback) as number[];
  }

  /** A string attribute, or `fallback`. */
  getString(name: string, fallback?: string): string {
    return this.#get(name, "string", fallback) as string;
  }

  /** A string-list attribute, or `fallback`. */
  getStrings(name: string, fallback?: string[]): string[] {
    return this.#get(name, "strings", fallback) as string[];
  }

  /** A tensor attribute, or `fallback`. */
  getTensor(name: string, fallback?: Tensor): Tensor {
    return this.#get(name, "tensor", fallback) as Tensor;
  }

  /** Sets an int attribute. */
  setInt(name: string, value: number): this {
    return this.setAttr(name, { type: "int", value });
  }

  /** Sets an int-list attribute. */
  setInts(name: string, value: number[]): this {
    return this.setAttr(name, { type: "ints", value: [...value] });
  }

  /** Sets a float attribute. */
  setFloat(name: string, value: number): this {
    return this.setAttr(name, { type: "float", value });
  }

  /** Sets a float-list attribute. */
  setFloats(name: string, value: number[]): this {
    return this.setAttr(name, { type: "floats", value: [...value] });
  }

  /** Sets a string attribute. */
  setString(name: string, value: string): this {
    return this.setAttr(name, { type: "string", value });
  }

  /** Sets a string-list attribute. */
  setStrings(name: string, value: string[]): this {
    return this.setAttr(name, { type: "strings", value: [...value] });
  }

  /** Sets a tensor attribute. */
  setTensor(name: string, value: Tensor): this {
    return this.setAttr(name, { type: "tensor", value });
  }

  /** Sets an attribute of any kind (a plain value is converted as builders do). */
  setAttr(name: string, value: AttrValue): this {
    this.attrs.set(name, toAttribute(name, value, this.opType));
    return this;
  }

  /** Removes an attribute; returns whether it was there. */
  deleteAttr(name: string): boolean {
    return this.attrs.delete(name);
  }

  /** A copy that belongs to no graph (attribute values are shared, lists copied). */
  clone(): Node {
    const attrs = new Map<string, Attribute>();
    for (const [k, a] of this.attrs) {
      attrs.set(k, cloneAttribute(a));
    }
    const node = new Node({
      opType: this.opType,
      name: this.name,
      domain: this.domain,
      inputs: this.#inputs,
      outputs: this.#outputs,
      attrs,
      docString: this.docString,
    });
    if (this.extra) node.extra = { ...this.extra };
    return node;
  }

  #get(name: string, type: AttributeType, fallback: unknown): unknown {
    const a = this.attr(name, type);
    if (a !== undefined) return a.value;
    if (fallback === undefined) {
      throw new RangeError(`Node ${this.label} has no attribute "${name}"`);
    }
    return fallback;
  }
}

/** Copies an attribute: lists and subgraph protos are copied, tensors shared. */
function cloneAttribute(a: Attribute): Attribute {
  switch (a.type) {
    case "graph":
      return { type: "graph", value: clone(GraphProtoSchema, a.value) };
    case "graphs":
      return { type: "graphs", value: a.value.map((g) => clone(GraphProtoSchema, g)) };
    case "raw":
      return { type: "raw", value: clone(AttributeProtoSchema, a.value) };
    case "floats":
    case "ints":
      return { type: a.type, value: [...a.value] };
    case "strings":
      return { type: "strings", value: [...a.value] };
    case "tensors":
      return { type: "tensors", value: [...a.value] };
    default:
      return { ...a };
  }
}
