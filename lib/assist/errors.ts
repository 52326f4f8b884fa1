/** Why advice is not available. */
export type AssistErrorKind = "off" | "auth" | "rate_limit" | "not_found" | "network" | "server";

/**
 * Advice that could not be given, with one message fit to show a user: advice
 * is off, the key was rejected, a rate limit or quota was hit, the model is
 * unknown, the server cannot be reached, or it failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AssistError } from "./mod.ts";
 * assert.equal(new AssistError("off", "Advice is off: set OPENAI_API_KEY").kind, "off");
 * ```
 */
export class AssistError extends Error {
  /** Why. */
  readonly kind: AssistErrorKind;

  /**
   * @param kind why advice is not available
   * @param message the message to show
   * @param options the error this one wraps
   */
  constructor(kind: AssistErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "AssistError";
    this.kind = kind;
  }
}
