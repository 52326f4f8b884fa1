/**
 * Making the variants a command asks for from a trained model: fused,
 * quantized (dynamic/static int8, uint8, fp16), pruned (L1 or structured,
 * with an optional fine-tune), in the order fuse -> prune -> quantize, and
 * the set a profile compares.
 *
 * @module
 */
import type { Model, Tensor } from "../onnx/mod.ts";
import type { TrainBatch } from "../train/mod.ts";
import { calibrate, type CalibrationMethod } from "./calibrate.ts";
import { compactNames } from "./compact_names.ts";
import { convertFp16 } from "./convert_fp16.ts";
import { finetune } from "./finetune.ts";
import { fuse } from "./fuse.ts";
import { pruneChannels } from "./prune_channels.ts";
import { pruneL1 } from "./prune_l1.ts";
import type { QType } from "./quant_params.ts";
import { quantizeDynamic } from "./quantize_dynamic.ts";
import { quantizeStatic } from "./quantize_static.ts";
import { planStatic } from "./static_plan.ts";

/** Precisions of `--precision`. */
export const PRECISIONS = ["int8", "uint8", "fp16"] as const;
/** A precision. */
export type Precision = typeof PRECISIONS[number];
/** Quantization modes of `--mode`. */
export const QUANT_MODES = ["dynamic", "static"] as const;
/** A quantization mode. */
export type QuantMode = typeof QUANT_MODES[number];

/** Settings of the variants. */
export interface VariantSettings {
  precision: Precision;
  mode: QuantMode;
  method: CalibrationMethod;
  /** Node names (or "first"/"last") left in float by quantization. */
  exclude: string[];
  amount: number;
  structured: boolean;
  /** L1 pruning over all layers together. */
  global?: boolean;
  finetuneSteps: number;
}

/** Where a variant gets data from, when it needs any. */
export interface VariantData {
  /** Calibration feeds (static quantization). */
  calibration: () => Promise<Record<string, Tensor>[]>;
  /** Training batches (fine-tuning). */
  training: () => AsyncIterable<TrainBatch>;
}

/** A built variant. */
export interface Variant {
  name: string;
  /** The part of archive names that says what was done (`fused_int8_dynamic`). */
  opt: string;
  model: Model;
  notes: string[];
}

/** The `opt` name of quantization with these settings. */
export function quantOpt(s: VariantSettings): string {
  return s.precision === "fp16" ? "fp16" : `${s.precision}_${s.mode}`;
}

/** The `opt` name of pruning with these settings. */
export function pruneOpt(s: VariantSettings): string {
  return `pruned${Math.round(s.amount * 100)}${
    s.structured ? "_structured" : s.global ? "_global" : ""
  }`;
}

/** Fuses; notes say what changed. */
export function fuseVariant(model: Model): { model: Model; notes: string[] } {
  const r = fuse(model);
  const counts = Object.entries(r.applied).map(([k, v]) => `${k} x${v}`).join(", ");
  return { model: r.model, notes: [`fuse: ${counts || "nothing to rewrite"}`] };
}

/** Quantizes with the settings (calibrating on the run's data for static). */
export async function quantizeVariant(
  model: Model,
  s: VariantSettings,
  data: VariantData,
): Promise<{ model: Model; notes: string[] }> {
  if (s.precision === "fp16") return withNotes(convertFp16(model), "fp16");
  const qtype: QType = s.precision === "uint8" ? "uint8" : "int8";
  if (s.mode === "dynamic") {
    return withNotes(
      quantizeDynamic(model, { weightType: qtype, exclude: s.exclude }),
      `dynamic ${qtype}`,
    );
  }
  const options = { weightType: qtype, exclude: s.exclude };
  const plan = planStatic(model, options);
  const samples = await data.calibration();
  const ranges = await calibrate(model, plan.tensors, samples, { method: s.method });
  const n = samples.reduce((a, f) => a + (Object.values(f)[0]?.dims[0] ?? 0), 0);
  const r = withNotes(quantizeStatic(model, ranges, options), `static ${qtype} QDQ`);
  r.notes.push(`calibration: ${s.method} on ${n} training samples, ${plan.tensors.length} tensors`);
  return r;
}

/** Prunes with the settings, then fine-tunes when asked. */
export async function pruneVariant(
  model: Model,
  s: VariantSettings,
  data: VariantData,
): Promise<{ model: Model; notes: string[] }> {
  let out: Model;
  const notes: string[] = [];
  if (s.structured) {
    const r = pruneChannels(model, { amount: s.amount });
    out = r.model;
    notes.push(...r.layers.map((l) => `pruned "${l.node}": ${l.before} -> ${l.after} channels`));
    if (r.reason) notes.push(`left alone: ${r.reason}`);
  } else {
    const r = pruneL1(model, { amount: s.amount, scope: s.global ? "global" : "layer" });
    out = r.model;
    notes.push(
      `L1 unstructured: ${
        (r.report.total.sparsity * 100).toFixed(1)
      }% of ${r.report.total.numel} weights zero`,
    );
    for (const l of r.report.layers) {
      notes.push(`  ${l.node}: ${(l.sparsity * 100).toFixed(1)}% of ${l.numel}`);
    }
  }
  if (s.finetuneSteps > 0) {
    const t = await finetune(out, data.training(), { steps: s.finetuneSteps });
    out = t.model;
    notes.push(
      `fine-tuned ${s.finetuneSteps} steps: loss ${t.losses[0]!.toFixed(4)} -> ${
        t.losses.at(-1)!.toFixed(4)
      }`,
    );
  }
  return { model: out, notes };
}

/**
 * Builds the one variant of a command: fuse -> prune -> quantize, each when asked.
 *
 * @returns The variant, short names applied for shipping.
 */
export async function buildVariant(
  original: Model,
  actions: { fuse?: boolean; prune?: boolean; quantize?: boolean },
  s: VariantSettings,
  data: VariantData,
): Promise<Variant> {
  let model = original;
  const notes: string[] = [];
  const opt: string[] = [];
  const step = (r: { model: Model; notes: string[] }, name: string) => {
    model = r.model;
    notes.push(...r.notes);
    opt.push(name);
  };
  if (actions.fuse) step(fuseVariant(model), "fused");
  if (actions.prune) step(await pruneVariant(model, s, data), pruneOpt(s));
  if (actions.quantize) step(await quantizeVariant(model, s, data), quantOpt(s));
  return { name: opt.join("+"), opt: opt.join("_"), model: ship(model), notes };
}

/** The variants of a profile: original, fused, quantized, fused+quantized, pruned. */
export async function profileVariants(
  original: Model,
  s: VariantSettings,
  data: VariantData,
): Promise<Variant[]> {
  const fused = fuseVariant(original);
  const quantized = await quantizeVariant(original, s, data);
  const fq = await quantizeVariant(fused.model, s, data);
  const pruned = await pruneVariant(fused.model, { ...s, structured: true }, data);
  const q = quantOpt(s);
  return [
    {
      name: "original",
      opt: "original",
      model: original,
      notes: ["the trained model as the run saved it"],
    },
    { name: "fused", opt: "fused", model: ship(fused.model), notes: fused.notes },
    { name: `quantized (${q})`, opt: q, model: ship(quantized.model), notes: quantized.notes },
    {
      name: `fused+quantized (${q})`,
      opt: `fused_${q}`,
      model: ship(fq.model),
      notes: [...fused.notes, ...fq.notes],
    },
    {
      name: `pruned (${Math.round(s.amount * 100)}% structured)`,
      opt: `fused_${pruneOpt({ ...s, structured: true })}`,
      model: ship(pruned.model),
      notes: [...fused.notes, ...pruned.notes],
    },
  ];
}

function withNotes(r: { model: Model; notes: string[]; reason?: string }, what: string) {
  const notes = [`${what}: ${r.notes.length} rewrite(s)`];
  if (r.reason) notes.push(`left in float: ${r.reason}`);
  return { model: r.model, notes };
}

/**
 * What is archived: short value and weight names, no node names, no value
 * infos. In a small quantized transformer the exporter's scoped names are
 * several percent of the file.
 */
function ship(model: Model): Model {
  return compactNames(model, { nodeNames: "drop", initializers: true }).model;
}
