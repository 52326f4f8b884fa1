import { StoreError } from "./errors.ts";
import type { Example, ExampleStore, NewExample } from "./types.ts";

/** Where {@linkcode addWithFallback} kept an example. */
export interface FallbackResult {
  example: Example;
  /** The store that holds it. */
  store: ExampleStore;
  /** Why the primary store was not used, when it was not. */
  error?: StoreError;
}

/**
 * Adds an example to the primary store and, when that store is unavailable
 * (a {@linkcode StoreError} with code "unavailable": it kept nothing), to the
 * fallback store instead, so the example is not lost. Bad input still throws.
 *
 * @param primary the configured store (Supabase)
 * @param fallback the local store
 * @param example what to add
 * @returns the stored example, where it went, and the primary's error if any
 * @throws {TypeError|RangeError} on bad input
 * @throws {StoreError} when the fallback fails too
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addWithFallback, type ExampleStore, LocalStore, StoreError } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const local = await LocalStore.open(dir);
 * const down = { kind: "supabase", add: () => Promise.reject(new StoreError("unavailable", "down")) };
 * const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * const topK = [{ label: "3", probability: 0.9 }];
 * const r = await addWithFallback(down as unknown as ExampleStore, local, {
 *   image: png, model: "m", modelVersion: "1", topK,
 * });
 * assert.equal(r.store, local);
 * assert.equal(r.error?.message, "down");
 * await local.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function addWithFallback(
  primary: ExampleStore,
  fallback: ExampleStore,
  example: NewExample,
): Promise<FallbackResult> {
  try {
    return { example: await primary.add(example), store: primary };
  } catch (err) {
    if (!(err instanceof StoreError) || err.code !== "unavailable" || primary === fallback) {
      throw err;
    }
    return { example: await fallback.add(example), store: fallback, error: err };
  }
}
