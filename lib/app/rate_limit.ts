/**
 * Failed-attempt counting for the login form: a key (client address, user
 * name) is blocked once it has `limit` failures inside `windowMs`.
 *
 * @module
 */

/** Options of {@linkcode RateLimiter}. */
export interface RateLimitOptions {
  /** Failures allowed per window (default 5). */
  limit?: number;
  /** Window length in ms (default 15 minutes). */
  windowMs?: number;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
}

/** Fixed-window failure counts per key, in memory. */
export class RateLimiter {
  #hits = new Map<string, { count: number; start: number }>();
  #limit: number;
  #windowMs: number;
  #now: () => number;

  /**
   * @param options limit, window, clock
   * @throws {RangeError} when limit or window is not positive
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RateLimiter } from "./mod.ts";
   * const limiter = new RateLimiter({ limit: 2, windowMs: 1000 });
   * limiter.fail("ip");
   * assert.equal(limiter.retryAfter("ip"), 0);
   * limiter.fail("ip");
   * assert.ok(limiter.retryAfter("ip") > 0);
   * ```
   */
  constructor(options: RateLimitOptions = {}) {
    const { limit = 5, windowMs = 15 * 60_000, now = Date.now } = options;
    if (!(limit >= 1) || !(windowMs > 0)) {
      throw new RangeError(`Invalid rate limit: ${limit} per ${windowMs} ms`);
    }
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const e = this.#hits.get(key);
    if (!e) return 0;
    const left = e.start + this.#windowMs - this.#now();
    if (left <= 0) {
      this.#hits.delete(key);
      return 0;
    }
    return e.count >= this.#limit ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure of `key`. */
  fail(key: string): void {
    const now = this.#now();
    if (this.#hits.size > 10_000) this.#prune(now);
    const e = this.#hits.get(key);
    if (!e || e.start + this.#windowMs <= now) this.#hits.set(key, { count: 1, start: now });
    else e.count++;
  }

  /** Forgets `key`'s failures (after a success). */
  reset(key: string): void {
    this.#hits.delete(key);
  }

  #prune(now: number): void {
    for (const [k, e] of this.#hits) if (e.start + this.#windowMs <= now) this.#hits.delete(k);
  }
}
