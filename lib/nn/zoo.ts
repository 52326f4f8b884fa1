/**
 * `buildModel`: a zoo spec to an ONNX forward graph with input `input` and
 * output `logits`, weights drawn from a seed.
 *
 * @module
 */

import type { Dim, Model } from "../onnx/mod.ts";
import { NnContext } from "./context.ts";
import { cnnBody, mlpBody } from "./mlp.ts";
import { resnetBody } from "./resnet.ts";
import { resolveModelSpec } from "./resolve_spec.ts";
import type { ModelSpec } from "./spec.ts";
import { vitBody } from "./vit.ts";

/** Options of `buildModel`. */
export interface BuildModelOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** The batch dim of input and output: a symbol (default `"N"`) or a fixed size. */
  batch?: string | number;
  /** Training variant (Dropout nodes, BatchNorm on batch statistics; default true). */
  training?: boolean;
  /** The ai.onnx opset (default 17). */
  opset?: number;
}

/**
 * The dims of a spec's input after the batch dim.
 *
 * @param spec A zoo spec.
 * @returns The resolved `input_shape`: `[features]` for the reference mlp, `[C, H, W]` for the image models.
 * @throws {RangeError} For an invalid spec (see `resolveModelSpec`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(modelInputDims({ name: "cnn" }), [1, 28, 28]);
 * ```
 */
export function modelInputDims(spec: ModelSpec): number[] {
  return [...resolveModelSpec(spec).input_shape];
}

/**
 * Builds a zoo model. Parameters are initializers named as PyTorch's
 * `state_dict` (`fc1.weight`, `layer1.0.bn1.running_mean`,
 * `encoder.layers.encoder_layer_0.self_attention.in_proj_weight`…), each drawn
 * with PyTorch's (or torchvision's) scheme from a stream seeded by `seed` and
 * its name. Every other constant is a `Constant` node. The resolved spec and
 * the seed are kept in `model.metadata` (`lifecycle.model_spec`, `lifecycle.seed`).
 *
 * @param spec The spec (`name`: mlp, cnn, cnn_bn, resnet, vit; see `ModelSpec`).
 * @param options Seed, batch dim, training or eval variant, opset.
 * @returns The model.
 * @throws {TypeError} For a spec key of the wrong kind.
 * @throws {RangeError} For an unknown model or key, or sizes that do not fit together.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = buildModel({ name: "mlp", hidden: [32] }, { seed: 1 });
 * assert.deepEqual(m.graph.inputs[0]!.dims, ["N", 784]);
 * assert.deepEqual(m.graph.outputs[0]!.dims, ["N", 10]);
 * assert.deepEqual([...m.graph.initializers.keys()], ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
 * ```
 */
export function buildModel(spec: ModelSpec, options: BuildModelOptions = {}): Model {
  const resolved = resolveModelSpec(spec);
  const batch: Dim = options.batch ?? "N";
  if (typeof batch === "number" ? !(Number.isInteger(batch) && batch >= 1) : batch === "") {
    throw new RangeError(
      `Invalid batch ${JSON.stringify(batch)}: expected a symbol or an integer >= 1`,
    );
  }
  const ctx = new NnContext({
    seed: options.seed,
    training: options.training,
    opset: options.opset,
    graphName: resolved.name,
  });
  const x = ctx.g.input("input", { dtype: "float32", dims: [batch, ...resolved.input_shape] });
  let logits;
  switch (resolved.name) {
    case "mlp":
      logits = mlpBody(ctx, x, resolved);
      break;
    case "cnn":
      logits = cnnBody(ctx, x, resolved);
      break;
    case "resnet":
      logits = resnetBody(ctx, x, resolved);
      break;
    default:
      logits = vitBody(ctx, x, resolved);
  }
  ctx.g.output(logits, "logits");
  const model = ctx.build();
  model.metadata["lifecycle.model_spec"] = JSON.stringify(resolved);
  model.metadata["lifecycle.seed"] = String(ctx.seed);
  return model;
}
