// Types shared by the shape/type inference rules.

import type { DType } from "./dtype.ts";
import type { Node } from "./node.ts";
import type { Tensor } from "./tensor.ts";
import { type Dim, formatDims } from "./value_info.ts";

/** Max elements of a tensor whose values are tracked for constant propagation. */
export const MAX_TRACKED = 64;

/**
 * What inference knows of a value: element type, dims, and for small integer or
 * float tensors their elements (row-major; symbols allowed, as in shape values).
 */
export interface TypeInfo {
  dtype?: DType;
  dims?: Dim[];
  value?: Dim[];
}

/** Input to a rule. */
export class RuleContext {
  readonly node: Node;
  readonly opset: number;
  readonly inputs: (TypeInfo | undefined)[];

  constructor(node: Node, opset: number, inputs: (TypeInfo | undefined)[]) {
    this.node = node;
    this.opset = opset;
    this.inputs = inputs;
  }

  /** Input `i` (an empty TypeInfo when absent or unknown). */
  in(i: number): TypeInfo {
    return this.inputs[i] ?? {};
  }

  /** Whether input `i` is given. */
  has(i: number): boolean {
    return this.inputs[i] !== undefined && (this.node.inputs[i] ?? "") !== "";
  }

  /** Throws a RangeError naming the node. */
  fail(message: string): never {
    throw new RangeError(`Node ${this.node.label}: ${message}`);
  }

  /** Throws a TypeError naming the node. */
  failType(message: string): never {
    throw new TypeError(`Node ${this.node.label}: ${message}`);
  }

  /** Describes input `i` for messages: `"x" float32 [N, 4]`. */
  describe(i: number): string {
    const t = this.in(i);
    return `"${this.node.inputs[i]}" ${t.dtype ?? "?"} ${formatDims(t.dims)}`;
  }

  /** Integer elements of input `i` when known exactly (all numbers). */
  ints(i: number): number[] | undefined {
    const v = this.has(i) ? this.in(i).value : undefined;
    if (!v || !v.every((x) => typeof x === "number")) return undefined;
    return v as number[];
  }
}

/** A rule: one TypeInfo per node output. */
export type ShapeRule = (ctx: RuleContext) => TypeInfo[];

/** Elements of a small tensor as numbers (bigints converted), for tracking. */
export function trackedValue(t: Tensor): Dim[] | undefined {
  if (t.dtype === "string" || t.data.length > MAX_TRACKED) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}
