/**
 * TrainSession, fed PyTorch's exported initial weights and the same 30
 * batches, reproduces PyTorch's recorded losses, gradient norms and final
 * weight norms (shared/data/models/difftrain/*.json).
 */
import assert from "node:assert/strict";
import { loadModel, tensor } from "../../lib/onnx/mod.ts";
import { generateArtifacts } from "../../lib/train/artifacts.ts";
import type { OptimizerSpec } from "../../lib/train/optimizer.ts";
import { TrainSession } from "../../lib/train/session.ts";
import { sharedPath } from "../_shared.ts";

interface Trajectory {
  hyper: Record<string, number | boolean>;
  loss_per_step: number[];
  grad_global_l2_per_step: number[];
  final_l2: Record<string, number>;
}

const X = new Float32Array(
  (await Deno.readFile(sharedPath("data/models/difftrain/batches.x.f32.bin"))).buffer,
);
const Y = new BigInt64Array(
  (await Deno.readFile(sharedPath("data/models/difftrain/batches.y.i64.bin"))).buffer,
);

function specOf(key: string, hyper: Trajectory["hyper"]): OptimizerSpec {
  if (key.startsWith("sgd")) {
    return {
      name: "sgd",
      momentum: Number(hyper.momentum),
      weightDecay: Number(hyper.weight_decay),
    };
  }
  return {
    name: "adam",
    betas: [Number(hyper.beta1), Number(hyper.beta2)],
    eps: Number(hyper.eps),
    weightDecay: Number(hyper.weight_decay),
  };
}

function l2(data: Float32Array): number {
  let s = 0;
  for (const v of data) s += v * v;
  return Math.sqrt(s);
}

for (const model of ["mlp", "cnn"]) {
  const ref = JSON.parse(
    await Deno.readTextFile(sharedPath(`data/models/difftrain/${model}.json`)),
  ) as { optimizers: Record<string, Trajectory> };
  for (const [key, traj] of Object.entries(ref.optimizers)) {
    for (const fused of [true, false]) {
      Deno.test(`TrainSession reproduces PyTorch's ${model} ${key} trajectory (${fused ? "fused step" : "training + optimizer graphs"})`, async () => {
        const forward = await loadModel(sharedPath(`data/models/mnist/${model}.train.onnx`));
        const artifacts = generateArtifacts(forward, { optimizer: specOf(key, traj.hyper) });
        const session = await TrainSession.create(artifacts, { fused });
        const dims = model === "mlp" ? [64, 784] : [64, 1, 28, 28];
        try {
          let worstLoss = 0;
          let worstNorm = 0;
          for (let k = 0; k < traj.loss_per_step.length; k++) {
            const x = tensor("float32", dims, X.subarray(k * 64 * 784, (k + 1) * 64 * 784));
            const y = tensor("int64", [64], Y.subarray(k * 64, (k + 1) * 64));
            const { loss, gradNorm } = await session.trainStep({ x, y }, {
              lr: Number(traj.hyper.lr),
            });
            const want = traj.loss_per_step[k]!;
            worstLoss = Math.max(worstLoss, Math.abs(loss - want) / Math.abs(want));
            const wantNorm = traj.grad_global_l2_per_step[k]!;
            worstNorm = Math.max(worstNorm, Math.abs(gradNorm - wantNorm) / wantNorm);
          }
          assert.ok(worstLoss < 1e-4, `max relative loss deviation ${worstLoss}`);
          assert.ok(worstNorm < 1e-3, `max relative gradient-norm deviation ${worstNorm}`);
          const weights = session.weights();
          for (const [name, want] of Object.entries(traj.final_l2)) {
            const got = l2(weights.get(name)!.data as Float32Array);
            assert.ok(Math.abs(got - want) / want < 1e-4, `${name}: L2 ${got}, PyTorch ${want}`);
          }
        } finally {
          await session.release();
        }
      });
    }
  }
}
