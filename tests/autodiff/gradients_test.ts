import assert from "node:assert/strict";
import {
  GraphBuilder,
  loadModel,
  type Model,
  Session,
  tensor,
  validateModel,
} from "../../lib/onnx/mod.ts";
import { evaluate } from "../../lib/onnx/reference/mod.ts";
import {
  appendLoss,
  buildGradients,
  DIFFERENTIABLE_OPS,
  type GradRule,
} from "../../lib/autodiff/mod.ts";
import { sharedPath } from "../_shared.ts";

/** loss = Σ (relu(x·W1 + b1)·W2) with W1, b1, W2 initializers. */
function tinyMlp(): Model {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["N", 3] });
  const w1 = g.initializer(
    "w1",
    tensor("float32", [3, 4], Array.from({ length: 12 }, (_, i) => (i % 5) - 2)),
  );
  const b1 = g.initializer("b1", tensor("float32", [4], [0.5, -0.5, 1, 0]));
  const w2 = g.initializer("w2", tensor("float32", [4, 2], [1, -1, 2, 0, 0, 1, -2, 1]));
  const h = g.op("Relu", [g.op("Add", [g.op("MatMul", [x, w1]), b1])]);
  g.output(g.op("MatMul", [h, w2]), "logits");
  return g.build();
}

Deno.test("buildGradients() lays out the training model as onnxruntime's on-device training does", () => {
  const forward = appendLoss(tinyMlp(), { kind: "cross_entropy" }).model;
  const { model, gradients, loss } = buildGradients(forward, { loss: "loss", wrt: ["w1", "w2"] });
  assert.equal(loss, "loss");
  assert.deepEqual(model.graph.inputs.map((i) => i.name), ["x", "labels", "w1", "w2"]);
  assert.deepEqual(model.graph.inputs[2], { name: "w1", dtype: "float32", dims: [3, 4] });
  assert.ok(
    !model.graph.initializers.has("w1") && model.graph.initializers.has("b1"),
    "b1 stays frozen",
  );
  assert.deepEqual(model.graph.outputs.map((o) => o.name), [
    "loss",
    "logits",
    "w1_grad",
    "w2_grad",
  ]);
  assert.deepEqual([...gradients], [["w1", "w1_grad"], ["w2", "w2_grad"]]);
  assert.deepEqual(model.graph.outputs[2]!.dims, [3, 4]);
  assert.deepEqual(validateModel(model), []);
  assert.ok(forward.graph.initializers.has("w1"), "the input model is left as it was");
});

Deno.test("buildGradients() sums the gradients of a value used several times", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: [3] });
  const y = g.op("Mul", [g.op("Mul", [x, x]), g.op("Exp", [x])]); // x² · eˣ
  g.output(g.op("ReduceSum", [y], { keepdims: 0 }), "loss");
  const { model, gradients } = buildGradients(g.build(), { loss: "loss", wrt: ["x"] });
  assert.ok(model.graph.nodes.some((n) => n.opType === "Sum"));
  const xs = [0.5, -1, 2];
  const { [gradients.get("x")!]: dx } = evaluate(model, { x: tensor("float64", [3], xs) });
  xs.forEach((v, i) =>
    assert.ok(Math.abs(Number(dx!.data[i]) - (2 * v + v * v) * Math.exp(v)) < 1e-12)
  );
});

Deno.test("buildGradients() emits only what the wanted gradients need (frozen layers cost nothing)", () => {
  const forward = appendLoss(tinyMlp(), { kind: "cross_entropy" }).model;
  const all = buildGradients(forward, { loss: "loss", wrt: ["w1", "b1", "w2"] }).model;
  const head = buildGradients(forward, { loss: "loss", wrt: ["w2"] }).model;
  const count = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op).length;
  // forward: 2 MatMul. Head only: + dW2 (Gemm or MatMul); no dh, no dW1.
  assert.equal(count(head, "MatMul") + count(head, "Gemm"), 3);
  assert.ok(!head.graph.nodes.some((n) => n.opType === "Greater"), "no Relu gradient mask");
  assert.equal(count(all, "MatMul") + count(all, "Gemm"), 5);
  assert.ok(head.graph.nodes.length < all.graph.nodes.length);
});

Deno.test("buildGradients() passes no gradient through shapes, indices and conditions", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: [2, 3] });
  const idx = g.input("i", { dtype: "int64", dims: [2] });
  const shape = g.op("Shape", [x]);
  const flat = g.op("Reshape", [
    x,
    g.op("Concat", [g.ints([-1]), g.op("Gather", [shape, g.ints([0])])], { axis: 0 }),
  ]);
  const picked = g.op("Gather", [flat, idx], { axis: 0 });
  const positive = g.op("Where", [
    g.op("Greater", [picked, g.scalar(0, "float64")]),
    picked,
    g.scalar(0, "float64"),
  ]);
  g.output(g.op("ReduceSum", [positive], { keepdims: 0 }), "loss");
  const { model, gradients } = buildGradients(g.build(), { loss: "loss", wrt: ["x"] });
  const out = evaluate(model, {
    x: tensor("float64", [2, 3], [1, -2, 3, 4, 5, -6]),
    i: tensor("int64", [2], [2, 0]),
  });
  // flat is [3, 2] (rows of 2): picks rows 2 and 0 → [5, -6] and [1, -2]; positive entries count
  assert.deepEqual(Array.from(out[gradients.get("x")!]!.data as Float64Array), [1, 0, 0, 0, 1, 0]);
  assert.throws(
    () => buildGradients(g.build(), { loss: "loss", wrt: ["i"] }),
    /Cannot differentiate with respect to "i": it is int64, not a float tensor/,
  );
});

Deno.test("buildGradients() gives a parameter the loss does not use a zero gradient", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2] });
  g.initializer("unused", tensor("float32", [3], [1, 2, 3]));
  g.output(g.op("ReduceSum", [g.op("Mul", [x, x])], { keepdims: 0 }), "loss");
  const { model, gradients } = buildGradients(g.build(), { loss: "loss", wrt: ["x", "unused"] });
  const out = evaluate(model, {
    x: tensor("float32", [2], [1, 2]),
    unused: tensor("float32", [3], [1, 2, 3]),
  });
  assert.deepEqual(Array.from(out[gradients.get("unused")!]!.data as Float32Array), [0, 0, 0]);
  assert.deepEqual(Array.from(out[gradients.get("x")!]!.data as Float32Array), [2, 4]);
});

Deno.test("buildGradients() seeds a non-scalar loss with ones (the gradient of its sum)", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: [3] });
  g.output(g.op("Mul", [x, x]), "loss");
  const { model } = buildGradients(g.build(), { loss: "loss", wrt: ["x"] });
  const out = evaluate(model, { x: tensor("float64", [3], [1, 2, 3]) });
  assert.deepEqual(Array.from(out.x_grad!.data as Float64Array), [2, 4, 6]);
});

Deno.test("buildGradients() keeps only the retained outputs and drops what nothing needs", () => {
  const forward = appendLoss(tinyMlp(), { kind: "cross_entropy" }).model;
  const { model } = buildGradients(forward, { loss: "loss", wrt: ["w2"], retainOutputs: [] });
  assert.deepEqual(model.graph.outputs.map((o) => o.name), ["loss", "w2_grad"]);
  const used = new Set(model.graph.nodes.flatMap((n) => n.inputs));
  for (const name of model.graph.initializers.keys()) {
    assert.ok(used.has(name), `unused initializer ${name}`);
  }
});

Deno.test("buildGradients() rejects an unknown loss or parameter and a parameter listed twice", () => {
  const m = appendLoss(tinyMlp(), { kind: "cross_entropy" }).model;
  assert.throws(
    () => buildGradients(m, { loss: "nope", wrt: ["w1"] }),
    /Unknown loss "nope": no value/,
  );
  assert.throws(
    () => buildGradients(m, { loss: "loss", wrt: ["w9"] }),
    /Unknown parameter "w9": not an initializer or graph input; initializers include "w1", "b1", "w2"/,
  );
  assert.throws(() => buildGradients(m, { loss: "loss", wrt: ["w1", "w1"] }), /listed twice/);
});

Deno.test("buildGradients() names the node and op without a rule and lists the supported ops", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [3] });
  g.output(g.op("ReduceSum", [g.op("Cos", [x], {}, { name: "wave" })], { keepdims: 0 }), "loss");
  const err = assert.throws(
    () => buildGradients(g.build(), { loss: "loss", wrt: ["x"] }),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(
        e.message,
        /^Cannot differentiate "wave" \(Cos\): no gradient rule for "Cos"; supported: Abs, Add, /,
      );
      assert.ok(e.message.includes(DIFFERENTIABLE_OPS.join(", ")));
      return true;
    },
  );
  void err;
  const custom = new GraphBuilder();
  const y = custom.input("x", { dtype: "float32", dims: [3] });
  custom.output(custom.op("Foo", [y], {}, { domain: "com.example", name: "f" }), "loss");
  assert.throws(
    () => buildGradients(custom.build(), { loss: "loss", wrt: ["x"] }),
    /Cannot differentiate "f" \(com\.example\.Foo\): no gradient rule for "com\.example\.Foo"/,
  );
});

Deno.test("buildGradients() takes extra rules", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float64", dims: [3] });
  g.output(g.op("ReduceSum", [g.op("Cos", [x])], { keepdims: 0 }), "loss");
  const cos: GradRule = (c) => [c.op("Neg", [c.op("Mul", [c.dy0, c.op("Sin", [c.x()])])])];
  const { model } = buildGradients(g.build(), { loss: "loss", wrt: ["x"], rules: { Cos: cos } });
  const out = evaluate(model, { x: tensor("float64", [3], [0, 1, 2]) });
  [0, 1, 2].forEach((v, i) =>
    assert.ok(Math.abs(Number(out.x_grad!.data[i]) + Math.sin(v)) < 1e-15)
  );
});

Deno.test("gradients of the reference models match PyTorch's at the first batch (loss and gradient norm)", async () => {
  const xs = new Float32Array(
    Deno.readFileSync(sharedPath("data/models/difftrain/batches.x.f32.bin")).buffer,
  );
  const ys = new BigInt64Array(
    Deno.readFileSync(sharedPath("data/models/difftrain/batches.y.i64.bin")).buffer,
  );
  for (const name of ["mlp", "cnn"]) {
    const forward = await loadModel(sharedPath(`data/models/mnist/${name}.train.onnx`));
    const params = [...forward.graph.initializers.keys()];
    const withLoss = appendLoss(forward, { kind: "cross_entropy" }).model;
    const { model, gradients } = buildGradients(withLoss, { loss: "loss", wrt: params });
    const ref = JSON.parse(Deno.readTextFileSync(sharedPath(`data/models/difftrain/${name}.json`)));
    const s = await Session.create(model, { graphOptimizationLevel: "all" });
    try {
      const feeds: Record<string, ReturnType<typeof tensor>> = {
        input: tensor(
          "float32",
          name === "mlp" ? [64, 784] : [64, 1, 28, 28],
          xs.slice(0, 64 * 784),
        ),
        labels: tensor("int64", [64], ys.slice(0, 64)),
      };
      for (const p of params) feeds[p] = forward.graph.initializers.get(p)!;
      const out = await s.run(feeds);
      let sq = 0;
      for (const p of params) {
        for (const v of out[gradients.get(p)!]!.data as Float32Array) sq += v * v;
      }
      const sgd = ref.optimizers["sgd_lr0.05"];
      const relLoss = Math.abs(Number(out.loss!.data[0]) / sgd.loss_per_step[0] - 1);
      const relNorm = Math.abs(Math.sqrt(sq) / sgd.grad_global_l2_per_step[0] - 1);
      assert.ok(relLoss < 1e-5, `${name}: loss ${out.loss!.data[0]} vs ${sgd.loss_per_step[0]}`);
      assert.ok(
        relNorm < 1e-5,
        `${name}: gradient norm ${Math.sqrt(sq)} vs ${sgd.grad_global_l2_per_step[0]}`,
      );
    } finally {
      await s.release();
    }
  }
});

Deno.test("buildGradients() keeps one input entry for an initializer that was also listed as an input", () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: [2] });
  const w = g.initializer("w", tensor("float32", [2], [1, 2]));
  g.graph.addInput({ name: "w", dtype: "float32", dims: [2] });
  g.output(g.op("ReduceSum", [g.op("Mul", [x, w])], { keepdims: 0 }), "loss");
  const { model } = buildGradients(g.build(), { loss: "loss", wrt: ["w"] });
  assert.deepEqual(model.graph.inputs.map((i) => i.name), ["x", "w"]);
  assert.ok(!model.graph.initializers.has("w"));
});
