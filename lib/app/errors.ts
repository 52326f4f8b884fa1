/** Why a call to the model server failed. */
export type ModelServerErrorKind = "down" | "not_found" | "bad_request" | "busy" | "server";

/**
 * A failed call to the model server: `down` when it does not answer, else
 * the kind of its error answer; `status` is the HTTP status to give users.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ModelServerError } from "./mod.ts";
 * const err = new ModelServerError("down", "Model server not running");
 * assert.equal(err.status, 503);
 * ```
 */
export class ModelServerError extends Error {
  /** What went wrong. */
  readonly kind: ModelServerErrorKind;
  /** HTTP status that fits: 503 down or busy, 404, 400, else 502. */
  readonly status: number;

  /**
   * @param kind what went wrong
   * @param message what to show
   * @param options cause, and the server's own status when it answered
   */
  constructor(
    kind: ModelServerErrorKind,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ModelServerError";
    this.kind = kind;
    this.status = options.status ??
      { down: 503, busy: 503, not_found: 404, bad_request: 400, server: 502 }[kind];
  }
}
