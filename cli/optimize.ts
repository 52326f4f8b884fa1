/**
 * `deno task optimize --profile|--fuse|--quantize|--prune <run_dir> [...]`:
 * optimizes a trained run's model and writes a model archive into the store.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runMain } from "./_main.ts";
import { formatProfileTable, optimizeRun, type OptimizeRunOptions } from "../lib/optimize/mod.ts";

const HELP = `Usage: deno task optimize --profile|--fuse|--quantize|--prune <run_dir> [options]

Optimizes the model of a training run (results/<model>/<experiment>/<run>_<timestamp>/),
measures it beside the original (size, batch-1 latency, test accuracy) and writes
<model>_<experiment>_<run>_<opt>.mar into the model store, as the next version of
the served model <model>_<opt>. Actions combine in the order fuse, prune, quantize.

Actions:
  --profile                 compare original, fused, quantized, fused+quantized and
                            pruned; print the table, save optimize_profile.{json,md}
                            in the run directory, archive the fastest variant within
                            one accuracy point of the original
  --fuse                    constant folding, Identity/Dropout removal, BatchNorm into
                            Conv/Gemm, MatMul+Add -> Gemm, Transpose/Reshape chains
  --quantize                8-bit or float16 (see --precision, --mode)
  --prune                   L1 pruning (see --amount, --structured)

Options:
  --checkpoint N            checkpoint index (default: the best by test accuracy)
  --precision P             int8 (default), uint8 or fp16
  --mode M                  dynamic (default: Gemm/MatMul weights, activations at run
                            time) or static (QDQ, calibrated on the run's train split)
  --calibration-samples N   training samples for static calibration (default 256)
  --method M                calibration: minmax (default), percentile or entropy
  --exclude LIST            nodes kept in float, comma-separated names or first/last
                            (default for static: first; "none" quantizes all)
  --amount F                fraction to prune, in [0, 1) (default 0.3)
  --structured              remove whole channels (smaller and faster) instead of
                            zeroing single weights
  --global                  unstructured: rank all layers' weights together
                            (default: the amount of each layer)
  --finetune-steps N        fine-tune the pruned model for N steps (default 0)
  --iterations N            timed batch-1 runs per variant (default 100)
  --out DIR                 model store (default model_store)
  --ort-optimized           also save ONNX Runtime's optimized graph beside the
                            archive (<archive>.ort.onnx, for the same hardware)
  --help                    this text

Examples:
  deno task optimize --profile results/cnn/default/run_2026-01-01_10-00-00
  deno task optimize --quantize --mode static --method entropy results/cnn/default/run_…
  deno task optimize --fuse --quantize --precision fp16 --checkpoint 3 results/vit/default/run_…
  deno task optimize --prune --structured --amount 0.3 --finetune-steps 200 results/cnn/default/run_…
`;

function integer(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new RangeError(`Invalid --${name} "${v}": expected an integer`);
  return Number(v);
}

function fraction(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) {
    throw new RangeError(`Invalid --${name} "${v}": expected a number`);
  }
  return n;
}

/** Parses the flags into `optimizeRun` options and the run directory. */
export function parseOptimizeArgs(
  args: string[],
): { help: true } | { runDir: string; options: OptimizeRunOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        profile: { type: "boolean" },
        fuse: { type: "boolean" },
        quantize: { type: "boolean" },
        prune: { type: "boolean" },
        checkpoint: { type: "string" },
        precision: { type: "string" },
        mode: { type: "string" },
        "calibration-samples": { type: "string" },
        method: { type: "string" },
        exclude: { type: "string" },
        amount: { type: "string" },
        structured: { type: "boolean" },
        global: { type: "boolean" },
        "finetune-steps": { type: "string" },
        iterations: { type: "string" },
        out: { type: "string" },
        "ort-optimized": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    const first = (err as Error).message.split("\n")[0]!.replace(/\.$/, "");
    throw new TypeError(`${first}: see deno task optimize --help`, { cause: err });
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  if (parsed.positionals.length !== 1) {
    throw new TypeError(
      `Expected one run directory, got ${parsed.positionals.length}${
        parsed.positionals.length ? ` (${parsed.positionals.map((p) => `"${p}"`).join(", ")})` : ""
      }: see deno task optimize --help`,
    );
  }
  const exclude = v.exclude === undefined
    ? undefined
    : v.exclude === "none"
    ? []
    : v.exclude.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return {
    runDir: parsed.positionals[0]!,
    options: {
      profile: v.profile,
      fuse: v.fuse,
      quantize: v.quantize,
      prune: v.prune,
      checkpoint: integer(v.checkpoint, "checkpoint"),
      precision: v.precision,
      mode: v.mode,
      calibrationSamples: integer(v["calibration-samples"], "calibration-samples"),
      method: v.method,
      exclude,
      amount: fraction(v.amount, "amount"),
      structured: v.structured,
      global: v.global,
      finetuneSteps: integer(v["finetune-steps"], "finetune-steps"),
      iterations: integer(v.iterations, "iterations"),
      out: v.out,
      ortOptimized: v["ort-optimized"],
    },
  };
}

/** Runs the optimize CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseOptimizeArgs(args);
  if ("help" in parsed) {
    console.log(HELP);
    return 0;
  }
  const r = await optimizeRun(parsed.runDir, { ...parsed.options, log: (l) => console.error(l) });
  console.log(formatProfileTable(r.variants));
  for (const v of r.variants.slice(1)) {
    console.log(`\n${v.name}:`);
    for (const n of v.notes ?? []) console.log(`  ${n}`);
    const ops = (v.topOperators ?? []).map((o) =>
      `${o.opType} ${o.us.toFixed(1)}µs (${(o.share * 100).toFixed(0)}%)`
    );
    if (ops.length) console.log(`  top operators: ${ops.join(", ")}`);
  }
  if (r.profileFiles) {
    console.log(`\nProfile saved: ${r.profileFiles.md} and ${r.profileFiles.json}`);
  }
  if (r.ortOptimizedPath) console.log(`ONNX Runtime's optimized graph: ${r.ortOptimizedPath}`);
  console.log(
    `Archive: ${r.archive.path} (model "${r.archive.modelName}" version ${r.archive.modelVersion}, ${r.archive.variant})`,
  );
  return 0;
}

if (import.meta.main) {
  await runMain(main);
}
