/**
 * Latency of the quantized reference models (mlp, cnn, vit_tiny after two
 * epochs of Adam) in onnxruntime-node: fp32 (fused), dynamic int8 and static
 * int8 QDQ, measured interleaved in the same run, beside PyTorch's dynamic
 * quantization of the same architectures (`torch_peer.py latency … --int8`,
 * measured now when python3-torch is installed, else baseline.json's figure,
 * said so).
 *
 * `deno task bench optimize [--batch 64] [--iterations 2000]`
 *
 * @module
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { loadModel, type Model, modelToBytes, tensor } from "../lib/onnx/mod.ts";
import {
  calibrate,
  compactNames,
  fuse,
  measureLatency,
  planStatic,
  quantizeDynamic,
  quantizeStatic,
} from "../lib/optimize/mod.ts";
import { sharedPath } from "../tests/_shared.ts";
import { median, type PeerFigure, peerFigure } from "./_peer.ts";

const MODELS = ["mlp", "cnn", "vit_tiny"];

async function digits(model: string, n: number, offset = 0) {
  const all = new Float32Array(
    (await Deno.readFile(sharedPath("data/models/difftrain/batches.x.f32.bin"))).buffer,
  );
  const dims = model === "mlp" ? [n, 784] : [n, 1, 28, 28];
  return tensor("float32", dims, all.slice(offset * 784, (offset + n) * 784));
}

async function variants(name: string): Promise<Record<string, Model>> {
  const fp32 =
    fuse(await loadModel(sharedPath(`data/models/mnist/${name}.adam2ep.eval.onnx`))).model;
  const dynamic = quantizeDynamic(fp32).model;
  const plan = planStatic(fp32, { exclude: ["first"] });
  const samples = [];
  for (let b = 0; b < 4; b++) samples.push({ input: await digits(name, 64, 64 * b) });
  const ranges = await calibrate(fp32, plan.tensors, samples);
  const stat = quantizeStatic(fp32, ranges, { exclude: ["first"] }).model;
  return {
    fp32,
    int8_dynamic: compactNames(dynamic).model,
    int8_static: compactNames(stat).model,
  };
}

/**
 * The median of three PyTorch measurements: on a loaded 2-core machine one
 * run of PyTorch's two OpenMP threads can be 100x slower than the next.
 */
async function peer(args: string[], key: string[]): Promise<PeerFigure> {
  const first = await peerFigure(args, key);
  if (first.source !== "measured") return first;
  const all = [first, await peerFigure(args, key), await peerFigure(args, key)];
  return { ms: median(all.map((p) => p.ms)), source: "measured" };
}

function f(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : "-";
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { batch: { type: "string" }, iterations: { type: "string" } },
  });
  const batch = Number(values.batch ?? 1);
  const iterations = Number(values.iterations ?? (batch === 1 ? 2000 : 200));
  const threads = batch === 1 ? 1 : navigator.hardwareConcurrency;
  console.log(
    `batch ${batch}, ${iterations} runs per variant in 10 interleaved rounds, ${threads} thread(s); ` +
      `load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`,
  );
  const rows: string[][] = [[
    "model",
    "ORT fp32",
    "ORT int8 dyn",
    "ORT int8 static",
    "dyn speed-up",
    "static speed-up",
    "PyTorch fp32",
    "PyTorch int8 dyn",
    "ORT dyn / PyTorch dyn",
    "source",
  ]];
  for (const name of MODELS) {
    const v = await variants(name);
    const bytes = Object.fromEntries(Object.entries(v).map(([k, m]) => [k, modelToBytes(m)]));
    const lat = await measureLatency(bytes, { input: await digits(name, batch) }, {
      iterations,
      rounds: 10,
      warmup: 50,
      threads,
    });
    const torchDyn = await peer(
      ["latency", name, "--batch", String(batch), "--int8"],
      ["dynamic_int8_quant", `${name}/int8_dyn_onednn/b${batch}`],
    );
    const torchFp32 = await peer(
      ["latency", name, "--batch", String(batch)],
      ["dynamic_int8_quant", `${name}/fp32/b${batch}`],
    );
    const p = (k: string) => lat[k]!.p50;
    rows.push([
      name,
      f(p("fp32")),
      f(p("int8_dynamic")),
      f(p("int8_static")),
      `${f(p("fp32") / p("int8_dynamic"), 2)}x`,
      `${f(p("fp32") / p("int8_static"), 2)}x`,
      f(torchFp32.ms),
      f(torchDyn.ms),
      f(p("int8_dynamic") / torchDyn.ms, 2),
      torchDyn.source === "measured"
        ? "PyTorch measured now (median of 3, 2 threads)"
        : `PyTorch from ${torchDyn.source} (python3-torch not installed)`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("median ms per call");
  for (const r of rows) {
    console.log(
      r.map((c, i) => (i === 0 || i === 9 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(
        "  ",
      ),
    );
  }
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}
