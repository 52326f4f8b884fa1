/**
 * Forward + backward (gradients of every parameter, mean cross-entropy) of
 * the reference models at batch 64 in onnxruntime-node, 2 threads, beside
 * the forward alone and beside PyTorch's whole SGD step measured in the same
 * run (`../shared/bench/torch_peer.py train-step`; baseline.json when PyTorch
 * is absent, said so). The training graph runs at graph optimization levels
 * `all` and `extended` (without NCHWc layouts, which only reorder tensors
 * around the pools when weights are inputs); the ratio takes the better.
 *
 * `deno run -A bench/autodiff.ts [models…] [--profile]` — `--profile` prints
 * where the training graph spends its time, by op type, from ORT's profiler.
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import {
  isFloatDType,
  loadModel,
  type Model,
  Session,
  tensor,
  toOrtTensor,
} from "../lib/onnx/mod.ts";
import { appendLoss, buildGradients } from "../lib/autodiff/mod.ts";
import { sharedPath } from "../tests/_shared.ts";

const BATCH = 64;
const THREADS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeRuns(
  s: Session,
  feeds: Record<string, ort.Tensor>,
  runs: number,
): Promise<number> {
  for (let i = 0; i < 10; i++) await s.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function batchFeeds(name: string): { input: ort.Tensor; labels: ort.Tensor } {
  const xs = new Float32Array(
    Deno.readFileSync(sharedPath("data/models/difftrain/batches.x.f32.bin")).buffer,
  );
  const ys = new BigInt64Array(
    Deno.readFileSync(sharedPath("data/models/difftrain/batches.y.i64.bin")).buffer,
  );
  const dims = name === "mlp" ? [BATCH, 784] : [BATCH, 1, 28, 28];
  return {
    input: toOrtTensor(tensor("float32", dims, xs.slice(0, BATCH * 784))),
    labels: toOrtTensor(tensor("int64", [BATCH], ys.slice(0, BATCH))),
  };
}

function trainingModel(forward: Model): { model: Model; params: string[]; stats: string[] } {
  const params = [...forward.graph.initializers].filter(([k, t]) =>
    isFloatDType(t.dtype) && !k.includes("running_")
  )
    .map(([k]) => k);
  const withLoss = appendLoss(forward, { kind: "cross_entropy" }).model;
  const r = buildGradients(withLoss, { loss: "loss", wrt: params, retainOutputs: [] });
  return { model: r.model, params, stats: [...r.updates.keys()] };
}

function torchPeer(name: string): { ms: number; source: string } {
  try {
    const out = new Deno.Command("/usr/bin/python3", {
      args: [sharedPath("bench/torch_peer.py"), "train-step", name, "--optimizer", "sgd"],
      env: {
        GLIBC_TUNABLES:
          "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296",
      },
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    if (out.code === 0) {
      return {
        ms: JSON.parse(new TextDecoder().decode(out.stdout)).median_ms,
        source: "PyTorch, this run",
      };
    }
  } catch {
    // fall through to the stored figure
  }
  const base = JSON.parse(Deno.readTextFileSync(sharedPath("data/models/baseline.json")));
  return {
    ms: base.train_step_ms_batch64[`${name}/sgd_m0.9_lr0.05`],
    source: "baseline.json (PyTorch absent)",
  };
}

/** Total time per op type (or per node with `byNode`) from an ORT profile, largest first. */
function profileByOp(path: string, runs: number, byNode = false): [string, number][] {
  const events = JSON.parse(Deno.readTextFileSync(path)) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  const byOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const op = byNode
      ? `${e.args?.op_name} ${e.name.replace(/_kernel_time$/, "")}`
      : e.args?.op_name ?? "?";
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur / 1000 / runs);
  }
  return [...byOp].sort((a, b) => b[1] - a[1]);
}

async function benchModel(name: string, profile: boolean): Promise<void> {
  const forward = await loadModel(sharedPath(`data/models/mnist/${name}.train.onnx`));
  const feeds = batchFeeds(name);
  const { model, params, stats } = trainingModel(forward);
  const trainFeeds: Record<string, ort.Tensor> = { ...feeds };
  for (const p of [...params, ...stats]) {
    trainFeeds[p] = toOrtTensor(forward.graph.initializers.get(p)!);
  }
  // one session alive at a time: idle ORT thread pools spin and skew the others
  const fwdMs = await timed(forward, { input: feeds.input }, "all");
  const allMs = await timed(model, trainFeeds, "all");
  const extMs = await timed(model, trainFeeds, "extended");
  const peer = torchPeer(name);
  const best = Math.min(allMs, extMs);
  console.log(
    `${name.padEnd(9)} forward ${fmt(fwdMs)} ms | forward+backward ${fmt(allMs)} ms (level all), ${
      fmt(extMs)
    } ms (extended), ${(best / fwdMs).toFixed(1)}x forward | PyTorch SGD step ${
      fmt(peer.ms)
    } ms [${peer.source}] | ratio ${(best / peer.ms).toFixed(2)}`,
  );
  if (profile) await printProfile(name, model, trainFeeds);
}

function fmt(ms: number): string {
  return ms.toFixed(2).padStart(6);
}

async function timed(
  model: Model,
  feeds: Record<string, ort.Tensor>,
  level: "all" | "extended",
): Promise<number> {
  const s = await Session.create(model, { intraOpThreads: THREADS, graphOptimizationLevel: level });
  try {
    return await timeRuns(s, feeds, 50);
  } finally {
    await s.release();
  }
}

async function printProfile(
  name: string,
  model: Model,
  feeds: Record<string, ort.Tensor>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const s = await Session.create(model, {
    intraOpThreads: THREADS,
    graphOptimizationLevel: "extended",
    enableProfiling: true,
    profileFilePrefix: `${dir}/profile`,
  });
  const runs = 20;
  for (let i = 0; i < runs; i++) await s.run(feeds);
  const path = s.endProfiling()!;
  await s.release();
  const rows = profileByOp(path, runs);
  const total = rows.reduce((a, [, t]) => a + t, 0);
  console.log(
    `  ${name} kernel time by op, level extended (ms per step, total ${total.toFixed(2)}):`,
  );
  for (const [op, t] of rows.slice(0, 12)) console.log(`    ${op.padEnd(22)} ${t.toFixed(3)}`);
  console.log(`  ${name} slowest nodes:`);
  for (const [node, t] of profileByOp(path, runs, true).slice(0, 8)) {
    console.log(`    ${t.toFixed(3)}  ${node}`);
  }
  await Deno.remove(dir, { recursive: true });
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { profile: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  const names = positionals.length > 0 ? positionals : ["mlp", "cnn"];
  console.log(
    `batch ${BATCH}, ${THREADS} threads, medians of 50 runs; onnxruntime-node ${ort.env.versions.common}`,
  );
  for (const name of names) await benchModel(name, values.profile!);
}
