/**
 * Parameters of a model: which initializers are trainable and which are
 * buffers, counts as PyTorch reports them, and loading weights by name.
 *
 * @module
 */

import { isFloatDType, type Model, numel, type Tensor } from "../onnx/mod.ts";
import type { ParameterInfo } from "./context.ts";

/**
 * The model's floating-point initializers, each marked `"parameter"`
 * (trainable) or `"buffer"` (a BatchNormalization's running mean or variance,
 * as PyTorch keeps them out of `parameters()`). Works on any model, the
 * zoo's or a PyTorch export.
 *
 * @param model The model.
 * @returns One entry per float initializer, in initializer order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "./zoo.ts";
 * const info = parameterInfo(buildModel({ name: "cnn_bn" }));
 * assert.deepEqual(info.filter((p) => p.kind === "buffer").map((p) => p.name),
 *   ["bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"]);
 * ```
 */
export function parameterInfo(model: Model): ParameterInfo[] {
  const buffers = new Set<string>();
  for (const node of model.graph.nodes) {
    if (node.opType !== "BatchNormalization" || (node.domain !== "" && node.domain !== "ai.onnx")) {
      continue;
    }
    for (const i of [3, 4]) if (node.inputs[i]) buffers.add(node.inputs[i]!);
  }
  const out: ParameterInfo[] = [];
  for (const [name, t] of model.graph.initializers) {
    if (!isFloatDType(t.dtype)) continue;
    out.push({ name, dims: [...t.dims], kind: buffers.has(name) ? "buffer" : "parameter" });
  }
  return out;
}

/**
 * Counts elements of trainable parameters and of buffers.
 *
 * @param model The model.
 * @returns `{ parameters, buffers }`; `parameters` equals PyTorch's
 *   `sum(p.numel() for p in model.parameters())`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "./zoo.ts";
 * assert.deepEqual(countParameters(buildModel({ name: "cnn_bn" })), { parameters: 421834, buffers: 192 });
 * ```
 */
export function countParameters(model: Model): { parameters: number; buffers: number } {
  let parameters = 0;
  let buffers = 0;
  for (const p of parameterInfo(model)) {
    if (p.kind === "parameter") parameters += numel(p.dims);
    else buffers += numel(p.dims);
  }
  return { parameters, buffers };
}

/**
 * Replaces initializers by name with the given tensors (shared, not copied).
 *
 * @param model The model to change (mutated).
 * @param weights Name → tensor; a `Map` or a record.
 * @param options `strict` (default true): every float initializer must be given.
 * @returns The names that were set.
 * @throws {RangeError} Naming the first tensor that is not an initializer of the
 *   model, has other dims or dtype, or (strict) the first initializer left out.
 */
export function loadParameters(
  model: Model,
  weights: Map<string, Tensor> | Record<string, Tensor>,
  options: { strict?: boolean } = {},
): string[] {
  const entries = weights instanceof Map ? [...weights] : Object.entries(weights);
  const inits = model.graph.initializers;
  for (const [name, t] of entries) {
    const own = inits.get(name);
    if (!own) {
      throw new RangeError(
        `Cannot load "${name}": model "${model.graph.name}" has no initializer of that name`,
      );
    }
    if (own.dtype !== t.dtype || own.dims.join(",") !== t.dims.join(",")) {
      throw new RangeError(
        `Cannot load "${name}": expected ${own.dtype} [${own.dims.join(", ")}], got ${t.dtype} [${
          t.dims.join(", ")
        }]`,
      );
    }
  }
  if (options.strict ?? true) {
    const given = new Set(entries.map(([n]) => n));
    const missing = parameterInfo(model).find((p) => !given.has(p.name));
    if (missing) {
      throw new RangeError(
        `Cannot load weights into model "${model.graph.name}": "${missing.name}" is missing`,
      );
    }
  }
  for (const [name, t] of entries) inits.set(name, t);
  return entries.map(([n]) => n);
}
