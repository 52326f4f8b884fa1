/** Why a store operation failed. */
export type StoreErrorCode = "not_found" | "unavailable" | "corrupt";

/**
 * A store operation that failed for a reason other than bad input: the example
 * is missing (`not_found`), the store cannot be reached or refused the write
 * (`unavailable`: nothing was kept), or the store's data is damaged (`corrupt`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StoreError } from "./mod.ts";
 * const err = new StoreError("unavailable", "Cannot add example: timeout");
 * assert.equal(err.code, "unavailable");
 * ```
 */
export class StoreError extends Error {
  /** Why it failed. */
  readonly code: StoreErrorCode;

  /**
   * @param code why it failed
   * @param message what failed, with details after a colon
   * @param options the error this one wraps
   */
  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}
