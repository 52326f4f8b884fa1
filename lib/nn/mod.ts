/**
 * Neural-network layers that emit ONNX, with PyTorch's initialisation and
 * `state_dict` names, and the model zoo (mlp, cnn, cnn_bn, resnet, vit).
 *
 * ## Guide
 *
 * **Zoo**: `buildModel(spec, { seed, batch, training })` gives a lib/onnx
 * `Model` with input `input` (`[batch, …modelInputDims(spec)]`) and output
 * `logits`. `spec` is a plain object as in `conf/model/*.yaml` (`name` picks
 * the architecture; `input_shape`, `hidden`, `channels`, `stage_channels`,
 * `hidden_dim`…; torchvision's `in_channels`/`image_size` also work); defaults
 * give the reference MNIST models (and resnet18 at 224×224). `training: false` is
 * the eval variant (no Dropout, BatchNorm on running statistics).
 *
 * **Parameters**: initializers are exactly the parameters and buffers, named
 * as PyTorch's `state_dict`; every other constant is a `Constant` node.
 * `parameterInfo(model)` marks BatchNorm running statistics as buffers,
 * `countParameters` counts as PyTorch does, `loadParameters` swaps weights in by
 * name. Weights depend only on the seed, the parameter's name and dims.
 *
 * **Layers**: make an `NnContext({ seed, training })`, add an input on its
 * builder `ctx.g`, then chain layer functions `layer(ctx, x, options)`;
 * `options.name` scopes the parameters (`ctx.scope` nests scopes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel, countParameters, linear, NnContext, relu } from "./mod.ts";
 * assert.equal(countParameters(buildModel({ name: "vit" })).parameters, 139018);
 *
 * const ctx = new NnContext({ seed: 7 });
 * const x = ctx.g.input("input", { dtype: "float32", dims: ["N", 784] });
 * const h = relu(ctx, linear(ctx, x, { name: "fc1", outFeatures: 16 }));
 * ctx.g.output(linear(ctx, h, { name: "fc2", outFeatures: 10 }), "logits");
 * assert.deepEqual(ctx.params.map((p) => p.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
 * ```
 *
 * @module
 */

export { NnContext, type NnContextOptions, type ParameterInfo } from "./context.ts";
export { fans, gain, type InitScheme, initTensor, type Nonlinearity } from "./init.ts";
export { DEFAULT_WEIGHT_INIT, defaultBiasInit, linear, type LinearOptions } from "./linear.ts";
export { conv2d, type Conv2dOptions } from "./conv.ts";
export { batchNorm2d, type BatchNorm2dOptions, layerNorm, type LayerNormOptions } from "./norm.ts";
export {
  type Activation,
  activation,
  ACTIVATIONS,
  gelu,
  relu,
  sigmoid,
  tanh,
} from "./activation.ts";
export { avgPool2d, flatten, globalAvgPool, maxPool2d, type Pool2dOptions } from "./pool.ts";
export { dropout } from "./dropout.ts";
export { type AttentionOptions, multiheadSelfAttention, type TokenLayout } from "./attention.ts";
export { classToken, patchTokens, positionEmbedding } from "./embedding.ts";
export { basicBlock, type BasicBlockOptions, RESNET_CONV_INIT } from "./residual.ts";
export {
  encoderBlock,
  type EncoderBlockOptions,
  mlpBlock,
  type MlpBlockOptions,
} from "./encoder.ts";
export {
  type CnnSpec,
  type MlpSpec,
  MODEL_NAMES,
  type ModelSpec,
  type ResNetSpec,
  type ResolvedCnn,
  type ResolvedMlp,
  type ResolvedModelSpec,
  type ResolvedResNet,
  type ResolvedVit,
  type VitSpec,
} from "./spec.ts";
export { resolveModelSpec } from "./resolve_spec.ts";
export { buildModel, type BuildModelOptions, modelInputDims } from "./zoo.ts";
export { countParameters, loadParameters, parameterInfo } from "./params.ts";
