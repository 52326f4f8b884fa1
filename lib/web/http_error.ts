import { STATUS_TEXT } from "./_status.ts";

/** Options of {@linkcode HttpError}. */
export interface HttpErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
  /** Headers added to the error response (e.g. `Allow`, `Retry-After`, `Location`). */
  headers?: HeadersInit;
}

/**
 * An error that becomes an HTTP response at the app's edge: a JSON body for
 * `/api/` paths and requests that accept JSON, the `_404` or `_500` page otherwise.
 * Its message is shown to the user (escaped), so keep secrets out of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError } from "./mod.ts";
 * const err = new HttpError(404, 'Model "mnist" not found');
 * assert.equal(err.status, 404);
 * assert.equal(new HttpError(403).message, "Forbidden");
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status, 400..599. */
  readonly status: number;
  /** Headers added to the error response. */
  readonly headers: Headers;

  /**
   * @param status HTTP status, 400..599
   * @param message shown to the user; defaults to the status text
   * @param options cause and extra headers
   * @throws {RangeError} when the status is not an error status
   */
  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`Cannot create HttpError: status ${status} is not in 400..599`);
    }
    super(message ?? STATUS_TEXT[status] ?? `HTTP ${status}`, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.headers = new Headers(options.headers);
  }
}
