/**
 * Model specs of the zoo: plain objects whose keys are those of
 * `conf/model/*.yaml`, with defaults and checks. Image models also take
 * torchvision's `in_channels` and `image_size` in place of `input_shape`.
 *
 * @module
 */

import { type Activation, ACTIVATIONS } from "./activation.ts";

/** Keys every spec may have. */
interface CommonSpec {
  /** Per-sample input shape: `[features]` for mlp, `[C, H, W]` for the image models. */
  input_shape?: number[];
  num_classes?: number;
  dropout?: number;
  /** A label for the preset the config describes (e.g. `vit_tiny`); not used. */
  variant?: string;
}

/** torchvision's aliases of `input_shape` for image models (`[in_channels, image_size, image_size]`). */
interface ImageAliases {
  in_channels?: number;
  image_size?: number;
}

/**
 * `Flatten (if the input has more than one dim) → [Linear → act → (Dropout)]…
 * → Linear`, Linears named `fc1`, `fc2`…. Defaults: the reference MNIST mlp.
 */
export interface MlpSpec extends CommonSpec {
  name: "mlp";
  /** Widths of the hidden layers (default [256, 128]). */
  hidden?: number[];
  /** Default `"relu"`. */
  activation?: Activation;
}

/**
 * `[Conv k×k (pad k//2) → (BatchNorm) → ReLU → MaxPool pool]… → Flatten →
 * Linear(hidden) → ReLU → (Dropout) → Linear`, named `conv1`, `bn1`…, `fc1`,
 * `fc2`. Defaults: the reference MNIST cnn (`cnn_bn`: `batch_norm: true`).
 */
export interface CnnSpec extends CommonSpec, ImageAliases {
  name: "cnn" | "cnn_bn";
  channels?: number[];
  kernel_size?: number;
  /** Max-pool window and stride (default 2). */
  pool?: number;
  /** Width of the hidden Linear (default 128). */
  hidden?: number;
  batch_norm?: boolean;
}

/**
 * torchvision's ResNet with BasicBlocks: stem → stages → global average pool
 * → `fc`. Defaults: resnet18 on 3×224×224 with 1000 classes.
 */
export interface ResNetSpec extends CommonSpec, ImageAliases {
  name: "resnet";
  /**
   * `"imagenet"`: Conv 7×7 stride 2 + MaxPool 3×3 stride 2 (torchvision);
   * `"small"`: Conv 3×3 stride 1 (for 28×28 or 32×32 images);
   * `"auto"` (default): small below 64 pixels, else imagenet.
   */
  stem?: "auto" | "imagenet" | "small";
  /** Default 64. */
  stem_channels?: number;
  /** Channels of each stage; stages after the first halve the size (default [64, 128, 256, 512]). */
  stage_channels?: number[];
  /** Basic blocks per stage (default: from `depth`, else [2, 2, 2, 2]). */
  blocks_per_stage?: number[];
  /** torchvision's presets: 18 (blocks 2, 2, 2, 2) or 34 (3, 4, 6, 3). */
  depth?: 18 | 34;
  /** Scales the stem and stage channels (default 1). */
  width_multiplier?: number;
}

/** torchvision's VisionTransformer. Defaults: the reference MNIST vit_tiny. */
export interface VitSpec extends CommonSpec, ImageAliases {
  name: "vit";
  patch_size?: number;
  hidden_dim?: number;
  num_layers?: number;
  num_heads?: number;
  mlp_dim?: number;
  attention_dropout?: number;
}

/** Any zoo model spec; `name` selects the architecture. */
export type ModelSpec = MlpSpec | CnnSpec | ResNetSpec | VitSpec;

/** A resolved mlp spec: every key set. */
export interface ResolvedMlp {
  name: "mlp";
  input_shape: number[];
  hidden: number[];
  num_classes: number;
  dropout: number;
  activation: Activation;
}

/** A resolved cnn spec (`cnn_bn` is `cnn` with `batch_norm: true`). */
export interface ResolvedCnn {
  name: "cnn";
  input_shape: [number, number, number];
  channels: number[];
  kernel_size: number;
  pool: number;
  hidden: number;
  num_classes: number;
  batch_norm: boolean;
  dropout: number;
}

/** A resolved resnet spec (`depth` and `width_multiplier` applied, `stem` decided). */
export interface ResolvedResNet {
  name: "resnet";
  input_shape: [number, number, number];
  stem: "imagenet" | "small";
  stem_channels: number;
  stage_channels: number[];
  blocks_per_stage: number[];
  num_classes: number;
}

/** A resolved vit spec. */
export interface ResolvedVit {
  name: "vit";
  input_shape: [number, number, number];
  patch_size: number;
  hidden_dim: number;
  num_layers: number;
  num_heads: number;
  mlp_dim: number;
  dropout: number;
  attention_dropout: number;
  num_classes: number;
}

/** Any resolved spec. */
export type ResolvedModelSpec = ResolvedMlp | ResolvedCnn | ResolvedResNet | ResolvedVit;

/** The architecture names `buildModel` knows. */
export const MODEL_NAMES: readonly string[] = ["mlp", "cnn", "cnn_bn", "resnet", "vit"];

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
