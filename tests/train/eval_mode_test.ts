import assert from "node:assert/strict";
import { loadModel, Session, tensor } from "../../lib/onnx/mod.ts";
import { toEvalMode } from "../../lib/train/eval_mode.ts";
import { sharedPath } from "../_shared.ts";

async function logits(model: Parameters<typeof Session.create>[0], x: Float32Array) {
  const s = await Session.create(model);
  try {
    const out = await s.run({ input: tensor("float32", [4, 1, 28, 28], x) });
    return out.logits!.data as Float32Array;
  } finally {
    await s.release();
  }
}

for (const name of ["cnn_bn", "vit_tiny"]) {
  Deno.test(`toEvalMode() turns PyTorch's ${name} training export into its eval export`, async () => {
    const train = await loadModel(sharedPath(`data/models/mnist/${name}.train.onnx`));
    const { model, changed } = toEvalMode(train);
    assert.ok(changed > 0);
    const ops = new Set(model.graph.nodes.map((n) => n.opType));
    assert.ok(!ops.has("Dropout"));
    for (const n of model.graph.nodes) {
      if (n.opType === "BatchNormalization") assert.equal(n.outputs.length, 1);
    }
    const x = Float32Array.from({ length: 4 * 784 }, (_, i) => ((i * 7919) % 256) / 255);
    const ours = await logits(model, x);
    const ref = await logits(sharedPath(`data/models/mnist/${name}.eval.onnx`), x);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
    assert.ok(worst < 1e-4, `max abs difference ${worst}`);
  });
}

Deno.test("toEvalMode() leaves an eval graph unchanged", async () => {
  const m = await loadModel(sharedPath("data/models/mnist/cnn.eval.onnx"));
  const { model, changed } = toEvalMode(m);
  assert.equal(changed, 0);
  assert.equal(model.graph.nodes.length, m.graph.nodes.length);
});
