import { isFloatDType, loadModel, type Tensor, tensor } from "../../lib/onnx/mod.ts";
import { appendLoss } from "../../lib/autodiff/mod.ts";
import { sharedPath } from "../_shared.ts";
import { directionalCheck, finiteDifferenceCheck, rng, summarize } from "./_gradcheck.ts";
import { toFloat64 } from "./_precision.ts";

const MODELS: [string, number][] = [["mlp", 6], ["cnn", 8], ["cnn_bn", 12], ["vit_tiny", 10]];

for (const [name, checked] of MODELS) {
  Deno.test(`gradients of the reference ${name} (training export, float64) match finite differences`, () => {
    return (async () => {
      const forward = toFloat64(
        await loadModel(sharedPath(`data/models/mnist/${name}.train.onnx`)),
      );
      const model = appendLoss(forward, { kind: "cross_entropy", labelSmoothing: 0.1 }).model;
      const params = [...forward.graph.initializers].filter(([k, t]) =>
        isFloatDType(t.dtype) && !k.includes("running_")
      ).map(([k]) => k);
      const xs = new Float32Array(
        Deno.readFileSync(sharedPath("data/models/mnist/test.x.f32.bin")).buffer,
        0,
        2 * 784,
      );
      const ys = new BigInt64Array(
        Deno.readFileSync(sharedPath("data/models/mnist/test.y.i64.bin")).buffer,
        0,
        2,
      );
      const feeds: Record<string, Tensor> = {
        input: tensor("float64", name === "mlp" ? [2, 784] : [2, 1, 28, 28], Float64Array.from(xs)),
        labels: tensor("int64", [2], ys),
      };
      for (const p of params) feeds[p] = forward.graph.initializers.get(p)!;
      const rand = rng(5);
      const elementwise = params.filter(() => rand() < checked / params.length);
      // step 1e-5: small enough not to cross the kinks of Relu and MaxPool
      const { analytic, names } = finiteDifferenceCheck(model, feeds, params, {
        step: 1e-5,
        maxElements: 2,
        elementwise,
        rand,
      });
      const grads = new Map(params.map((p, k) => [p, analytic[names[k]!]!]));
      directionalCheck(model, feeds, grads, { step: 1e-5 });
    })();
  });
}

summarize("models");
