import assert from "node:assert/strict";
import { loadModel, type Model, modelToBytes } from "../../lib/onnx/mod.ts";
import { buildModel } from "../../lib/nn/mod.ts";
import { calibrate, fuse, planStatic, quantizeStatic } from "../../lib/optimize/mod.ts";
import { toEvalMode } from "../../lib/train/mod.ts";
import { sharedPath } from "../_shared.ts";
import { assertSameOutputs, run, seeded } from "./_helpers.ts";

const MODELS: [string, () => Promise<Model>][] = [
  [
    "resnet18 (lib/nn)",
    () =>
      Promise.resolve(
        toEvalMode(buildModel({ name: "resnet" } as never, { seed: 1, training: false })).model,
      ),
  ],
  [
    "mobilenet_v3_small",
    () => loadModel(sharedPath("data/models/torchvision/mobilenet_v3_small.eval.onnx")),
  ],
  ["squeezenet1_1", () => loadModel(sharedPath("data/models/torchvision/squeezenet1_1.eval.onnx"))],
];

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

for (const [name, load] of MODELS) {
  Deno.test(`fuse() and static QDQ int8 on ${name}: fused exact to 1e-5, quantized runs with output [1, 1000]`, async () => {
    const model = await load();
    const input = model.graph.feedInputs()[0]!.name;
    const x = seeded([1, 3, 224, 224], 11, 0, 1);
    const fused = fuse(model).model;
    assert.ok(fused.graph.nodes.length <= model.graph.nodes.length);
    await assertSameOutputs(model, fused, { [input]: x }, 1e-5);
    const plan = planStatic(fused);
    const samples = [1, 2, 3].map((s) => ({ [input]: seeded([1, 3, 224, 224], 100 + s, 0, 1) }));
    const q = quantizeStatic(fused, await calibrate(fused, plan.tensors, samples), {}).model;
    assert.ok(q.graph.nodes.some((n) => n.opType === "QuantizeLinear"));
    const a = (await run(fused, { [input]: x }))[fused.graph.outputs[0]!.name]!;
    const b = (await run(q, { [input]: x }))[q.graph.outputs[0]!.name]!;
    assert.deepEqual(b.dims, [1, 1000]);
    assert.ok((b.data as Float32Array).every(Number.isFinite));
    const c = cosine(a.data as Float32Array, b.data as Float32Array);
    assert.ok(c > 0.9, `cosine similarity to float ${c}`);
    assert.ok(modelToBytes(q).length < 0.35 * modelToBytes(fused).length);
  });
}
