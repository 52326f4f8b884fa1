/**
 * `GraphBuilder`: emits nodes into a new or existing graph and hands out value
 * handles that carry the inferred dtype and dims, so shape and dtype mistakes
 * surface where the node is built.
 *
 * @module
 */

import type { AttrValue } from "./attribute.ts";
import type { DType } from "./dtype.ts";
import { Graph } from "./graph.ts";
import { DEFAULT_OPSET, Model } from "./model.ts";
import { Node } from "./node.ts";
import { inferNode, inferShapes } from "./shape_inference.ts";
import { scalar, type Tensor, tensor } from "./tensor.ts";
import type { Dim } from "./value_info.ts";
import { trackedValue, type TypeInfo } from "./_infer.ts";

/** A handle on a graph value: its name and what is known of its type. */
export class Value {
  readonly name: string;
  readonly dtype?: DType;
  readonly dims?: Dim[];

  constructor(name: string, dtype?: DType, dims?: Dim[]) {
    this.name = name;
    this.dtype = dtype;
    this.dims = dims;
  }

  /** Rank when known. */
  get rank(): number | undefined {
    return this.dims?.length;
  }
}

/** An op input: a handle, a value name, a number (made a scalar constant), or absent. */
export type OpInput = Value | string | number | undefined | null;

/** Options of `GraphBuilder.op`. */
export interface OpOptions {
  /** Number of outputs; when given, `op` returns an array of handles. */
  outputs?: number;
  /** Node name (default: a unique name from the op type and scope). */
  name?: string;
  /** Op domain (default `""`, ai.onnx); other domains are imported at version 1. */
  domain?: string;
  /** Output value names (default: unique names from the node name). */
  outputNames?: string[];
}

/** Options of `new GraphBuilder()`. */
export interface BuilderOptions {
  /** The ai.onnx opset to emit (default 17). */
  opset?: number;
  /** Graph name (default `"main"`). */
  name?: string;
  /** Other domains to import, domain → version. */
  opsetImports?: Record<string, number>;
}

/**
 * Builds graphs. Constants (`constant`, `ints`, `scalar`, numbers given as op
 * inputs) become initializers named `const`, `const_1`, …, shared when equal;
 * pass `{ asNode: true }` to `constant` for a `Constant` node instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "./tensor.ts";
 * const g = new GraphBuilder({ opset: 17 });
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const w = g.initializer("w", tensor("float32", [4, 3]));
 * const y = g.output(g.op("Relu", [g.op("MatMul", [x, w])]), "y");
 * assert.deepEqual(y.dims, ["N", 3]);
 * assert.throws(() => g.op("MatMul", [w, w]), /inner dims differ/);
 * ```
 */
export class GraphBuilder {
  readonly graph: Graph;
  readonly opset: number;
  #model?: Model;
  #domains = new Map<string, number>();
  #types = new Map<string, TypeInfo>();
  #scope: string[] = [];
  #constants = new Map<string, Value>();

  constructor(options: BuilderOptions = {}) {
    this.graph = new Graph({ name: options.name ?? "main" });
    this.opset = options.opset ?? DEFAULT_OPSET;
    for (const [d, v] of Object.entries(options.opsetImports ?? {})) this.#domains.set(d, v);
  }

  /**
   * A builder that appends to an existing model or graph. Types of the
   * existing values are inferred first (`infer: false` to skip), which also
   * fills `graph.valueInfo`.
   *
   * @param target The model (its opset is used) or graph.
   * @param options `opset` for a bare graph (default 17); `infer`.
   * @returns The builder; `build()` returns the same model.
   */
  static on(
    target: Model | Graph,
    options: { opset?: number; infer?: boolean } = {},
  ): GraphBuilder {
    const model = target instanceof Model ? target : undefined;
    const graph = model ? model.graph : (target as Graph);
    const opset = options.opset ?? model?.opset("") ?? DEFAULT_OPSET;
    const b = new GraphBuilder({ opset });
    (b as { graph: Graph }).graph = graph;
    b.#model = model;
    if (options.infer ?? true) {
      const { types } = inferShapes(graph, { opset });
      for (const [k, v] of types) b.#types.set(k, v);
    }
    return b;
  }

  /** Adds a graph input. */
  input(name: string, type: { dtype: DType; dims?: Dim[] }): Value {
    this.#claim(name, "input");
    this.graph.addInput({ name, dtype: type.dtype, dims: type.dims ? [...type.dims] : undefined });
    this.#types.set(name, { dtype: type.dtype, dims: type.dims });
    return new Value(name, type.dtype, type.dims ? [...type.dims] : undefined);
  }

  /** Adds an initializer under exactly `name`. */
  initializer(name: string, value: Tensor): Value {
    this.#claim(name, "initializer");
    return this.#setInitializer(name, value);
  }

  #setInitializer(name: string, value: Tensor): Value {
    this.graph.initializers.set(name, value);
    this.graph.reserveName(name);
    this.#types.set(name, {
      dtype: value.dtype,
      dims: [...value.dims],
      value: trackedValue(value),
    });
    return new Value(name, value.dtype, [...value.dims]);
  }

  /**
   * Adds a constant: an initializer (shared with an equal earlier small
   * constant), or a `Constant` node with `asNode`.
   */
  constant(value: Tensor, options: { name?: string; asNode?: boolean } = {}): Value {
    const tracked = trackedValue(value);
    const key = tracked && !options.name && !options.asNode
      ? `${value.dtype}|${value.dims.join(",")}|${tracked.join(",")}`
      : undefined;
    const cached = key ? this.#constants.get(key) : undefined;
    if (cached) return cached;
    let v: Value;
    if (options.asNode) {
      v = this.op("Constant", [], { value }, { name: options.name });
    } else {
      v = this.#setInitializer(this.graph.uniqueName(this.#scoped(options.name ?? "const")), value);
    }
    if (key) this.#constants.set(key, v);
    return v;
  }

  /** A 1-D int64 constant (shapes, axes). */
  ints(values: readonly number[]): Value {
    return this.constant(tensor("int64", [values.length], values));
  }

  /** A scalar constant (default float32). */
  scalar(value: number, dtype: DType = "float32"): Value {
    return this.constant(scalar(dtype, value));
  }

  /** A handle on an existing value, with its known type. */
  value(name: string): Value {
    const t = this.typeOf(name);
    return new Value(name, t.dtype, t.dims ? [...t.dims] : undefined);
  }

  /** What is known of a value's type (and small constant elements). */
  typeOf(name: string): TypeInfo {
    const known = this.#types.get(name);
    if (known) return known;
    const t = this.graph.typeOf(name);
    const init = this.graph.initializers.get(name);
    return { dtype: t?.dtype, dims: t?.dims, value: init ? trackedValue(init) : undefined };
  }

  /** Runs `fn` with node and constant names prefixed by `prefix/`. */
  scope<T>(prefix: string, fn: () => T): T {
    this.#scope.push(prefix);
    try {
      return fn();
    } finally {
      this.#scope.pop();
    }
  }

  /**
   * Emits a node and infers its outputs.
   *
   * @param opType Op type, e.g. `"Conv"`.
   * @param inputs Input handles or names; `undefined`/`""` for an absent optional input.
   * @param attrs Attributes as plain values (undefined ones are skipped).
   * @param options Output count, node name, domain, output names.
   * @returns The output handle, or an array of handles when `options.outputs` is given.
   * @throws {RangeError} For shapes that cannot go together, naming the node and both shapes.
   * @throws {TypeError} For dtypes that cannot go together.
   */
  op(
    opType: string,
    inputs: OpInput[],
    attrs?: Record<string, AttrValue | undefined>,
    options?: OpOptions & { outputs?: undefined },
  ): Value;
  op(
    opType: string,
    inputs: OpInput[],
    attrs: Record<string, AttrValue | undefined> | undefined,
    options: OpOptions & { outputs: number },
  ): Value[];
  op(
    opType: string,
    inputs: OpInput[],
    attrs: Record<string, AttrValue | undefined> = {},
    options: OpOptions = {},
  ): Value | Value[] {
    const count = options.outputs ?? options.outputNames?.length ?? 1;
    const domain = options.domain ?? "";
    if (domain !== "" && domain !== "ai.onnx" && !this.#domains.has(domain)) {
      this.#domains.set(domain, 1);
    }
    const name = options.name ? options.name : this.graph.uniqueName(this.#scoped(opType));
    const outputs = options.outputNames ??
      Array.from(
        { length: count },
        (_, i) => this.graph.uniqueName(count === 1 ? `${name}_out` : `${name}_out${i}`),
      );
    const names = this.#inputNames(inputs);
    const cleanAttrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) cleanAttrs[k] = v;
    const node = this.graph.addNode(
      new Node({ opType, domain, name, inputs: names, outputs, attrs: cleanAttrs }),
    );
    let types: TypeInfo[];
    try {
      types = inferNode(
        node,
        names.map((n) => (n === "" ? undefined : this.typeOf(n))),
        this.opset,
      );
    } catch (err) {
      this.graph.removeNode(node);
      throw err;
    }
    const handles = outputs.map((o, i) => {
      const t = types[i] ?? {};
      this.#types.set(o, t);
      if (t.dtype !== undefined || t.dims !== undefined) {
        this.graph.valueInfo.set(o, {
          name: o,
          dtype: t.dtype,
          dims: t.dims ? [...t.dims] : undefined,
        });
      }
      return new Value(o, t.dtype, t.dims ? [...t.dims] : undefined);
    });
    return options.outputs === undefined ? handles[0]! : handles;
  }

  /**
   * Marks a value as a graph output, under `name` when given (renaming the
   * value where it can, else through an Identity node).
   *
   * @returns The output's handle.
   * @throws {RangeError} When `name` is already taken by another value.
   */
  output(value: Value | string, name?: string): Value {
    let v = typeof value === "string" ? this.value(value) : value;
    if ((name === undefined || name === v.name) && this.graph.isOutput(v.name)) return v;
    if (name !== undefined && name !== v.name) {
      const producer = this.graph.producer(v.name);
      if (this.graph.hasName(name)) {
        throw new RangeError(`Cannot name output "${name}": the name is taken`);
      }
      if (producer && !this.graph.isOutput(v.name) && !this.graph.isInput(v.name)) {
        producer.setOutputs(producer.outputs.map((o) => (o === v.name ? name : o)));
        this.graph.replaceAllUses(v.name, name);
        this.#moveType(v.name, name);
        v = new Value(name, v.dtype, v.dims);
      } else {
        v = this.op("Identity", [v], {}, { outputNames: [name] });
      }
    }
    const t = this.typeOf(v.name);
    this.graph.valueInfo.delete(v.name);
    this.graph.addOutput({ name: v.name, dtype: t.dtype, dims: t.dims ? [...t.dims] : undefined });
    return v;
  }

  /** The model: a new one for a new graph, the same one for `GraphBuilder.on(model)`. */
  build(): Model {
    const model = this.#model ?? new Model(this.graph, { opsetImports: { "": this.opset } });
    for (const [d, v] of this.#domains) {
      if (!model.opsetImports.has(d)) model.opsetImports.set(d, v);
    }
    this.#model = model;
    return model;
  }

  #claim(name: string, what: string): void {
    if (name === "" || this.graph.hasName(name) || this.graph.isInput(name)) {
      throw new RangeError(
        `Cannot add ${what} "${name}": the name is ${name === "" ? "empty" : "taken"}`,
      );
    }
  }

  #scoped(name: string): string {
    return this.#scope.length ? `${this.#scope.join("/")}/${name}` : name;
  }

  /** Input names; numbers become scalars of the first non-bool input dtype (Where's cond is bool). */
  #inputNames(inputs: OpInput[]): string[] {
    const dtypes = inputs.map((i) =>
      i instanceof Value ? i.dtype : typeof i === "string" && i ? this.typeOf(i).dtype : undefined
    );
    const dtype = dtypes.find((d) => d !== undefined && d !== "bool") ?? dtypes.find((d) => d) ??
      "float32";
    const names = inputs.map((i) => {
      if (i === undefined || i === null) return "";
      if (typeof i === "number") return this.scalar(i, dtype).name;
      return typeof i === "string" ? i : i.name;
    });
    while (names.length > 0 && names[names.length - 1] === "") names.pop();
    return names;
  }

  #moveType(from: string, to: string): void {
    const t = this.#types.get(from);
    if (t) this.#types.set(to, t);
    this.#types.delete(from);
    const vi = this.graph.valueInfo.get(from);
    this.graph.valueInfo.delete(from);
    if (vi) this.graph.valueInfo.set(to, { ...vi, name: to });
  }
}
