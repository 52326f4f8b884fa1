/**
 * Samples/s of the full training loop (`runExperiment`: loader with the
 * default augmentation in a worker, schedule, logging, evaluation and
 * checkpoints) beside the bare fused train step on one prepared batch (same
 * model, batch 64, threads), and beside PyTorch's train step for the same
 * model and batch (`shared/bench/torch_peer.py` in the same run when
 * python3-torch is installed, else the stored figure, said so).
 *
 * Data pipeline overhead (target ≤ 10%), two ways: inside the loop, the time
 * of the epoch loops outside the train steps over the time in them (the same
 * run, so machine noise cancels); and the loop's samples/s against the bare
 * step's, measured in alternating pairs (median of three pairs).
 *
 * `deno task bench train [cnn|vit …]`
 *
 * @module
 */
import { composeForCli } from "../lib/config/mod.ts";
import { tensor } from "../lib/onnx/mod.ts";
import {
  buildForward,
  generateArtifacts,
  readSettings,
  runExperiment,
  TrainSession,
} from "../lib/train/mod.ts";
import { median, peerFigure } from "./_peer.ts";

const CONF = new URL("../conf", import.meta.url).pathname;
const MODELS: Record<string, string> = { cnn: "cnn", vit: "vit_tiny" };
const EPOCHS = 2;
/** Loop and bare-step pairs per model. */
const REPEATS = 3;

function nullStream() {
  return { writeSync: (p: Uint8Array) => p.length, isTerminal: () => false };
}

/** The full loop: one iteration of EPOCHS epochs of the default experiment for `model`. */
async function loop(model: string, cwd: string) {
  const plan = composeForCli(
    [`model=${model}`, "trainer.training_iters=1", `trainer.epochs_per_iteration=${EPOCHS}`],
    { defaultConfigDir: CONF, jobName: "train", cwd },
  );
  if (plan.kind !== "run") throw new Error("expected a run");
  const job = plan.jobs[0]!;
  const r = await runExperiment(job.config, job.runDir, {
    stream: nullStream(),
    env: () => undefined,
  });
  const t = r.results.timings as Record<string, number>;
  const p = r.results.progress as Record<string, number>;
  return {
    config: job.config.job().toObject(),
    trainRate: p.samples / t.train_s,
    stepRate: p.samples / t.step_s,
    inLoop: t.pipeline_overhead,
    wallRate: p.samples / t.wall_s,
    steps: p.steps,
  };
}

/** The bare fused step of the same model on one prepared batch of 64. */
async function bare(config: Record<string, unknown>, steps: number) {
  const s = readSettings(config);
  const artifacts = generateArtifacts(await buildForward(s), {
    optimizer: s.optimizer,
    loss: { kind: s.loss.kind },
  });
  const session = await TrainSession.create(artifacts, { threads: s.trainer.threads });
  const b = 64;
  const x = new Float32Array(b * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 255) / 255 - 0.4;
  const batch = {
    x: tensor("float32", [b, 1, 28, 28], x),
    y: tensor("int64", [b], BigInt64Array.from({ length: b }, (_, i) => BigInt(i % 10))),
  };
  const times: number[] = [];
  try {
    for (let i = 0; i < steps + 10; i++) {
      const t = performance.now();
      await session.trainStep(batch, { lr: s.lr });
      if (i >= 10) times.push(performance.now() - t);
    }
  } finally {
    await session.release();
  }
  const total = times.reduce((a, v) => a + v, 0);
  return { rate: (b * times.length) / (total / 1000), medianMs: median(times) };
}

if (import.meta.main) {
  const names = Deno.args.length > 0 ? Deno.args : Object.keys(MODELS);
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0];
  console.log(`load average at start: ${load} (${navigator.hardwareConcurrency} cores)`);
  console.log(
    "samples/s: loop = epoch loops, in steps = inside the loop's train steps, wall = whole run " +
      `(medians of ${REPEATS} loop / bare pairs)`,
  );
  console.log(
    "model   loop  in steps   wall   bare  overhead in loop / vs bare  PyTorch  loop/PyTorch  (PyTorch figure)",
  );
  const cwd = await Deno.makeTempDir({ prefix: "lifecycle_bench_train_" });
  try {
    for (const name of names) {
      // Bare step and loop alternate: the figures are medians of REPEATS pairs, and the
      // overhead against the bare step is the median of the per-pair ratios, so that a
      // slow spell of a shared machine hits both sides of a pair.
      const pairs: { l: Awaited<ReturnType<typeof loop>>; b: { rate: number } }[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const l = await loop(name, cwd);
        const b = await bare(l.config, Math.min(l.steps, 200));
        pairs.push({ l, b });
      }
      const mid = (f: (p: (typeof pairs)[number]) => number) => median(pairs.map(f));
      const peer = await peerFigure(
        ["train-step", MODELS[name]!, "--optimizer", "adam", "--batch", "64"],
        ["train_step_ms_batch64", `${MODELS[name]}/adam_lr1e-3`],
      );
      const peerRate = (64 * 1000) / peer.ms;
      const trainRate = mid((p) => p.l.trainRate);
      const overhead = mid((p) => p.b.rate / p.l.trainRate - 1);
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const n = (x: number, w: number) => x.toFixed(0).padStart(w);
      console.log(
        `${name.padEnd(5)} ${n(trainRate, 6)} ${n(mid((p) => p.l.stepRate), 9)} ${
          n(mid((p) => p.l.wallRate), 6)
        } ${n(mid((p) => p.b.rate), 6)}  ${pct(mid((p) => p.l.inLoop)).padStart(16)} / ${
          pct(overhead).padEnd(7)
        }  ${n(peerRate, 7)}  ${(trainRate / peerRate).toFixed(2).padStart(12)}  (${peer.source})`,
      );
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
  const end = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0];
  console.log(`load average at end: ${end}`);
}
