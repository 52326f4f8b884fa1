/**
 * Reverse-mode differentiation of ONNX graphs into standard `ai.onnx` ops, and
 * losses as graph pieces, so that any ONNX Runtime build can run training.
 *
 * ## Guide
 *
 * **Loss**: `appendLoss(model, { kind, logits?, labels?, reduction?,
 * labelSmoothing?, ignoreIndex?, order? })` returns a copy of the forward
 * model with a labels input (int64 `[N, d…]` for the class losses, float
 * shaped as the logits for `mse` and `bce_with_logits`) and a `loss` output.
 * Kinds: `cross_entropy` (PyTorch's, with label smoothing and ignore_index),
 * `nll`, `mse`, `bce_with_logits`, `taylor_cross_entropy` (softmax replaced
 * by the order-n Taylor polynomial of exp; see `appendLoss`).
 *
 * **Gradients**: `buildGradients(model, { loss, wrt, retainOutputs?, rules? })`
 * returns `{ model, gradients, updates, loss }`: a new model laid out as ONNX
 * Runtime's on-device training model — inputs are the data inputs, the labels,
 * then the parameters of `wrt` (initializers become inputs) and the running
 * statistics of BatchNormalization; outputs are the loss, the retained outputs
 * (default: the forward model's outputs, e.g. logits), one `<param>_grad` per
 * parameter (`gradients` maps them), and `<stat>_updated` per running statistic
 * (`updates` maps them). Parameters left out of `wrt` stay initializers:
 * frozen, and no gradient work is emitted for them.
 *
 * How it differentiates: BatchNormalization nodes in training mode are first
 * lowered (batch statistics from ReduceMean into an inference-mode node,
 * PyTorch's running-statistic update with the unbiased variance and momentum
 * `1 - onnx momentum`; onnxruntime-node's own CPU training mode does not
 * normalize with the batch statistics); then the nodes between `wrt` and
 * `loss` are visited in reverse topological order, each by its rule in
 * `GRADIENTS` (`DIFFERENTIABLE_OPS` lists them); gradients of values with
 * several consumers are summed (`Sum`); broadcast inputs get their gradient
 * summed back to their shape (one helper, static axes from shape inference,
 * computed in the graph when a dim is symbolic); integer and bool values,
 * shapes, indices, and the ops of `NON_DIFFERENTIABLE_OPS` carry no gradient.
 * An op on the path without a rule throws a TypeError naming the node and
 * listing the supported ops. Some rules make the forward node emit an optional
 * output (MaxPool indices for overlapping windows, the Dropout mask,
 * LayerNormalization's Mean/InvStdDev for float32). Float attributes are read
 * as ONNX stores them, rounded to 32 bits.
 *
 * Speed in onnxruntime (CPU): every rule emits big kernels on same-shape
 * operands — Conv's dX is a Conv with the flipped kernel (ConvTranspose for
 * strides), dW one batched MatMul over the unfolded input, MaxPool's gradient
 * compares upsampled maxima (and takes the Relu mask before it on the small
 * tensor), Relu's is `dy · cast(y > 0)`, Gemm/MatMul fold transposes into
 * Gemm flags. Training graphs have parameters as inputs, so ORT's NCHWc
 * layouts (level `all`) only add reorders around pools: level `extended` runs
 * them as fast or faster. `deno task bench autodiff [--profile]` shows where
 * the time goes.
 *
 * **Rules**: a rule is `(c: GradContext) => (Value | undefined)[]`, one
 * gradient per forward input. `c.x(i)`, `c.y(i)` are the forward values,
 * `c.dy(i)` the output gradients, `c.needs(i)` says which input gradients are
 * wanted, `c.reduceTo(grad, x)` sums over broadcast axes, `c.scalar(v)` makes a
 * constant in the node's dtype, `c.attrFloat(name, fallback)` reads a float
 * attribute as the forward op sees it. Pass extra rules as `options.rules`.
 *
 * **Checking**: `lib/onnx/reference` evaluates forward and gradient graphs in
 * float64 with plain loops (onnxruntime's CPU kernels lack float64 for Conv,
 * ConvTranspose, pooling, Resize, Erf and more); tests/autodiff compares every
 * rule with finite differences there, and runs the same graphs in onnxruntime
 * in float32.
 *
 * **Next steps** (optimizer graphs, fused train step): take the training
 * model, feed the parameters and statistics from buffers, read
 * `gradients`/`updates`; or build on the returned model with
 * `GraphBuilder.on(model)` (e.g. an SGD update from each `<param>_grad`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, Session, tensor } from "../onnx/mod.ts";
 * import { appendLoss, buildGradients } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
 * const w = g.initializer("w", tensor("float32", [2, 3], [1, 0, 0, 0, 1, 0]));
 * g.output(g.op("Gemm", [x, w], { transB: 1 }), "logits");
 * const withLoss = appendLoss(g.build(), { kind: "cross_entropy" });
 * const { model, gradients } = buildGradients(withLoss.model, { loss: "loss", wrt: ["w"] });
 * const s = await Session.create(model);
 * try {
 *   const out = await s.run({
 *     x: tensor("float32", [1, 3], [0, 0, 1]),
 *     labels: tensor("int64", [1], [0]),
 *     w: tensor("float32", [2, 3], [1, 0, 0, 0, 1, 0]),
 *   });
 *   // logits are [0, 0]: softmax 1/2 each, so dL/dlogits = [-1/2, 1/2] and dL/dw = that ⊗ x
 *   assert.deepEqual(Array.from(out[gradients.get("w")!]!.data as Float32Array), [0, 0, -0.5, 0, 0, 0.5]);
 * } finally {
 *   await s.release();
 * }
 * ```
 *
 * @module
 */

export { buildGradients, type GradientOptions, type GradientResult } from "./gradients.ts";
export {
  appendLoss,
  LOSS_KINDS,
  type LossKind,
  type LossOptions,
  type LossResult,
} from "./losses.ts";
export { DIFFERENTIABLE_OPS, GRADIENTS, NON_DIFFERENTIABLE_OPS } from "./grad_rules.ts";
export { GradContext, type GradRule } from "./grad_context.ts";
