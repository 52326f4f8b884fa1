/**
 * ONNX layer figures, each beside a baseline measured in the same run:
 * - load/save throughput (MB/s) of a ~100 MB model vs raw file read/write of
 *   the same bytes and onnxruntime-node's own session creation from the file;
 * - ORT inference latency (median ms) of the reference MNIST models at batch 1
 *   and 64 through `Session` (which checks feeds) vs bare onnxruntime-node;
 * - ORT inference latency of the lib/nn zoo's eval graphs at batch 1 and 64 vs
 *   PyTorch's export of the same architecture in ORT, and PyTorch eager
 *   (`shared/bench/torch_peer.py` in the same run when /usr/bin/python3 has
 *   torch, else `baseline.json`, marked so).
 *
 * Run: `deno run -A bench/onnx.ts` (or `deno task bench onnx`).
 *
 * @module
 */

import { sharedPath } from "../tests/_shared.ts";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { buildModel, modelInputDims, type ModelSpec } from "../lib/nn/mod.ts";
import {
  GraphBuilder,
  loadModel,
  modelFromBytes,
  modelToBytes,
  ops,
  saveModel,
  Session,
  tensor,
} from "../lib/onnx/mod.ts";

const MNIST = new URL(`file://${sharedPath("data", "models", "mnist")}/`);
const MODELS = ["mlp", "cnn", "cnn_bn", "vit_tiny"];
const THREADS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function time(fn: () => unknown, repeats: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** An MLP of six 2048×2048 layers: about 100 MB of float32 weights. */
function bigModel() {
  const g = new GraphBuilder({ name: "bench_mlp" });
  let h = g.input("x", { dtype: "float32", dims: ["N", 2048] });
  for (let i = 0; i < 6; i++) {
    const data = new Float32Array(2048 * 2048);
    for (let k = 0; k < data.length; k++) data[k] = ((k * 2654435761) % 1000) / 1e5 - 0.005;
    const w = g.initializer(`w${i}`, tensor("float32", [2048, 2048], data));
    const b = g.initializer(`b${i}`, tensor("float32", [2048]));
    h = ops.relu(g, ops.gemm(g, h, w, b));
  }
  g.output(h, "y");
  return g.build();
}

async function ioBench(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "onnx_bench_" });
  try {
    const model = bigModel();
    const file = path.join(dir, "big.onnx");
    const raw = path.join(dir, "raw.bin");
    const bytes = modelToBytes(model);
    const mb = bytes.byteLength / 1e6;
    const rows: [string, number, string][] = [];
    const add = (what: string, ms: number, baseline: string) => rows.push([what, ms, baseline]);
    add("saveModel (ours)", await time(() => saveModel(model, file), 5), "");
    add("Deno.writeFile (raw bytes)", await time(() => Deno.writeFile(raw, bytes), 5), "baseline");
    add("modelToBytes (ours, in memory)", await time(() => modelToBytes(model), 5), "");
    add("loadModel (ours)", await time(() => loadModel(file), 5), "");
    add("Deno.readFile (raw bytes)", await time(() => Deno.readFile(file), 5), "baseline");
    add("modelFromBytes (ours, in memory)", await time(() => modelFromBytes(bytes), 5), "");
    add(
      "ort.InferenceSession.create(path)",
      await time(async () => {
        const s = await ort.InferenceSession.create(file, {
          logSeverityLevel: 3,
          graphOptimizationLevel: "disabled",
        });
        await s.release();
      }, 5),
      "baseline",
    );
    console.log(`\nModel IO: ${mb.toFixed(1)} MB model, median of 5`);
    console.log("| operation | ms | MB/s | |\n|---|---:|---:|---|");
    for (const [what, ms, note] of rows) {
      console.log(`| ${what} | ${ms.toFixed(1)} | ${(mb / (ms / 1000)).toFixed(0)} | ${note} |`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Median ms per run of `run` after a warm-up. */
async function latency(run: () => Promise<unknown>, repeats: number): Promise<number> {
  for (let i = 0; i < 10; i++) await run();
  return await time(run, repeats);
}

async function latencyBench(): Promise<void> {
  console.log(
    `\nORT inference latency, median ms (${THREADS} intra-op threads, optimization "all")`,
  );
  console.log(
    "| model | batch | Session.run (ours) | bare ort run | ratio |\n|---|---:|---:|---:|---:|",
  );
  for (const name of MODELS) {
    const file = new URL(`${name}.eval.onnx`, MNIST).pathname;
    for (const batch of [1, 64]) {
      const repeats = batch === 1 ? 300 : 60;
      // One session at a time, so idle ORT threads of the other do not compete.
      const ours = await Session.create(file, {
        intraOpThreads: THREADS,
        graphOptimizationLevel: "all",
      });
      const input = ours.inputs[0]!;
      const dims = input.dims!.map((d) => (typeof d === "number" ? d : batch));
      const n = dims.reduce((a, b) => a * b, 1);
      const x = tensor(
        "float32",
        dims,
        Float32Array.from({ length: n }, (_, i) => (i % 255) / 255),
      );
      let a: number;
      try {
        a = await latency(() => ours.run({ [input.name]: x }), repeats);
      } finally {
        await ours.release();
      }
      const bare = await ort.InferenceSession.create(file, {
        intraOpNumThreads: THREADS,
        graphOptimizationLevel: "all",
        logSeverityLevel: 3,
      });
      let b: number;
      try {
        const feed = { [input.name]: new ort.Tensor("float32", x.data, dims) };
        b = await latency(() => bare.run(feed), repeats);
      } finally {
        await bare.release();
      }
      console.log(
        `| ${name} | ${batch} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)} |`,
      );
    }
  }
}

/**
 * Median ms of `Session.run` for each source at `dims`, measured in
 * alternating blocks so that drift of a shared machine hits all alike.
 */
async function blockLatency(
  sources: Parameters<typeof Session.create>[0][],
  dims: number[],
  repeats: number,
): Promise<number[]> {
  const n = dims.reduce((a, b) => a * b, 1);
  const x = tensor("float32", dims, Float32Array.from({ length: n }, (_, i) => (i % 255) / 255));
  const sessions: Session[] = [];
  try {
    for (const src of sources) {
      sessions.push(
        await Session.create(src, { intraOpThreads: THREADS, graphOptimizationLevel: "all" }),
      );
    }
    const samples = sessions.map(() => [] as number[]);
    const blocks = 12;
    for (let b = 0; b < blocks; b++) {
      for (const [i, s] of sessions.entries()) {
        for (let w = 0; w < (b === 0 ? 3 : 1); w++) await s.run({ input: x });
        for (let r = 0; r < Math.ceil(repeats / blocks); r++) {
          const t0 = performance.now();
          await s.run({ input: x });
          samples[i]!.push(performance.now() - t0);
        }
      }
    }
    return samples.map(median);
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** PyTorch eager latency from torch_peer.py, or baseline.json when torch is absent. */
async function torchLatency(model: string, batch: number): Promise<string> {
  const peer = new URL("../../../bench/torch_peer.py", MNIST).pathname;
  try {
    const { code, stdout } = await new Deno.Command("/usr/bin/python3", {
      args: [peer, "latency", model, "--batch", String(batch), "--threads", String(THREADS)],
      env: {
        GLIBC_TUNABLES:
          "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296",
      },
      stdout: "piped",
      stderr: "null",
    }).output();
    if (code === 0) return JSON.parse(new TextDecoder().decode(stdout)).median_ms.toFixed(3);
  } catch {
    // No Python with torch here: fall back to the recorded figure.
  }
  const base = JSON.parse(await Deno.readTextFile(new URL("../baseline.json", MNIST)));
  const ms = base.eval_latency_ms?.[`${model}/b${batch}`];
  return ms === undefined ? "–" : `${ms} (baseline.json)`;
}

async function zooBench(): Promise<void> {
  console.log(
    `\nZoo eval graphs (lib/nn), ORT latency, median ms (${THREADS} threads, optimization "all")`,
  );
  console.log(
    "| model | batch | zoo graph (ours) | PyTorch export in ORT | ratio | PyTorch eager |\n" +
      "|---|---:|---:|---:|---:|---:|",
  );
  const refs: [string, ModelSpec][] = [
    ["mlp", { name: "mlp" }],
    ["cnn", { name: "cnn" }],
    ["cnn_bn", { name: "cnn_bn" }],
    ["vit_tiny", { name: "vit" }],
  ];
  for (const [file, spec] of refs) {
    const model = buildModel(spec, { training: false });
    for (const batch of [1, 64]) {
      const dims = [batch, ...modelInputDims(spec)];
      const repeats = batch === 1 ? 300 : 60;
      const [ours, ref] = await blockLatency(
        [model, new URL(`${file}.eval.onnx`, MNIST).pathname],
        dims,
        repeats,
      ) as [number, number];
      const eager = await torchLatency(file, batch);
      console.log(
        `| ${file} | ${batch} | ${ours.toFixed(3)} | ${ref.toFixed(3)} | ${
          (ours / ref).toFixed(2)
        } | ${eager} |`,
      );
    }
  }
  const others: [string, ModelSpec, string | undefined][] = [
    ["resnet18 3×224×224", { name: "resnet" }, "resnet18/b1"],
    ["resnet as conf/model/resnet.yaml, 1×28×28", {
      name: "resnet",
      input_shape: [1, 28, 28],
      stem_channels: 16,
      stage_channels: [16, 32, 64],
      blocks_per_stage: [1, 1, 1],
      num_classes: 10,
    }, undefined],
  ];
  const base = JSON.parse(await Deno.readTextFile(new URL("../baseline.json", MNIST)));
  for (const [label, spec, key] of others) {
    const model = buildModel(spec, { training: false });
    for (const batch of [1, 64]) {
      const dims = [batch, ...modelInputDims(spec)];
      const [ms] = await blockLatency([model], dims, batch === 1 ? 60 : 12) as [number];
      const eager = key && batch === 1
        ? `${base.torchvision_eval_latency_ms_batch1[key]} (baseline.json)`
        : "–";
      console.log(`| ${label} | ${batch} | ${ms.toFixed(3)} | – | – | ${eager} |`);
    }
  }
}

if (import.meta.main) {
  await ioBench();
  await latencyBench();
  await zooBench();
}
