/**
 * `buildGradients`: appends the backward pass of a forward graph, in standard
 * ops, and lays the result out as ONNX Runtime's on-device-training models do
 * (trainable parameters as graph inputs, one `<param>_grad` output each).
 *
 * @module
 */

import {
  type Graph,
  GraphBuilder,
  isFloatDType,
  type Model,
  type Node,
  tensor,
  type Value,
} from "../onnx/mod.ts";
import { GradContext, type GradRule, type WalkState } from "./grad_context.ts";
import { GRADIENTS } from "./grad_rules.ts";
import { lowerBatchNormTraining } from "./_lower_batchnorm.ts";
import { backwardPath, needsInput } from "./_path.ts";

/** Options of `buildGradients`. */
export interface GradientOptions {
  /** The value to differentiate (a scalar loss; other shapes are seeded with ones). */
  loss: string;
  /** Parameters (initializers or graph inputs) to differentiate against; others stay frozen. */
  wrt: readonly string[];
  /** Forward values to keep as outputs besides the loss (default: the current graph outputs). */
  retainOutputs?: readonly string[];
  /** Extra or replacement gradient rules, by op type. */
  rules?: Readonly<Record<string, GradRule>>;
}

/** What `buildGradients` returns. */
export interface GradientResult {
  /** The training model: a new model; the input model is left as it was. */
  model: Model;
  /** Parameter → the output holding its gradient (`<param>_grad`). */
  gradients: Map<string, string>;
  /**
   * Running statistic (of a BatchNormalization in training mode) → the output
   * holding its updated value (`<name>_updated`); the statistic became a graph input.
   */
  updates: Map<string, string>;
  /** The loss output. */
  loss: string;
}

/**
 * Builds the gradient graph of `options.loss` with respect to `options.wrt`.
 *
 * The forward graph is copied; BatchNormalization nodes in training mode are
 * lowered (batch statistics, PyTorch's running-statistic updates as outputs);
 * only the nodes between the parameters and the loss are differentiated, each
 * by its rule in `GRADIENTS`; gradients of values used several times are
 * summed. Parameters that were initializers become graph inputs (after the
 * existing inputs, in `wrt` order), then the running statistics. Outputs:
 * the loss, the retained outputs, the gradients, the updated statistics. A
 * parameter the loss does not depend on gets a zero gradient.
 *
 * @param model The forward model (with its loss, see `appendLoss`).
 * @param options Loss, parameters, outputs to keep, extra rules.
 * @returns The training model and the names of its gradient and update outputs.
 * @throws {RangeError} For an unknown loss or parameter name, or a node a rule cannot handle.
 * @throws {TypeError} For a parameter that is not a float tensor, or an op without a gradient rule.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { buildGradients } from "./gradients.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * const w = g.initializer("w", tensor("float32", [2], [3, 4]));
 * g.output(g.op("ReduceSum", [g.op("Mul", [x, w])], { keepdims: 0 }), "loss");
 * const { model, gradients } = buildGradients(g.build(), { loss: "loss", wrt: ["w"] });
 * assert.equal(gradients.get("w"), "w_grad");
 * assert.deepEqual(model.graph.inputs.map((i) => i.name), ["x", "w"]);
 * ```
 */
export function buildGradients(model: Model, options: GradientOptions): GradientResult {
  const out = model.clone();
  const graph = out.graph;
  const retain = options.retainOutputs ?? graph.outputs.map((o) => o.name);
  checkNames(graph, options);
  const g = GraphBuilder.on(out);
  const { updates, batchStats } = lowerBatchNormTraining(g);
  const rules = { ...GRADIENTS, ...options.rules };
  const path = backwardPath(graph, (v) => g.typeOf(v), options.loss, options.wrt);
  checkRules(path.nodes, rules);
  const grads = new Map<string, Value[]>([[options.loss, [seed(g, options.loss)]]]);
  const state: WalkState = { shapes: new Map(), reluMasked: new Set(), batchStats };
  for (const node of path.nodes) {
    const dys = node.outputs.map((o) => (o === "" ? undefined : total(g, grads, o)));
    if (dys.every((d) => d === undefined)) continue;
    const needs = node.inputs.map((_, i) => needsInput(node, i, path.needed));
    const c = new GradContext(g, node, dys, needs, state);
    const dxs = g.scope(`${node.name || node.opType}_grad`, () => rules[node.opType]!(c));
    node.inputs.forEach((v, i) => {
      const dx = dxs[i];
      if (needs[i] && dx) push(grads, v, dx);
    });
  }
  const gradients = new Map<string, string>();
  const finalGrads = options.wrt.map((p) => total(g, grads, p) ?? zeros(g, p));
  layOut(g, options, retain, finalGrads, updates, gradients);
  prune(graph);
  graph.sortNodes();
  return { model: g.build(), gradients, updates, loss: options.loss };
}

function checkNames(graph: Graph, options: GradientOptions): void {
  const known = (v: string) =>
    graph.isInput(v) || graph.isInitializer(v) || graph.producer(v) !== undefined;
  if (!known(options.loss)) {
    throw new RangeError(`Unknown loss "${options.loss}": no value of the graph has that name`);
  }
  for (const p of options.wrt) {
    if (!graph.isInput(p) && !graph.isInitializer(p)) {
      const some = [...graph.initializers.keys()].slice(0, 8).map((n) => `"${n}"`).join(", ");
      throw new RangeError(
        `Unknown parameter "${p}": not an initializer or graph input; initializers include ${some}`,
      );
    }
    const dtype = graph.typeOf(p)?.dtype;
    if (dtype !== undefined && !isFloatDType(dtype)) {
      throw new TypeError(
        `Cannot differentiate with respect to "${p}": it is ${dtype}, not a float tensor`,
      );
    }
  }
  if (new Set(options.wrt).size !== options.wrt.length) {
    throw new RangeError(`Parameters listed twice in wrt: ${options.wrt.join(", ")}`);
  }
}

function checkRules(nodes: Node[], rules: Readonly<Record<string, GradRule>>): void {
  for (const node of nodes) {
    const standard = node.domain === "" || node.domain === "ai.onnx";
    if (standard && Object.hasOwn(rules, node.opType)) continue;
    throw new TypeError(
      `Cannot differentiate ${node.label}: no gradient rule for "${
        standard ? node.opType : `${node.domain}.${node.opType}`
      }"; supported: ${Object.keys(rules).sort().join(", ")}`,
    );
  }
}

/** The gradient of the loss with respect to itself: ones of its shape. */
function seed(g: GraphBuilder, loss: string): Value {
  const v = g.value(loss);
  const dtype = v.dtype ?? "float32";
  if (v.dims !== undefined && v.dims.length === 0) return g.scalar(1, dtype);
  return g.op("ConstantOfShape", [g.op("Shape", [v])], { value: tensor(dtype, [1], [1]) });
}

function push(grads: Map<string, Value[]>, name: string, dx: Value): void {
  const list = grads.get(name);
  if (list) list.push(dx);
  else grads.set(name, [dx]);
}

/** The summed gradient of a value (one Sum node for several contributions). */
function total(g: GraphBuilder, grads: Map<string, Value[]>, name: string): Value | undefined {
  const list = grads.get(name);
  if (!list || list.length === 0) return undefined;
  if (list.length > 1) {
    const sum = g.op("Sum", list);
    grads.set(name, [sum]);
    return sum;
  }
  return list[0];
}

function zeros(g: GraphBuilder, param: string): Value {
  const v = g.value(param);
  const dtype = v.dtype ?? "float32";
  return g.op("ConstantOfShape", [g.op("Shape", [v])], { value: tensor(dtype, [1], [0]) });
}

function layOut(
  g: GraphBuilder,
  options: GradientOptions,
  retain: readonly string[],
  finalGrads: Value[],
  updates: Map<string, string>,
  gradients: Map<string, string>,
): void {
  const graph = g.graph;
  for (const name of [...options.wrt, ...updates.keys()]) {
    const t = graph.initializers.get(name);
    if (!t) continue;
    graph.initializers.delete(name);
    // older exports also list initializers as inputs: keep that entry
    if (!graph.isInput(name)) graph.inputs.push({ name, dtype: t.dtype, dims: [...t.dims] });
  }
  const kept = [options.loss, ...retain.filter((r) => r !== options.loss)];
  const infos = kept.map((name) => {
    const t = g.typeOf(name);
    return { name, dtype: t.dtype, dims: t.dims && [...t.dims] };
  });
  graph.outputs = [];
  for (const info of infos) graph.addOutput(info);
  const renamed = new Map<string, string>();
  options.wrt.forEach((p, i) => {
    gradients.set(p, exposeAs(g, finalGrads[i]!.name, `${p}_grad`, renamed));
  });
  for (const [stat, value] of updates) {
    updates.set(stat, exposeAs(g, value, `${stat}_updated`, renamed));
  }
}

/**
 * Makes a value a graph output named `name`: renames its producer's output,
 * or goes through Identity when the value is an input, an output already, or
 * an initializer. `renamed` follows earlier renames.
 */
function exposeAs(
  g: GraphBuilder,
  value: string,
  name: string,
  renamed: Map<string, string>,
): string {
  const graph = g.graph;
  const v = renamed.get(value) ?? value;
  const plain = graph.producer(v) !== undefined && !graph.isOutput(v) && !graph.isInput(v) &&
    !graph.isInitializer(v);
  if (plain) renamed.set(v, name);
  const src = plain ? g.value(v) : g.op("Identity", [v]);
  return g.output(src, name).name;
}

/** Drops nodes and initializers no output depends on. */
function prune(graph: Graph): void {
  const live = new Set(graph.outputs.map((o) => o.name));
  const keep = new Set<Node>();
  const order = graph.topologicalOrder();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (!node.outputs.some((o) => live.has(o))) continue;
    keep.add(node);
    for (const i of node.inputs) if (i !== "") live.add(i);
  }
  graph.removeNodes(order.filter((n) => !keep.has(n)));
  for (const name of [...graph.initializers.keys()]) {
    if (!live.has(name) && !graph.isInput(name)) graph.initializers.delete(name);
  }
}
