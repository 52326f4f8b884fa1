/**
 * Errors of the model server. Each carries the HTTP status and TorchServe's
 * exception type, so that one handler at the edge turns it into TorchServe's
 * error body `{code, type, message}`.
 *
 * @module
 */

/** TorchServe's error body. */
export interface ErrorBody {
  /** HTTP status. */
  code: number;
  /** TorchServe's exception type. */
  type: string;
  /** What went wrong. */
  message: string;
}

/**
 * An error with an HTTP status and TorchServe's exception type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServeError } from "./errors.ts";
 * const err = ServeError.modelNotFound("digits");
 * assert.deepEqual(err.body(), {
 *   code: 404,
 *   type: "ModelNotFoundException",
 *   message: 'Model not found: "digits"',
 * });
 * ```
 */
export class ServeError extends Error {
  /** "ServeError". */
  override name = "ServeError";
  /** HTTP status. */
  readonly status: number;
  /** TorchServe's exception type, e.g. `ModelNotFoundException`. */
  readonly type: string;

  /** An error with its HTTP status and exception type. */
  constructor(status: number, type: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.type = type;
  }

  /** The JSON error body. */
  body(): ErrorBody {
    return { code: this.status, type: this.type, message: this.message };
  }

  /** 400: the request is malformed or names something invalid. */
  static badRequest(message: string, options?: ErrorOptions): ServeError {
    return new ServeError(400, "BadRequestException", message, options);
  }

  /** 404: no model of that name. */
  static modelNotFound(name: string): ServeError {
    return new ServeError(404, "ModelNotFoundException", `Model not found: "${name}"`);
  }

  /** 404: the model exists but not that version. */
  static versionNotFound(name: string, version: string): ServeError {
    return new ServeError(
      404,
      "ModelVersionNotFoundException",
      `Model version not found: "${name}" has no version "${version}"`,
    );
  }

  /** 409: already registered. */
  static conflict(message: string): ServeError {
    return new ServeError(409, "ConflictStatusException", message);
  }

  /** 503: queue full or no worker. */
  static unavailable(message: string): ServeError {
    return new ServeError(503, "ServiceUnavailableException", message);
  }

  /** 500: something failed inside the server. */
  static internal(message: string, options?: ErrorOptions): ServeError {
    return new ServeError(500, "InternalServerException", message, options);
  }
}

/** Wraps any thrown value as a {@linkcode ServeError} (500 unless it already is one). */
export function toServeError(err: unknown): ServeError {
  if (err instanceof ServeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ServeError.internal(message, { cause: err });
}
