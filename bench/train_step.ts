/**
 * Median ms per training step (batch 64, 2 threads, fused train_step.onnx) for
 * the reference mlp, cnn and vit_tiny with SGD (momentum 0.9, lr 0.05) and
 * Adam (lr 1e-3), beside PyTorch eager measured in the same run.
 *
 * The two are measured in alternating blocks (ours, then PyTorch, `--rounds`
 * times), so that a busy machine slows both alike; the figures are medians
 * over all blocks and the load average is printed beside each row.
 *
 * `deno task bench train_step [--profile] [--rounds 5] [--steps 30]
 * [--models mlp,cnn] [--threads 2]`: `--profile` also prints where ORT spends
 * the step (per-node medians of its own profile, summed by operator, then the
 * slowest nodes).
 *
 * @module
 */
import { loadModel, tensor } from "../lib/onnx/mod.ts";
import { generateArtifacts, type OptimizerSpec, TrainSession } from "../lib/train/mod.ts";
import { sharedPath } from "../tests/_shared.ts";
import { median, type PeerFigure, peerFigure } from "./_peer.ts";

const MODELS = ["mlp", "cnn", "vit_tiny"];
const OPTIMIZERS: [string, OptimizerSpec, number, string][] = [
  ["sgd", { name: "sgd", momentum: 0.9 }, 0.05, "sgd_m0.9_lr0.05"],
  ["adam", { name: "adam" }, 1e-3, "adam_lr1e-3"],
];
/** Untimed steps first: the JS around a step runs several times slower until V8 has optimized it. */
const WARMUP = 60;
const BLOCK_WARMUP = 5;

interface Settings {
  rounds: number;
  steps: number;
  threads: number;
  profile: boolean;
}

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : fallback;
}

/** The 1-minute load average, for the record. */
function load(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ")[0]!;
  } catch {
    return "?";
  }
}

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

async function openSession(model: string, spec: OptimizerSpec, s: Settings, prefix: string) {
  const forward = await loadModel(sharedPath(`data/models/mnist/${model}.train.onnx`));
  const artifacts = generateArtifacts(forward, { optimizer: spec });
  return await TrainSession.create(artifacts, {
    threads: s.threads,
    session: s.profile ? { enableProfiling: true, profileFilePrefix: prefix } : {},
  });
}

/** Ours and PyTorch's figures for one model and optimizer, in alternating blocks. */
async function measure(
  model: string,
  [label, spec, lr, key]: typeof OPTIMIZERS[number],
  s: Settings,
): Promise<{ ours: number; peer: PeerFigure; load: string }> {
  const prefix = `build/profile_train_step_${model}_${spec.name}`;
  const session = await openSession(model, spec, s, prefix);
  const batch = await batch64(model);
  const ours: number[] = [];
  const peers: number[] = [];
  let peer: PeerFigure = { ms: NaN, source: "absent" };
  try {
    for (let i = 0; i < WARMUP; i++) await session.trainStep(batch, { lr, gradNorm: false });
    for (let r = 0; r < s.rounds; r++) {
      // as many untimed steps per block as PyTorch's --warmup
      for (let i = 0; i < BLOCK_WARMUP; i++) {
        await session.trainStep(batch, { lr, gradNorm: false });
      }
      for (let i = 0; i < s.steps; i++) {
        const t = performance.now();
        await session.trainStep(batch, { lr, gradNorm: false });
        ours.push(performance.now() - t);
      }
      if (peer.source === "baseline.json" || peer.source === "absent" && r > 0) continue;
      peer = await peerFigure(
        [
          "train-step",
          model,
          "--optimizer",
          label,
          "--steps",
          String(s.steps),
          "--warmup",
          String(BLOCK_WARMUP),
          "--threads",
          String(s.threads),
        ],
        ["train_step_ms_batch64", `${model}/${key}`],
      );
      if (peer.source === "measured") peers.push(peer.ms);
    }
  } finally {
    await session.release();
  }
  if (s.profile) await printProfile(prefix);
  if (peers.length > 0) peer = { ms: median(peers), source: "measured" };
  return { ours: median(ours), peer, load: load() };
}

/** The profile file of the train-step session (the larger of the two written). */
function profileFile(prefix: string): string | undefined {
  const dir = "build";
  const name = prefix.slice(dir.length + 1);
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.name.startsWith(name) && e.name.endsWith(".json"))
    .map((e) => `${dir}/${e.name}`);
  return files.sort((a, b) => Deno.statSync(b).size - Deno.statSync(a).size)[0];
}

async function printProfile(prefix: string) {
  // ORT writes the file when the session is released
  await new Promise((r) => setTimeout(r, 300));
  const file = profileFile(prefix);
  if (!file) return;
  const events = JSON.parse(await Deno.readTextFile(file)) as {
    cat: string;
    name: string;
    dur: number;
    args: { op_name?: string };
  }[];
  const perNode = new Map<string, number[]>();
  const runs: number[] = [];
  for (const e of events) {
    if (e.cat === "Session" && e.name === "model_run") runs.push(e.dur);
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const key = `${e.args.op_name} ${e.name.slice(0, -12)}`;
    perNode.set(key, [...perNode.get(key) ?? [], e.dur]);
  }
  const nodes = [...perNode].map(([k, ds]) => [k, median(ds)] as const);
  const byOp = new Map<string, [number, number]>();
  for (const [k, us] of nodes) {
    const op = k.split(" ")[0]!;
    const [t, n] = byOp.get(op) ?? [0, 0];
    byOp.set(op, [t + us, n + 1]);
  }
  const total = nodes.reduce((a, [, us]) => a + us, 0);
  console.log(
    `    profile: run ${(median(runs) / 1000).toFixed(3)} ms, kernels ${
      (total / 1000).toFixed(3)
    } ms over ${nodes.length} nodes (per-node medians; profiling slows small kernels)`,
  );
  const ops = [...byOp].sort((a, b) => b[1][0] - a[1][0]).slice(0, 8);
  for (const [op, [us, n]] of ops) {
    console.log(`    ${(us / 1000).toFixed(3).padStart(8)} ms  ${op} (${n})`);
  }
  for (const [k, us] of nodes.sort((a, b) => b[1] - a[1]).slice(0, 6)) {
    console.log(`    ${(us / 1000).toFixed(3).padStart(8)} ms    ${k}`);
  }
}

if (import.meta.main) {
  const settings: Settings = {
    rounds: Number(flag("rounds", "5")),
    steps: Number(flag("steps", "30")),
    threads: Number(flag("threads", "2")),
    profile: Deno.args.includes("--profile"),
  };
  const models = flag("models", MODELS.join(",")).split(",");
  console.log(
    `${settings.threads} threads, ${settings.rounds} alternating blocks of ${settings.steps} steps`,
  );
  console.log("model     optimizer   ours ms   PyTorch ms   ratio   load   (PyTorch figure)");
  for (const model of models) {
    for (const opt of OPTIMIZERS) {
      const r = await measure(model, opt, settings);
      console.log(
        `${model.padEnd(9)} ${opt[0].padEnd(9)} ${r.ours.toFixed(3).padStart(9)} ${
          r.peer.ms.toFixed(3).padStart(11)
        } ${(r.ours / r.peer.ms).toFixed(2).padStart(7)} ${
          r.load.padStart(6)
        }   (${r.peer.source})`,
      );
    }
  }
}
