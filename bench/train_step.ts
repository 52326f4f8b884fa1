/**
 * Median ms per training step (batch 64, 2 threads, fused train_step.onnx) for
 * the reference mlp, cnn and vit_tiny with SGD (momentum 0.9, lr 0.05) and
 * Adam (lr 1e-3), beside PyTorch eager measured in the same run.
 *
 * `deno task bench train_step [--profile]`: `--profile` also prints the
 * operators that take the most time in ORT's own profile.
 *
 * @module
 */
import { loadModel, tensor } from "../lib/onnx/mod.ts";
import { generateArtifacts, type OptimizerSpec, TrainSession } from "../lib/train/mod.ts";
import { sharedPath } from "../tests/_shared.ts";
import { median, peerFigure } from "./_peer.ts";

const MODELS = ["mlp", "cnn", "vit_tiny"];
const OPTIMIZERS: [string, OptimizerSpec, number, string][] = [
  ["sgd", { name: "sgd", momentum: 0.9 }, 0.05, "sgd_m0.9_lr0.05"],
  ["adam", { name: "adam" }, 1e-3, "adam_lr1e-3"],
];
const STEPS = 60;
const WARMUP = 10;

async function batch64(model: string) {
  const all = new Float32Array(
    (await Deno.readFile(sharedPath("data/models/difftrain/batches.x.f32.bin"))).buffer,
  );
  const dims = model === "mlp" ? [64, 784] : [64, 1, 28, 28];
  return {
    x: tensor("float32", dims, all.slice(0, 64 * 784)),
    y: tensor("int64", [64], BigInt64Array.from({ length: 64 }, (_, i) => BigInt(i % 10))),
  };
}

async function measure(model: string, spec: OptimizerSpec, lr: number, profile: boolean) {
  const forward = await loadModel(sharedPath(`data/models/mnist/${model}.train.onnx`));
  const artifacts = generateArtifacts(forward, { optimizer: spec });
  const prefix = `build/profile_train_step_${model}_${spec.name}`;
  const session = await TrainSession.create(artifacts, {
    threads: 2,
    session: profile ? { enableProfiling: true, profileFilePrefix: prefix } : {},
  });
  const batch = await batch64(model);
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t = performance.now();
      await session.trainStep(batch, { lr });
      if (i >= WARMUP) times.push(performance.now() - t);
    }
  } finally {
    await session.release();
  }
  if (profile) await printProfile(prefix, WARMUP + STEPS);
  return median(times);
}

async function printProfile(prefix: string, runs: number) {
  const dir = "build";
  const name = prefix.slice(dir.length + 1);
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(name)).map((e) =>
    e.name
  );
  const file = files.sort().pop();
  if (!file) return;
  const events = JSON.parse(await Deno.readTextFile(`${dir}/${file}`)) as {
    cat: string;
    name: string;
    dur: number;
    args: { op_name?: string };
  }[];
  const byOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const key = `${e.args.op_name} ${e.name.slice(0, -12)}`;
    byOp.set(key, (byOp.get(key) ?? 0) + e.dur);
  }
  const top = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 8);
  for (const [k, us] of top) {
    console.log(`    ${(us / runs / 1000).toFixed(3).padStart(8)} ms  ${k}`);
  }
}

if (import.meta.main) {
  const profile = Deno.args.includes("--profile");
  console.log("model     optimizer   ours ms   PyTorch ms   ratio   (PyTorch figure)");
  for (const model of MODELS) {
    for (const [label, spec, lr, key] of OPTIMIZERS) {
      const ours = await measure(model, spec, lr, profile);
      const peer = await peerFigure(
        ["train-step", model, "--optimizer", label],
        ["train_step_ms_batch64", `${model}/${key}`],
      );
      console.log(
        `${model.padEnd(9)} ${label.padEnd(9)} ${ours.toFixed(3).padStart(9)} ${
          peer.ms.toFixed(3).padStart(11)
        } ${(ours / peer.ms).toFixed(2).padStart(7)}   (${peer.source})`,
      );
    }
  }
}
