/**
 * Static shape and type inference with symbolic dims and propagation of small
 * constant values (so PyTorch's Shape → Gather → Concat → Reshape chains give
 * static dims). Ops without a rule get unknown types instead of failing.
 *
 * @module
 */

import { Graph } from "./graph.ts";
import { Model } from "./model.ts";
import type { Node } from "./node.ts";
import type { Dim, ValueInfo } from "./value_info.ts";
import { RuleContext, type ShapeRule, trackedValue, type TypeInfo } from "./_infer.ts";
import { ELEMENTWISE_RULES } from "./_rules_elementwise.ts";
import { CONV_RULES } from "./_rules_conv.ts";
import { NN_RULES } from "./_rules_nn.ts";
import { SHAPE_RULES } from "./_rules_shape.ts";
import { VALUE_RULES } from "./_rules_values.ts";

export type { TypeInfo } from "./_infer.ts";

const RULES: Record<string, ShapeRule> = {
  ...ELEMENTWISE_RULES,
  ...SHAPE_RULES,
  ...VALUE_RULES,
  ...NN_RULES,
  ...CONV_RULES,
};

/** The op types (of the `ai.onnx` domain) that have an inference rule. */
export const INFERABLE_OPS: readonly string[] = Object.freeze(Object.keys(RULES).sort());

/**
 * Whether a node's op has an inference rule.
 *
 * @param node A node.
 * @returns True for standard ops this module knows.
 */
export function hasShapeRule(node: Pick<Node, "opType" | "domain">): boolean {
  return (node.domain === "" || node.domain === "ai.onnx") && Object.hasOwn(RULES, node.opType);
}

/**
 * Infers the output types of one node from its input types.
 *
 * @param node The node.
 * @param inputs One TypeInfo per input (undefined for absent optional inputs).
 * @param opset The `ai.onnx` opset version in effect.
 * @returns One TypeInfo per output (empty ones for unknown ops).
 * @throws {RangeError} For shapes that cannot go together, naming the node and both shapes.
 * @throws {TypeError} For element types that cannot go together.
 */
export function inferNode(node: Node, inputs: (TypeInfo | undefined)[], opset: number): TypeInfo[] {
  if (!hasShapeRule(node)) return node.outputs.map(() => ({}));
  const outs = RULES[node.opType]!(new RuleContext(node, opset, inputs));
  return node.outputs.map((_, i) => outs[i] ?? {});
}

/** Options of `inferShapes`. */
export interface InferOptions {
  /** Dims to assume for graph inputs (e.g. `{ input: [64, 784] }`). */
  inputDims?: Record<string, Dim[]>;
  /** Throw the first problem instead of collecting it. */
  strict?: boolean;
  /** The `ai.onnx` opset (taken from the model, default 17 for a bare graph). */
  opset?: number;
}

/** What `inferShapes` found. */
export interface InferReport {
  /** Every value's inferred type, by name (also written to `graph.valueInfo`). */
  types: Map<string, TypeInfo>;
  /** Nodes whose op has no rule (their outputs have unknown types). */
  unknownOps: Node[];
  /** Shape or type conflicts, each naming the node. */
  problems: string[];
}

/**
 * Infers the type and dims of every value and records them in
 * `graph.valueInfo` (and in untyped graph outputs).
 *
 * @param target A model or graph.
 * @param options Input dims to assume, strictness, opset.
 * @returns The types, unknown ops and problems found.
 * @throws {RangeError} On a cycle, or (with `strict`) the first problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * g.output(g.op("MatMul", [x, g.initializer("w", tensor("float32", [4, 3]))]), "y");
 * const model = g.build();
 * model.graph.valueInfo.clear();
 * inferShapes(model);
 * assert.deepEqual(model.graph.typeOf("y")?.dims, ["N", 3]);
 * ```
 */
export function inferShapes(target: Model | Graph, options: InferOptions = {}): InferReport {
  const graph = target instanceof Model ? target.graph : target;
  const opset = options.opset ?? (target instanceof Model ? target.opset("") : undefined) ?? 17;
  const types = new Map<string, TypeInfo>();
  for (const [name, t] of graph.initializers) {
    types.set(name, { dtype: t.dtype, dims: [...t.dims], value: trackedValue(t) });
  }
  for (const v of graph.inputs) {
    if (graph.initializers.has(v.name)) continue;
    types.set(v.name, { dtype: v.dtype, dims: options.inputDims?.[v.name] ?? v.dims });
  }
  const report: InferReport = { types, unknownOps: [], problems: [] };
  const lookup = (name: string): TypeInfo | undefined => {
    if (name === "") return undefined;
    const known = types.get(name);
    if (known) return known;
    const declared = graph.valueInfo.get(name);
    return declared ? { dtype: declared.dtype, dims: declared.dims } : {};
  };
  for (const node of graph.topologicalOrder()) {
    if (!hasShapeRule(node)) report.unknownOps.push(node);
    let outs: TypeInfo[];
    try {
      outs = inferNode(node, node.inputs.map(lookup), opset);
    } catch (err) {
      if (options.strict) throw err;
      report.problems.push((err as Error).message);
      outs = node.outputs.map(() => ({}));
    }
    node.outputs.forEach((name, i) => {
      if (name === "") return;
      const declared = graph.valueInfo.get(name) ?? graph.outputs.find((o) => o.name === name);
      types.set(name, merge(outs[i]!, declared));
    });
  }
  record(graph, types);
  return report;
}

/** Combines an inferred type with a declared one: known facts win over unknowns. */
function merge(inferred: TypeInfo, declared: ValueInfo | undefined): TypeInfo {
  if (!declared) return inferred;
  const dtype = inferred.dtype ?? declared.dtype;
  let dims = inferred.dims ?? declared.dims;
  if (inferred.dims && declared.dims && inferred.dims.length === declared.dims.length) {
    dims = inferred.dims.map((d, i) => {
      const e = declared.dims![i]!;
      return typeof d === "number" ? d : typeof e === "number" ? e : d ?? e;
    });
  }
  return { dtype, dims, value: inferred.value };
}

function record(graph: Graph, types: Map<string, TypeInfo>): void {
  const inputs = new Set(graph.inputs.map((v) => v.name));
  for (const [name, t] of types) {
    if (inputs.has(name) || graph.initializers.has(name)) continue;
    if (t.dtype === undefined && t.dims === undefined) continue;
    const out = graph.outputs.find((o) => o.name === name);
    if (out) {
      if (out.dtype === undefined) out.dtype = t.dtype;
      if (out.dims === undefined) out.dims = t.dims ? [...t.dims] : undefined;
      continue;
    }
    const prev = graph.valueInfo.get(name);
    graph.valueInfo.set(name, {
      ...prev,
      name,
      dtype: t.dtype,
      dims: t.dims ? [...t.dims] : undefined,
    });
  }
}
