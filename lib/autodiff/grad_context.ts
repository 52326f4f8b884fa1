/**
 * What a gradient rule sees: the forward node, typed handles on its inputs and
 * outputs, the gradients of its outputs, which input gradients are wanted, and
 * helpers that emit the usual pieces (scalars in the node's dtype, shapes,
 * broadcast reductions, reductions that follow the opset).
 *
 * @module
 */

import {
  type DType,
  dtypeToOnnx,
  type GraphBuilder,
  isFloatDType,
  type Node,
  type OpInput,
  type Tensor,
  tensor,
  Value,
} from "../onnx/mod.ts";
import { reduceToShape } from "./_broadcast.ts";

/**
 * A gradient rule: one gradient per forward input (`undefined` where there is
 * none, or where `c.needs(i)` is false).
 */
export type GradRule = (c: GradContext) => (Value | undefined)[];

/** Shared state of one backward walk. */
export interface WalkState {
  /** `Shape` nodes made so far, by value. */
  shapes: Map<string, Value>;
  /** Gradients that already carry the mask of the Relu producing their value. */
  reluMasked: Set<string>;
  /** Lowered training BatchNormalization nodes → their centered input `x - mean`. */
  batchStats: Map<Node, string>;
}

/** The context handed to a gradient rule. */
export class GradContext {
  /** The builder that emits into the gradient graph. */
  readonly g: GraphBuilder;
  /** The forward node. */
  readonly node: Node;
  readonly #dys: (Value | undefined)[];
  readonly #needs: boolean[];
  readonly #state: WalkState;

  constructor(
    g: GraphBuilder,
    node: Node,
    dys: (Value | undefined)[],
    needs: boolean[],
    state: WalkState,
  ) {
    this.g = g;
    this.node = node;
    this.#dys = dys;
    this.#needs = needs;
    this.#state = state;
  }

  /** The ai.onnx opset of the graph. */
  get opset(): number {
    return this.g.opset;
  }

  /** Whether the gradient of input `i` is wanted. */
  needs(i: number): boolean {
    return this.#needs[i] ?? false;
  }

  /** Whether input `i` is given (optional inputs may be absent). */
  has(i: number): boolean {
    return (this.node.inputs[i] ?? "") !== "";
  }

  /** Handle on forward input `i`. */
  x(i = 0): Value {
    const name = this.node.inputs[i] ?? "";
    if (name === "") this.fail(`input ${i} is absent`);
    return this.g.value(name);
  }

  /** Handle on forward output `i`. */
  y(i = 0): Value {
    const name = this.node.outputs[i] ?? "";
    if (name === "") this.fail(`output ${i} is absent`);
    return this.g.value(name);
  }

  /** The gradient of output `i`, or undefined when nothing downstream needs it. */
  dy(i = 0): Value | undefined {
    return this.#dys[i];
  }

  /** The gradient of output 0, which every rule of a one-output op gets. */
  get dy0(): Value {
    const d = this.#dys[0];
    if (!d) this.fail("no gradient for output 0");
    return d;
  }

  /** The float dtype of the node (of input 0, else of output 0). */
  get dtype(): DType {
    const t = this.g.typeOf(this.node.inputs[0] ?? "").dtype ??
      this.g.typeOf(this.node.outputs[0] ?? "").dtype;
    return t && isFloatDType(t) ? t : this.#dys.find((d) => d?.dtype)?.dtype ?? "float32";
  }

  /** A scalar constant in the node's dtype. */
  scalar(value: number): Value {
    return this.g.scalar(value, this.dtype);
  }

  /** `v` cast to the node's dtype (as is when it has it already). */
  cast(v: Value): Value {
    return v.dtype === this.dtype ? v : this.g.op("Cast", [v], { to: dtypeToOnnx(this.dtype) });
  }

  /** A 1-D int64 constant. */
  ints(values: readonly number[]): Value {
    return this.g.ints(values);
  }

  /** Emits a node (shorthand for `g.op`). */
  op(opType: string, inputs: OpInput[], attrs?: Record<string, AttrLike>): Value {
    return this.g.op(opType, inputs, attrs);
  }

  /**
   * A float attribute of the node as the forward op uses it: rounded to 32
   * bits, as ONNX stores float attributes.
   */
  attrFloat(name: string, fallback: number): number {
    return Math.fround(this.node.getFloat(name, fallback));
  }

  /** Known integer elements of input `i` (a constant or a tracked shape value). */
  constInts(i: number): number[] | undefined {
    if (!this.has(i)) return undefined;
    const v = this.g.typeOf(this.node.inputs[i]!).value;
    if (!v || !v.every((d) => typeof d === "number")) return undefined;
    return v as number[];
  }

  /** Dims of `v` when all are known numbers, else undefined. */
  staticDims(v: Value): number[] | undefined {
    const d = v.dims;
    return d && d.every((x) => typeof x === "number") ? (d as number[]) : undefined;
  }

  /** Rank of `v`, or a clear error when unknown. */
  rank(v: Value): number {
    if (v.dims === undefined) this.fail(`the rank of "${v.name}" is unknown`);
    return v.dims.length;
  }

  /** `Shape(v)` (a constant when the dims are static; one node per value otherwise). */
  shapeOf(v: Value): Value {
    const dims = this.staticDims(v);
    if (dims) return this.g.ints(dims);
    let s = this.#state.shapes.get(v.name);
    if (!s) {
      s = this.g.op("Shape", [v]);
      this.#state.shapes.set(v.name, s);
    }
    return s;
  }

  /**
   * Records that `grad`, the gradient of a Relu's output, is already zero
   * where that output is zero, so the Relu's rule may pass it through.
   */
  markReluMasked(grad: Value): void {
    this.#state.reluMasked.add(grad.name);
  }

  /** Whether `grad` was recorded by `markReluMasked`. */
  isReluMasked(grad: Value): boolean {
    return this.#state.reluMasked.has(grad.name);
  }

  /**
   * For a BatchNormalization lowered from training mode (its mean and var
   * inputs are x's batch statistics), the centered input `x - mean`.
   */
  batchStatistics(): Value | undefined {
    const centered = this.#state.batchStats.get(this.node);
    return centered === undefined ? undefined : this.g.value(centered);
  }

  /** Sums `grad` over the axes along which `x` was broadcast, giving `x`'s shape. */
  reduceTo(grad: Value, x: Value): Value {
    return reduceToShape(this.g, grad, x, (v) => this.shapeOf(v));
  }

  /** `grad` reshaped to the shape of `x`. */
  reshapeTo(grad: Value, x: Value): Value {
    return this.g.op("Reshape", [grad, this.shapeOf(x)]);
  }

  /** Zeros with the shape of `x` (in the node's dtype). */
  zerosLike(x: Value): Value {
    return this.g.op("ConstantOfShape", [this.shapeOf(x)], {
      value: tensor(this.dtype, [1], [0]) as Tensor,
    });
  }

  /**
   * A reduction with axes given as the opset wants them (an input for
   * ReduceSum from 13 and for the other reductions from 18).
   */
  reduce(op: string, x: OpInput, axes: readonly number[], keepdims: boolean): Value {
    const inputFrom = op === "ReduceSum" ? 13 : 18;
    if (this.opset >= inputFrom) {
      return this.g.op(op, [x, this.g.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    }
    return this.g.op(op, [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
  }

  /** `Unsqueeze` with axes as the opset wants them. */
  unsqueeze(x: OpInput, axes: readonly number[]): Value {
    if (this.opset >= 13) return this.g.op("Unsqueeze", [x, this.g.ints(axes)]);
    return this.g.op("Unsqueeze", [x], { axes: [...axes] });
  }

  /**
   * Makes the forward node produce its optional output `i` (MaxPool indices,
   * Dropout mask, …) and returns a handle on it.
   *
   * @param i The output index.
   * @param type Its dtype and dims.
   */
  requestOutput(i: number, type: { dtype: DType; dims?: Value["dims"] }): Value {
    const existing = this.node.outputs[i] ?? "";
    if (existing !== "") return this.g.value(existing);
    const name = this.g.graph.uniqueName(`${this.node.name || this.node.opType}_out${i}`);
    const outs = [...this.node.outputs];
    while (outs.length <= i) outs.push("");
    outs[i] = name;
    this.node.setOutputs(outs);
    this.g.graph.valueInfo.set(name, {
      name,
      dtype: type.dtype,
      dims: type.dims && [...type.dims],
    });
    return new Value(name, type.dtype, type.dims && [...type.dims]);
  }

  /** Throws an error naming the node. */
  fail(message: string): never {
    throw new RangeError(`Cannot differentiate ${this.node.label}: ${message}`);
  }
}

/** Attribute values a rule passes to `op`. */
export type AttrLike = Parameters<GraphBuilder["op"]>[2] extends infer A
  ? A extends Record<string, infer V> ? V : never
  : never;

/**
 * Normalizes an axis against a rank.
 *
 * @param axis A possibly negative axis.
 * @param rank The rank.
 * @returns The axis in `[0, rank)`.
 */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * `0, 1, …, n - 1`.
 *
 * @param n Count.
 * @param from First value.
 * @returns The list.
 */
export function range(n: number, from = 0): number[] {
  return Array.from({ length: Math.max(n, 0) }, (_, i) => i + from);
}
