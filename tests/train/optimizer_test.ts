import assert from "node:assert/strict";
import { Session, tensor } from "../../lib/onnx/mod.ts";
import {
  buildOptimizerModel,
  checkOptimizerSpec,
  type OptimizerSpec,
} from "../../lib/train/optimizer.ts";

/** PyTorch's torch.optim update rules in float64, written from its documentation. */
function referenceStep(
  spec: Required<OptimizerSpec>,
  p: Float64Array,
  grad: Float64Array,
  state: Float64Array[],
  lr: number,
  t: number,
) {
  const g = Float64Array.from(grad);
  if (spec.maxGradNorm > 0) {
    let ss = 0;
    for (const v of g) ss += v * v;
    const coef = Math.min(1, spec.maxGradNorm / (Math.sqrt(ss) + 1e-6));
    for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  if (spec.name === "sgd") {
    for (let i = 0; i < p.length; i++) {
      let d = g[i] + spec.weightDecay * p[i];
      if (spec.momentum !== 0) {
        const buf = state[0];
        buf[i] = t === 1 ? d : spec.momentum * buf[i] + (1 - spec.dampening) * d;
        d = spec.nesterov ? d + spec.momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
    return;
  }
  const [b1, b2] = spec.betas;
  const [m, v] = state;
  for (let i = 0; i < p.length; i++) {
    let d = g[i];
    if (spec.name === "adamw") p[i] *= 1 - lr * spec.weightDecay;
    else d += spec.weightDecay * p[i];
    m[i] = b1 * m[i] + (1 - b1) * d;
    v[i] = b2 * v[i] + (1 - b2) * d * d;
    const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + spec.eps;
    p[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom);
  }
}

function seeded(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

async function compare(spec: OptimizerSpec, steps = 12) {
  const full = checkOptimizerSpec(spec);
  const dims = [3, 5];
  const n = 15;
  const model = buildOptimizerModel(spec, [{ name: "w", dims }]);
  const session = await Session.create(model, { graphOptimizationLevel: "all" });
  try {
    const ref = seeded(n, 1);
    const refState = Array.from({ length: spec.name === "sgd" ? 1 : 2 }, () => new Float64Array(n));
    let p: Float32Array = Float32Array.from(ref);
    let states: Float32Array[] = refState.map(() => new Float32Array(n));
    const stateNames = session.inputs.map((i) => i.name).filter((x) => x.startsWith("w."));
    let worst = 0;
    for (let t = 1; t <= steps; t++) {
      const grad = seeded(n, 100 + t, 2);
      const lr = 0.05 / t;
      const feeds: Record<string, ReturnType<typeof tensor>> = {
        learning_rate: tensor("float32", [], [lr]),
        step: tensor("float32", [], [t]),
        w: tensor("float32", dims, p),
        w_grad: tensor("float32", dims, Float32Array.from(grad)),
      };
      stateNames.forEach((name, i) => feeds[name] = tensor("float32", dims, states[i]));
      if (!full.maxGradNorm) feeds.compute_grad_norm = tensor("bool", [], [t % 2]);
      const out = await session.run(feeds);
      const norm = (out.grad_norm!.data as Float32Array)[0]!;
      const wantNorm = Math.hypot(...grad);
      if (full.maxGradNorm || t % 2) assert.ok(Math.abs(norm - wantNorm) < 1e-5 * wantNorm);
      else assert.ok(Number.isNaN(norm), `grad_norm ${norm} when not asked for`);
      referenceStep(full, ref, grad, refState, lr, t);
      p = out["w.updated"]!.data as Float32Array;
      states = stateNames.map((name) => out[`${name}.updated`]!.data as Float32Array);
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(p[i] - ref[i]) / Math.max(1e-3, Math.abs(ref[i])));
      }
    }
    return worst;
  } finally {
    await session.release();
  }
}

const CASES: [string, OptimizerSpec][] = [
  ["plain SGD", { name: "sgd" }],
  ["SGD with momentum and weight decay", { name: "sgd", momentum: 0.9, weightDecay: 1e-2 }],
  ["SGD with dampening", { name: "sgd", momentum: 0.8, dampening: 0.3 }],
  ["SGD with nesterov", { name: "sgd", momentum: 0.9, nesterov: true }],
  ["Adam", { name: "adam" }],
  ["Adam with L2 weight decay", { name: "adam", weightDecay: 0.05, betas: [0.8, 0.99] }],
  ["AdamW", { name: "adamw", weightDecay: 0.1 }],
  ["SGD with gradient clipping", { name: "sgd", momentum: 0.9, maxGradNorm: 0.5 }],
  ["Adam with gradient clipping", { name: "adam", maxGradNorm: 1 }],
];

for (const [label, spec] of CASES) {
  Deno.test(`buildOptimizerModel() follows torch.optim: ${label}`, async () => {
    const worst = await compare(spec);
    assert.ok(worst < 2e-5, `max relative error ${worst}`);
  });
}

Deno.test("buildOptimizerModel() reports the gradient norm before clipping", async () => {
  const model = buildOptimizerModel({ name: "sgd", maxGradNorm: 1 }, [
    { name: "a", dims: [2] },
    { name: "b", dims: [1] },
  ]);
  const s = await Session.create(model);
  try {
    const out = await s.run({
      learning_rate: tensor("float32", [], [1]),
      step: tensor("float32", [], [1]),
      a: tensor("float32", [2], [0, 0]),
      a_grad: tensor("float32", [2], [3, 0]),
      b: tensor("float32", [1], [0]),
      b_grad: tensor("float32", [1], [4]),
    });
    assert.ok(Math.abs((out.grad_norm!.data as Float32Array)[0] - 5) < 1e-6);
    // Clipped to norm 1: the update is the unit vector (0.6, 0, 0.8).
    const a = out["a.updated"]!.data as Float32Array;
    assert.ok(Math.abs(a[0] + 0.6) < 1e-5, `a[0] = ${a[0]}`);
  } finally {
    await s.release();
  }
});

Deno.test("buildOptimizerModel() uses only ai.onnx ops", () => {
  const model = buildOptimizerModel({ name: "adamw" }, [{ name: "w", dims: [4] }]);
  for (const node of model.graph.nodes) assert.equal(node.domain, "");
});

Deno.test("checkOptimizerSpec() names the bad field", () => {
  assert.throws(
    () => checkOptimizerSpec({ name: "rmsprop" as "sgd" }),
    /Unknown optimizer "rmsprop": expected one of sgd, adam, adamw/,
  );
  assert.throws(
    () => checkOptimizerSpec({ name: "adam", betas: [0.9, 1.5] }),
    /Invalid optimizer\.betas \[0\.9,1\.5\]: expected in \[0, 1\)/,
  );
  assert.throws(
    () => checkOptimizerSpec({ name: "sgd", nesterov: true }),
    /nesterov.*needs momentum > 0/,
  );
});
