// The zoo's graphs compute what PyTorch's do: the reference exports' weights,
// loaded by name into our graphs, give the same logits in onnxruntime-node.

import assert from "node:assert/strict";
import { buildModel, loadParameters, type ModelSpec } from "../../lib/nn/mod.ts";
import { type Model, type Tensor, tensor } from "../../lib/onnx/mod.ts";
import { argmaxRows, digits, labels, lcg, loadReference, maxAbsDiff, runModel } from "./_util.ts";

const TOL = 1e-5;

function floatWeights(model: Model): Map<string, Tensor> {
  return new Map([...model.graph.initializers].filter(([, t]) => t.dtype === "float32"));
}

async function logitsOf(model: Model, input: Tensor): Promise<Float32Array> {
  return (await runModel(model, { input })).logits!.data as Float32Array;
}

for (const name of ["mlp", "cnn", "cnn_bn"]) {
  Deno.test(`buildModel("${name}") with the reference initial weights gives its logits`, async () => {
    const ref = await loadReference(`${name}.train.onnx`);
    const ours = buildModel({ name } as ModelSpec);
    loadParameters(ours, floatWeights(ref));
    const input = await digits(64, name !== "mlp");
    const expected = await logitsOf(ref, input);
    assert.ok(maxAbsDiff(expected, new Float32Array(expected.length)) > 1e-2, "non-trivial logits");
    assert.ok(maxAbsDiff(await logitsOf(ours, input), expected) < TOL);
  });
}

Deno.test('buildModel("cnn_bn", eval) with the initial weights gives cnn_bn.eval.onnx\'s logits', async () => {
  // The eval export folds BatchNorm (running mean 0, variance 1) into the convs.
  const ours = buildModel({ name: "cnn_bn" }, { training: false });
  loadParameters(ours, floatWeights(await loadReference("cnn_bn.train.onnx")));
  const input = await digits(64, true);
  const expected = await logitsOf(await loadReference("cnn_bn.eval.onnx"), input);
  assert.ok(maxAbsDiff(await logitsOf(ours, input), expected) < TOL);
});

// PyTorch's ViT starts with a zero head, so its initial logits are all zero and
// would prove nothing: the same seeded head goes into both graphs.
function seededHead(weights: Map<string, Tensor>): void {
  weights.set("heads.head.weight", tensor("float32", [10, 64], lcg(640, 7).map((v) => v * 0.3)));
  weights.set("heads.head.bias", tensor("float32", [10], lcg(10, 8).map((v) => v * 0.1)));
}

Deno.test('buildModel("vit") with vit_tiny\'s initial weights gives its logits', async () => {
  const ref = await loadReference("vit_tiny.train.onnx");
  const weights = floatWeights(ref);
  seededHead(weights);
  for (const [k, t] of weights) if (k.startsWith("heads.")) ref.graph.initializers.set(k, t);
  const input = await digits(64, true);
  const expected = await logitsOf(ref, input); // its Dropout nodes have ratio 0
  assert.ok(maxAbsDiff(expected, new Float32Array(expected.length)) > 1e-1, "non-trivial logits");
  for (const training of [true, false]) {
    const ours = buildModel({ name: "vit" }, { training });
    loadParameters(ours, weights);
    assert.ok(maxAbsDiff(await logitsOf(ours, input), expected) < TOL, `training ${training}`);
  }
});

/**
 * The trained eval exports fold `Transpose(W)` into new initializers
 * (`onnx::MatMul_…`) that the MatMul of each Linear reads; map them back to
 * PyTorch's names through the consuming node's name.
 */
function unfoldedWeights(ref: Model): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of floatWeights(ref)) if (!k.startsWith("onnx::")) out.set(k, t);
  for (const node of ref.graph.nodes) {
    const w = node.inputs[1];
    if (node.opType !== "MatMul" || !w?.startsWith("onnx::")) continue;
    const m = /^\/encoder\/layers\/(encoder_layer_\d+)\/(self_attention|mlp\/mlp\.[03])\//.exec(
      node.name,
    );
    assert.ok(m, `unexpected MatMul ${node.name}`);
    const layer = m[2] === "self_attention"
      ? "self_attention.in_proj_weight"
      : `mlp.${m[2]!.at(-1)}.weight`;
    out.set(`encoder.layers.${m[1]}.${layer}`, transpose(ref.graph.initializers.get(w)!));
  }
  return out;
}

function transpose(t: Tensor): Tensor {
  const [r, c] = t.dims as [number, number];
  const src = t.data as Float32Array;
  const dst = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[j * r + i] = src[i * c + j]!;
  return tensor("float32", [c, r], dst);
}

const TRAINED: [string, ModelSpec, number][] = [
  ["mlp", { name: "mlp" }, 0.9075],
  ["cnn", { name: "cnn" }, 0.9475],
  ["vit_tiny", { name: "vit" }, 0.819],
];

for (const [file, spec, accuracy] of TRAINED) {
  Deno.test(`buildModel("${spec.name}", eval) with ${file}'s trained weights gives its logits and accuracy`, async () => {
    const ref = await loadReference(`${file}.adam2ep.eval.onnx`);
    const ours = buildModel(spec, { training: false });
    loadParameters(ours, unfoldedWeights(ref));
    const input = await digits(2000, spec.name !== "mlp");
    const expected = await logitsOf(ref, input);
    const got = await logitsOf(ours, input);
    assert.ok(maxAbsDiff(got, expected) < TOL);
    const y = await labels();
    const predicted = argmaxRows(tensor("float32", [2000, 10], got));
    const correct = predicted.filter((p, i) => BigInt(p) === y[i]).length;
    assert.equal(correct / 2000, accuracy);
  });
}
