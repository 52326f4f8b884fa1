/**
 * Stored predictions for active learning: one {@linkcode ExampleStore}
 * interface, a local store (SQLite + image files, the default) and a Supabase
 * store (table + bucket), a labeling queue ordered by uncertainty, and the
 * export of labeled examples as an image folder data set.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await LocalStore.open(dir);
 * const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * for (const p of [0.9, 0.4, 0.6]) {
 *   await store.add({ image: png, model: "m", modelVersion: "1", topK: [{ label: "1", probability: p }] });
 * }
 * const queue = await store.list({ status: "unlabeled", below: 0.8, strategy: "least_confidence" });
 * assert.deepEqual(queue.items.map((e) => e.confidence), [0.4, 0.6]);
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { StoreError, type StoreErrorCode } from "./errors.ts";
export {
  type Counts,
  type Example,
  type ExampleStatus,
  type ExampleStore,
  type ImageType,
  type LabeledExample,
  type ListOptions,
  type ListResult,
  type NewExample,
  STRATEGIES,
  type Strategy,
  type TopKEntry,
} from "./types.ts";
export { imageTypeOf, MAX_IMAGE_BYTES, uncertainty } from "./_common.ts";
export { DATABASE_FILE, LocalStore, type LocalStoreOptions } from "./local.ts";
export { SupabaseStore, type SupabaseStoreOptions } from "./supabase.ts";
export { addWithFallback, type FallbackResult } from "./fallback.ts";
export { exportLabeled, type ExportLabeledOptions, type ExportSummary } from "./export.ts";
export { type OpenedStores, openStores, type StoreConfig } from "./open.ts";
