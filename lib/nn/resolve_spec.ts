/**
 * `resolveModelSpec`: checks a zoo spec's keys and fills in defaults.
 *
 * @module
 */

import { ACTIVATIONS } from "./activation.ts";
import {
  MODEL_NAMES,
  type ModelSpec,
  type ResolvedModelSpec,
  type ResolvedResNet,
} from "./spec.ts";

type Kind = "int" | "ints" | "number" | "prob" | "bool" | "string" | readonly (string | number)[];

const COMMON: Record<string, Kind> = {
  input_shape: "ints",
  num_classes: "int",
  dropout: "prob",
  variant: "string",
};
const IMAGE: Record<string, Kind> = { in_channels: "int", image_size: "int" };

const KEYS: Record<string, Record<string, Kind>> = {
  mlp: { ...COMMON, hidden: "ints", activation: ACTIVATIONS },
  cnn: {
    ...COMMON,
    ...IMAGE,
    channels: "ints",
    kernel_size: "int",
    pool: "int",
    hidden: "int",
    batch_norm: "bool",
  },
  resnet: {
    ...COMMON,
    ...IMAGE,
    stem: ["auto", "imagenet", "small"],
    stem_channels: "int",
    stage_channels: "ints",
    blocks_per_stage: "ints",
    depth: [18, 34],
    width_multiplier: "number",
  },
  vit: {
    ...COMMON,
    ...IMAGE,
    patch_size: "int",
    hidden_dim: "int",
    num_layers: "int",
    num_heads: "int",
    mlp_dim: "int",
    attention_dropout: "prob",
  },
};

/**
 * Checks a spec's keys and fills in defaults. Keys starting with `_` (such as
 * Hydra's `_target_`) are ignored; any other unknown key fails, so a misspelt
 * key in a config file is caught.
 *
 * @param spec The spec.
 * @returns The resolved spec (`cnn_bn` becomes `cnn` with `batch_norm: true`).
 * @throws {TypeError} For a spec that is not an object, or a key of the wrong kind.
 * @throws {RangeError} For an unknown name or key, or a value out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = resolveModelSpec({ name: "cnn_bn" });
 * assert.equal(s.name, "cnn");
 * assert.equal(s.name === "cnn" && s.batch_norm, true);
 * assert.throws(() => resolveModelSpec({ name: "mlp", hiden: [3] } as never), /"hiden"/);
 * ```
 */
export function resolveModelSpec(spec: ModelSpec): ResolvedModelSpec {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`Invalid model spec: expected an object with a "name", got ${show(spec)}`);
  }
  const name = spec.name as string;
  if (!MODEL_NAMES.includes(name)) {
    throw new RangeError(
      `Unknown model "${name}": expected "name" to be one of ${MODEL_NAMES.join(", ")}`,
    );
  }
  const keys = KEYS[name === "cnn_bn" ? "cnn" : name]!;
  const s: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(spec)) {
    if (key === "name" || key.startsWith("_") || v === null || v === undefined) continue;
    const kind = keys[key];
    if (!kind) {
      throw new RangeError(
        `Unknown key "${key}" in model spec "${name}": expected ${Object.keys(keys).join(", ")}`,
      );
    }
    s[key] = check(name, key, kind, v);
  }
  const at = <T>(key: string, fallback: T): T => (s[key] ?? fallback) as T;
  const common = { num_classes: at("num_classes", 10), dropout: at("dropout", 0) };
  switch (name) {
    case "mlp":
      return {
        name,
        input_shape: at("input_shape", [784]),
        hidden: at("hidden", [256, 128]),
        activation: at("activation", "relu"),
        ...common,
      };
    case "cnn":
    case "cnn_bn":
      return {
        name: "cnn",
        input_shape: imageShape(name, s, [1, 28, 28]),
        channels: at("channels", [32, 64]),
        kernel_size: at("kernel_size", 3),
        pool: at("pool", 2),
        hidden: at("hidden", 128),
        batch_norm: at("batch_norm", name === "cnn_bn"),
        ...common,
      };
    case "resnet":
      return resolveResNet(s, imageShape(name, s, [3, 224, 224]));
    default:
      return {
        name: "vit",
        input_shape: imageShape(name, s, [1, 28, 28]),
        patch_size: at("patch_size", 7),
        hidden_dim: at("hidden_dim", 64),
        num_layers: at("num_layers", 4),
        num_heads: at("num_heads", 4),
        mlp_dim: at("mlp_dim", 128),
        attention_dropout: at("attention_dropout", 0),
        ...common,
      };
  }
}

const DEPTHS: Record<number, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };

function resolveResNet(
  s: Record<string, unknown>,
  input: [number, number, number],
): ResolvedResNet {
  const depth = s.depth as number | undefined;
  const given = s.blocks_per_stage as number[] | undefined;
  if (depth !== undefined && given && given.join() !== DEPTHS[depth]!.join()) {
    throw new RangeError(
      `Invalid model spec "resnet": depth ${depth} means blocks_per_stage [${
        DEPTHS[depth]!.join(", ")
      }], got [${given.join(", ")}]`,
    );
  }
  const blocks = given ?? DEPTHS[depth ?? 18]!;
  const stages = (s.stage_channels as number[] | undefined) ?? [64, 128, 256, 512];
  if (stages.length !== blocks.length || stages.length === 0) {
    throw new RangeError(
      `Invalid model spec "resnet": stage_channels [${stages}] and blocks_per_stage [${blocks}] must have the same length, at least 1`,
    );
  }
  const m = (s.width_multiplier as number | undefined) ?? 1;
  const scale = (c: number) => Math.max(1, Math.round(c * m));
  const stem = (s.stem as string | undefined) ?? "auto";
  return {
    name: "resnet",
    input_shape: input,
    stem: stem === "auto"
      ? (Math.min(input[1], input[2]) < 64 ? "small" : "imagenet")
      : stem as "small",
    stem_channels: scale((s.stem_channels as number | undefined) ?? 64),
    stage_channels: stages.map(scale),
    blocks_per_stage: blocks,
    num_classes: (s.num_classes as number | undefined) ?? 1000,
  };
}

/** `[C, H, W]` from `input_shape` or `in_channels` / `image_size`, which must agree. */
function imageShape(
  model: string,
  s: Record<string, unknown>,
  fallback: [number, number, number],
): [number, number, number] {
  const shape = s.input_shape as number[] | undefined;
  const c = s.in_channels as number | undefined;
  const size = s.image_size as number | undefined;
  if (shape === undefined) return [c ?? fallback[0], size ?? fallback[1], size ?? fallback[2]];
  if (shape.length !== 3) {
    throw new RangeError(
      `Invalid key "input_shape" in model spec "${model}": expected [channels, height, width], got [${
        shape.join(", ")
      }]`,
    );
  }
  if (
    (c !== undefined && c !== shape[0]) ||
    (size !== undefined && (size !== shape[1] || size !== shape[2]))
  ) {
    throw new RangeError(
      `Invalid model spec "${model}": in_channels ${c ?? "-"} / image_size ${
        size ?? "-"
      } disagree with input_shape [${shape.join(", ")}]`,
    );
  }
  return shape as [number, number, number];
}

function check(model: string, key: string, kind: Kind, v: unknown): unknown {
  const fail = (Err: typeof TypeError, expected: string) =>
    new Err(`Invalid key "${key}" in model spec "${model}": expected ${expected}, got ${show(v)}`);
  if (Array.isArray(kind)) {
    if (!kind.includes(v as string)) throw fail(RangeError, `one of ${kind.join(", ")}`);
    return v;
  }
  switch (kind) {
    case "string":
      if (typeof v !== "string") throw fail(TypeError, "a string");
      return v;
    case "bool":
      if (typeof v !== "boolean") throw fail(TypeError, "true or false");
      return v;
    case "number":
      if (typeof v !== "number") throw fail(TypeError, "a number");
      if (!(v > 0 && Number.isFinite(v))) throw fail(RangeError, "a number > 0");
      return v;
    case "prob":
      if (typeof v !== "number") throw fail(TypeError, "a number");
      if (!(v >= 0 && v < 1)) throw fail(RangeError, "a probability in [0, 1)");
      return v;
    case "int":
      if (typeof v !== "number") throw fail(TypeError, "an integer");
      if (!Number.isInteger(v) || v < 1) throw fail(RangeError, "an integer >= 1");
      return v;
    case "ints":
      if (!Array.isArray(v)) throw fail(TypeError, "a list of integers");
      if (v.some((x) => !Number.isInteger(x) || x < 1)) {
        throw fail(RangeError, "a list of integers >= 1");
      }
      return [...v];
  }
}

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v) ?? String(v);
}
