/**
 * `NnContext`: what layers emit into — a graph builder, the seed their
 * weights are drawn from, training or eval mode, and the dotted name scope
 * that gives parameters PyTorch's `state_dict` names.
 *
 * @module
 */

import { GraphBuilder, type Model, type Tensor, tensor, type Value } from "../onnx/mod.ts";
import { type InitScheme, initTensor } from "./init.ts";

/** A parameter or buffer that a layer created. */
export interface ParameterInfo {
  /** Initializer name, e.g. `"layer1.0.bn1.running_mean"`. */
  name: string;
  dims: number[];
  /** `"parameter"` is trainable; `"buffer"` is state such as BatchNorm running statistics. */
  kind: "parameter" | "buffer";
}

/** Options of `new NnContext()`. */
export interface NnContextOptions {
  /** Seed of every initialisation (default 0). */
  seed?: number;
  /** Training mode: Dropout nodes and BatchNorm with batch statistics (default true). */
  training?: boolean;
  /** The ai.onnx opset (default 17, the least that has LayerNormalization). */
  opset?: number;
  /** Graph name (default `"main"`). */
  graphName?: string;
}

/**
 * Holds the graph being built and the state layers share.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ctx = new NnContext({ seed: 1 });
 * const w = ctx.scope("fc1", () => ctx.param("weight", [2, 3], { kind: "constant", value: 1 }));
 * assert.equal(w.name, "fc1.weight");
 * assert.deepEqual(ctx.params.map((p) => p.kind), ["parameter"]);
 * ```
 */
export class NnContext {
  readonly g: GraphBuilder;
  readonly seed: number;
  readonly training: boolean;
  /** Every parameter and buffer created so far, in creation order. */
  readonly params: ParameterInfo[] = [];
  #path: string[] = [];
  #constants = new Map<string, Value>();

  constructor(options: NnContextOptions = {}) {
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed)) {
      throw new RangeError(`Invalid seed ${this.seed}: expected a safe integer`);
    }
    this.training = options.training ?? true;
    this.g = new GraphBuilder({ opset: options.opset ?? 17, name: options.graphName });
  }

  /** The current dotted scope (`"encoder.layers.encoder_layer_0"`), `""` at the root. */
  get path(): string {
    return this.#path.join(".");
  }

  /**
   * Runs `fn` inside a child scope: parameters get `name.` prepended and
   * node names `name/`.
   *
   * @param name The scope's name (PyTorch's module attribute name, e.g. `"layer1"`, `"0"`).
   * @param fn What to build inside it.
   * @returns What `fn` returns.
   * @throws {RangeError} For an empty name or one with `/`.
   */
  scope<T>(name: string, fn: () => T): T {
    if (name === "" || name.includes("/")) {
      throw new RangeError(`Invalid scope name "${name}": expected a non-empty name without "/"`);
    }
    this.#path.push(name);
    try {
      return this.g.scope(name, fn);
    } finally {
      this.#path.pop();
    }
  }

  /**
   * Creates an initializer named `<scope>.<name>`, drawn from `init` with a
   * stream named after it (so its values depend only on the seed, the name and
   * the dims).
   *
   * @param name Local name, e.g. `"weight"`.
   * @param dims The dims.
   * @param init The scheme.
   * @param options `buffer: true` for non-trainable state.
   * @returns The initializer's handle.
   * @throws {RangeError} When the name is taken.
   */
  param(
    name: string,
    dims: readonly number[],
    init: InitScheme,
    options: { buffer?: boolean } = {},
  ): Value {
    const full = this.#path.length ? `${this.path}.${name}` : name;
    const value = initTensor(dims, init, { seed: this.seed, stream: full });
    const handle = this.g.initializer(full, value);
    this.params.push({
      name: full,
      dims: [...dims],
      kind: options.buffer ? "buffer" : "parameter",
    });
    return handle;
  }

  /**
   * A constant as a `Constant` node (shared when equal), so that the graph's
   * initializers are exactly its parameters and buffers, as in PyTorch's exports.
   *
   * @param value A small tensor.
   * @returns The Constant's output.
   */
  constant(value: Tensor): Value {
    const key = `${value.dtype}|${value.dims.join(",")}|${
      Array.from(value.data as ArrayLike<unknown>).join(",")
    }`;
    const known = this.#constants.get(key);
    if (known) return known;
    const v = this.g.constant(value, { asNode: true });
    this.#constants.set(key, v);
    return v;
  }

  /** A 1-D int64 constant (shapes, axes, split sizes). */
  ints(values: readonly number[]): Value {
    return this.constant(tensor("int64", [values.length], values));
  }

  /** A float32 scalar constant. */
  scalar(value: number): Value {
    return this.constant(tensor("float32", [], [value]));
  }

  /** The model built so far (see `GraphBuilder.build`). */
  build(): Model {
    return this.g.build();
  }
}
