/**
 * Model specs of the zoo: plain objects whose snake_case keys mirror
 * `conf/model/*.yaml` (and torchvision's argument names), with defaults and
 * checks.
 *
 * @module
 */

import { type Activation, ACTIVATIONS } from "./activation.ts";

/** `Linear → act → … → Linear` on `[N, in_features]`. Defaults: the reference MNIST mlp. */
export interface MlpSpec {
  name: "mlp";
  in_features?: number;
  hidden_sizes?: number[];
  num_classes?: number;
  /** Dropout after each hidden activation (default 0). */
  dropout?: number;
  activation?: Activation;
}

/**
 * `[Conv(k, pad k//2) → (BatchNorm) → ReLU → MaxPool 2] × len(channels) →
 * Flatten → Linear(hidden_size) → ReLU → (Dropout) → Linear`. Defaults: the
 * reference MNIST cnn (`cnn_bn`: with `batch_norm: true`).
 */
export interface CnnSpec {
  name: "cnn" | "cnn_bn";
  in_channels?: number;
  image_size?: number;
  channels?: number[];
  kernel_size?: number;
  hidden_size?: number;
  num_classes?: number;
  dropout?: number;
  batch_norm?: boolean;
}

/** torchvision's ResNet with BasicBlocks. Defaults: resnet18 on 3×224×224, 1000 classes. */
export interface ResNetSpec {
  name: "resnet";
  /** 18 (blocks 2,2,2,2) or 34 (3,4,6,3). */
  depth?: 18 | 34;
  /** Scales the widths 64, 128, 256, 512 (default 1). */
  width_multiplier?: number;
  in_channels?: number;
  num_classes?: number;
  image_size?: number;
  /**
   * `"imagenet"`: 7×7 stride-2 conv and 3×3 stride-2 max pool (torchvision);
   * `"small"`: one 3×3 stride-1 conv, no pool (for 28×28 or 32×32 images).
   */
  stem?: "imagenet" | "small";
}

/** torchvision's VisionTransformer. Defaults: the reference MNIST vit_tiny. */
export interface VitSpec {
  name: "vit";
  image_size?: number;
  patch_size?: number;
  in_channels?: number;
  hidden_dim?: number;
  num_layers?: number;
  num_heads?: number;
  mlp_dim?: number;
  dropout?: number;
  attention_dropout?: number;
  num_classes?: number;
}

/** Any zoo model spec; `name` selects the architecture. */
export type ModelSpec = MlpSpec | CnnSpec | ResNetSpec | VitSpec;

/** A spec with every key filled in. */
export type Resolved<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

type Kind = "int" | "ints" | "number" | "prob" | "bool" | readonly (string | number)[];

const SCHEMAS: Record<string, Record<string, [Kind, unknown]>> = {
  mlp: {
    in_features: ["int", 784],
    hidden_sizes: ["ints", [256, 128]],
    num_classes: ["int", 10],
    dropout: ["prob", 0],
    activation: [ACTIVATIONS, "relu"],
  },
  cnn: {
    in_channels: ["int", 1],
    image_size: ["int", 28],
    channels: ["ints", [32, 64]],
    kernel_size: ["int", 3],
    hidden_size: ["int", 128],
    num_classes: ["int", 10],
    dropout: ["prob", 0],
    batch_norm: ["bool", false],
  },
  resnet: {
    depth: [[18, 34], 18],
    width_multiplier: ["number", 1],
    in_channels: ["int", 3],
    num_classes: ["int", 1000],
    image_size: ["int", 224],
    stem: [["imagenet", "small"], "imagenet"],
  },
  vit: {
    image_size: ["int", 28],
    patch_size: ["int", 7],
    in_channels: ["int", 1],
    hidden_dim: ["int", 64],
    num_layers: ["int", 4],
    num_heads: ["int", 4],
    mlp_dim: ["int", 128],
    dropout: ["prob", 0],
    attention_dropout: ["prob", 0],
    num_classes: ["int", 10],
  },
};

/** The architecture names `buildModel` knows. */
export const MODEL_NAMES: readonly string[] = ["mlp", "cnn", "cnn_bn", "resnet", "vit"];

/**
 * Fills in defaults and checks every key of a spec. Keys starting with `_`
 * (such as Hydra's `_target_`) are ignored; any other unknown key fails, so a
 * misspelt key in a config file is caught.
 *
 * @param spec The spec.
 * @returns The spec with every key set (`cnn_bn` becomes `cnn` with `batch_norm: true`).
 * @throws {TypeError} For a spec that is not an object, or a key of the wrong kind.
 * @throws {RangeError} For an unknown name or key, or a value out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = resolveModelSpec({ name: "cnn_bn" });
 * assert.equal(s.name, "cnn");
 * assert.equal((s as { batch_norm: boolean }).batch_norm, true);
 * assert.throws(() => resolveModelSpec({ name: "mlp", hiden_sizes: [3] } as never), /hiden_sizes/);
 * ```
 */
export function resolveModelSpec(
  spec: ModelSpec,
): Resolved<MlpSpec> | Resolved<CnnSpec> | Resolved<ResNetSpec> | Resolved<VitSpec> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`Invalid model spec: expected an object with a "name", got ${show(spec)}`);
  }
  const name = spec.name as string;
  if (!MODEL_NAMES.includes(name)) {
    throw new RangeError(
      `Unknown model "${name}": expected "name" to be one of ${MODEL_NAMES.join(", ")}`,
    );
  }
  const arch = name === "cnn_bn" ? "cnn" : name;
  const schema = SCHEMAS[arch]!;
  const out: Record<string, unknown> = { name: arch };
  for (const key of Object.keys(spec)) {
    if (key !== "name" && !key.startsWith("_") && !(key in schema)) {
      throw new RangeError(
        `Unknown key "${key}" in model spec "${name}": expected ${Object.keys(schema).join(", ")}`,
      );
    }
  }
  for (const [key, [kind, fallback]] of Object.entries(schema)) {
    const given = (spec as unknown as Record<string, unknown>)[key];
    const v = given ?? (key === "batch_norm" && name === "cnn_bn" ? true : fallback);
    out[key] = check(name, key, kind, v);
  }
  return out as never;
}

function check(model: string, key: string, kind: Kind, v: unknown): unknown {
  const fail = (Err: typeof TypeError, expected: string) =>
    new Err(`Invalid key "${key}" in model spec "${model}": expected ${expected}, got ${show(v)}`);
  if (Array.isArray(kind)) {
    if (!kind.includes(v as string)) throw fail(RangeError, `one of ${kind.join(", ")}`);
    return v;
  }
  switch (kind) {
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
