/**
 * Model checks: dangling inputs, duplicate outputs, cycles, type and shape
 * conflicts, missing initializers and opset imports, unknown ops.
 *
 * @module
 */

import type { Model } from "./model.ts";
import type { Node } from "./node.ts";
import { hasShapeRule, inferShapes } from "./shape_inference.ts";
import { type Dim, formatDims } from "./value_info.ts";

/** One finding of `validateModel`. */
export interface ValidationProblem {
  /** `"error"` breaks the model; `"warning"` is worth knowing (an op without inference rule). */
  severity: "error" | "warning";
  kind:
    | "dangling-input"
    | "duplicate-output"
    | "cycle"
    | "type-mismatch"
    | "missing-output"
    | "missing-opset"
    | "duplicate-input"
    | "unknown-op";
  /** One line, naming the node or value. */
  message: string;
  node?: Node;
}

/** Thrown by `assertValidModel`, with every error in `problems`. */
export class ModelValidationError extends Error {
  override name = "ModelValidationError";
  readonly problems: ValidationProblem[];

  constructor(graphName: string, problems: ValidationProblem[]) {
    const first = problems.slice(0, 3).map((p) => p.message).join("; ");
    const more = problems.length > 3 ? `; and ${problems.length - 3} more` : "";
    super(`Invalid model "${graphName}": ${problems.length} problem(s): ${first}${more}`);
    this.problems = problems;
  }
}

/**
 * Checks a model without changing it.
 *
 * @param model The model.
 * @returns Every problem found (empty when the model is sound).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Graph, Model } from "./mod.ts";
 * const g = new Graph({ outputs: [{ name: "y" }] });
 * g.addNode({ opType: "Relu", name: "r", inputs: ["nope"], outputs: ["y"] });
 * const [p] = validateModel(new Model(g));
 * assert.match(p!.message, /Node "r" \(Relu\): input "nope" is not a graph input/);
 * ```
 */
export function validateModel(model: Model): ValidationProblem[] {
  const graph = model.graph;
  const problems: ValidationProblem[] = [];
  const add = (
    kind: ValidationProblem["kind"],
    message: string,
    node?: Node,
    severity: "error" | "warning" = "error",
  ) => problems.push({ severity, kind, message, node });
  const available = new Set<string>([...graph.initializers.keys()]);
  const seenInputs = new Set<string>();
  for (const v of graph.inputs) {
    if (seenInputs.has(v.name)) add("duplicate-input", `Graph input "${v.name}" is listed twice`);
    seenInputs.add(v.name);
    available.add(v.name);
  }
  const producedBy = new Map<string, Node>();
  for (const node of graph.nodes) {
    for (const o of node.outputs) {
      if (o === "") continue;
      const other = producedBy.get(o);
      if (other) {
        add(
          "duplicate-output",
          `Node ${node.label}: output "${o}" is also produced by ${other.label}`,
          node,
        );
      } else if (available.has(o)) {
        add(
          "duplicate-output",
          `Node ${node.label}: output "${o}" is also a graph input or initializer`,
          node,
        );
      }
      producedBy.set(o, node);
    }
  }
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      if (i === "" || available.has(i) || producedBy.has(i)) continue;
      add(
        "dangling-input",
        `Node ${node.label}: input "${i}" is not a graph input, an initializer or any node's output (missing initializer?)`,
        node,
      );
    }
    checkDomain(model, node, add);
  }
  for (const o of graph.outputs) {
    if (!producedBy.has(o.name) && !available.has(o.name)) {
      add("missing-output", `Graph output "${o.name}" is never produced`);
    }
  }
  for (const v of graph.inputs) {
    const t = graph.initializers.get(v.name);
    if (t && ((v.dtype && v.dtype !== t.dtype) || (v.dims && !sameDims(v.dims, t.dims)))) {
      add(
        "type-mismatch",
        `Graph input "${v.name}" is declared ${v.dtype} ${
          formatDims(v.dims)
        } but its initializer is ${t.dtype} ${formatDims(t.dims)}`,
      );
    }
  }
  try {
    graph.topologicalOrder();
  } catch (err) {
    add("cycle", (err as Error).message);
    return problems;
  }
  checkTypes(model, add);
  return problems;
}

/**
 * Throws when `validateModel` finds errors (warnings pass).
 *
 * @param model The model.
 * @throws {ModelValidationError} Listing the errors.
 */
export function assertValidModel(model: Model): void {
  const errors = validateModel(model).filter((p) => p.severity === "error");
  if (errors.length > 0) throw new ModelValidationError(model.graph.name, errors);
}

type Add = (
  kind: ValidationProblem["kind"],
  message: string,
  node?: Node,
  severity?: "error" | "warning",
) => void;

function checkDomain(model: Model, node: Node, add: Add): void {
  const domain = node.domain === "ai.onnx" ? "" : node.domain;
  if (model.opset(domain) === undefined) {
    add(
      "missing-opset",
      `Node ${node.label}: domain "${domain || "ai.onnx"}" is not in the model's opset imports`,
      node,
    );
  }
  if (!hasShapeRule(node)) {
    add(
      "unknown-op",
      `Node ${node.label}: op is unknown to shape inference (kept as is, outputs untyped)`,
      node,
      "warning",
    );
  }
}

function checkTypes(model: Model, add: Add): void {
  const copy = model.clone();
  const declared = new Map(model.graph.outputs.map((o) => [o.name, o]));
  const report = inferShapes(copy);
  for (const message of report.problems) add("type-mismatch", message);
  for (const [name, want] of declared) {
    const got = report.types.get(name);
    if (!got) continue;
    if (want.dtype && got.dtype && want.dtype !== got.dtype) {
      add(
        "type-mismatch",
        `Graph output "${name}" is declared ${want.dtype} but computed as ${got.dtype}`,
      );
    } else if (want.dims && got.dims && !compatibleDims(want.dims, got.dims)) {
      add(
        "type-mismatch",
        `Graph output "${name}" is declared ${formatDims(want.dims)} but computed as ${
          formatDims(got.dims)
        }`,
      );
    }
  }
}

function sameDims(a: readonly Dim[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => typeof d !== "number" || d === b[i]);
}

function compatibleDims(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length &&
    a.every((d, i) => typeof d !== "number" || typeof b[i] !== "number" || d === b[i]);
}
