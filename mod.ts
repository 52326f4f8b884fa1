/**
 * lifecycle: the whole machine-learning lifecycle in TypeScript on Deno.
 *
 * Compose an experiment config the way Hydra does, train ONNX models with
 * generated training graphs, optimize, archive, serve and label. Each area's
 * `mod.ts` is re-exported here.
 *
 * @module
 */

export * from "./lib/config/mod.ts";
export * from "./lib/onnx/mod.ts";
export * from "./lib/nn/mod.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/track/mod.ts";
export * from "./lib/archive/mod.ts";
export * from "./lib/train/mod.ts";
export * from "./lib/store/mod.ts";
export * from "./lib/assist/mod.ts";
export * from "./lib/serve/mod.ts";
