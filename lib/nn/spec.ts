/**
 * Model specs of the zoo: plain objects whose keys are those of
 * `conf/model/*.yaml`. Image models also take torchvision's `in_channels`
 * and `image_size` in place of `input_shape`. `resolveModelSpec`
 * (resolve_spec.ts) checks them and fills in defaults.
 *
 * @module
 */

import type { Activation } from "./activation.ts";

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
