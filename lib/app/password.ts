/**
 * The admin password: plain, or hashed as
 * `pbkdf2-sha256$<iterations>$<salt-b64>$<hash-b64>` (PBKDF2 with HMAC-SHA-256,
 * WebCrypto), compared in constant time.
 *
 * @module
 */

/** First field of a hashed password. */
export const PASSWORD_SCHEME = "pbkdf2-sha256";
/** Iterations of new hashes (OWASP's figure for PBKDF2-HMAC-SHA256). */
export const DEFAULT_ITERATIONS = 600_000;
const MAX_ITERATIONS = 10_000_000;
const encoder = new TextEncoder();

/** A hashed password's parts. */
interface Hashed {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/**
 * Compares two byte strings in time that depends on their length only.
 *
 * @param a first
 * @param b second
 * @returns whether they are equal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timingSafeEqual } from "./mod.ts";
 * assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
 * assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
 * ```
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Compares two strings in constant time (their SHA-256 digests are compared,
 * so not even the length leaks).
 *
 * @param a first
 * @param b second
 * @returns whether they are equal
 */
export async function safeEqualText(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return timingSafeEqual(new Uint8Array(da), new Uint8Array(db));
}

function fromBase64(text: string): Uint8Array | undefined {
  const std = text.replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(std)) return undefined;
  try {
    return Uint8Array.from(
      atob(std.padEnd(Math.ceil(std.length / 4) * 4, "=")),
      (c) => c.charCodeAt(0),
    );
  } catch {
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Whether a stored password is meant as a hash (it names the scheme). */
export function isPasswordHash(stored: string): boolean {
  return stored.startsWith(`${PASSWORD_SCHEME}$`);
}

function parseHash(stored: string, name: string): Hashed {
  const parts = stored.split("$");
  const iterations = Number(parts[1]);
  const salt = fromBase64(parts[2] ?? "");
  const hash = fromBase64(parts[3] ?? "");
  if (
    parts.length !== 4 || !Number.isInteger(iterations) || iterations < 1 ||
    iterations > MAX_ITERATIONS || !salt || salt.length < 8 || !hash || hash.length < 16
  ) {
    throw new SyntaxError(
      `Invalid ${name}: expected ${PASSWORD_SCHEME}$<iterations 1..${MAX_ITERATIONS}>$` +
        "<salt-b64, 8+ bytes>$<hash-b64, 16+ bytes> (make one with deno task app --hash-password)",
    );
  }
  return { iterations, salt, hash };
}

/**
 * Checks a stored password setting once, at start-up, so a malformed hash is
 * reported then rather than as failed logins.
 *
 * @param stored the setting (plain or hashed)
 * @param name the setting's name, for messages
 * @throws {SyntaxError} when it names the hash scheme but is malformed
 */
export function checkPasswordSetting(stored: string, name = "ADMIN_PSWD"): void {
  if (isPasswordHash(stored)) parseHash(stored, name);
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number, bytes: number) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password for `ADMIN_PSWD`.
 *
 * @param password the password
 * @param options iterations (default 600 000) and salt (default 16 random bytes)
 * @returns `pbkdf2-sha256$<iterations>$<salt-b64>$<hash-b64>`
 * @throws {RangeError} on an empty password or iterations out of 1..10 000 000
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, verifyPassword } from "./mod.ts";
 * const stored = await hashPassword("s3cret", { iterations: 1000 });
 * assert.match(stored, /^pbkdf2-sha256\$1000\$/);
 * assert.equal(await verifyPassword("s3cret", stored), true);
 * assert.equal(await verifyPassword("wrong", stored), false);
 * ```
 */
export async function hashPassword(
  password: string,
  options: { iterations?: number; salt?: Uint8Array } = {},
): Promise<string> {
  const { iterations = DEFAULT_ITERATIONS } = options;
  if (!password) throw new RangeError("Cannot hash an empty password");
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`Cannot hash: iterations ${iterations} is not in 1..${MAX_ITERATIONS}`);
  }
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations, 32);
  return `${PASSWORD_SCHEME}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/**
 * Checks a password against the stored setting, plain or hashed, in constant time.
 *
 * @param password what was typed
 * @param stored the setting
 * @returns whether it matches (never for an empty stored value)
 * @throws {SyntaxError} when the stored hash is malformed
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!stored) return false;
  if (!isPasswordHash(stored)) return await safeEqualText(password, stored);
  const { iterations, salt, hash } = parseHash(stored, "ADMIN_PSWD");
  return timingSafeEqual(await pbkdf2(password, salt, iterations, hash.length), hash);
}
