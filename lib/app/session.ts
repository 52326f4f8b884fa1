/**
 * Signed session cookies: the session (user, CSRF token, expiry) travels as
 * base64url JSON with an HMAC-SHA-256 signature, so the server keeps no
 * session table. The key comes from `SESSION_SECRET` or a generated file.
 *
 * @module
 */
import { dirname } from "node:path";
import { timingSafeEqual } from "./password.ts";

/** What a session cookie holds. */
export interface WebSession {
  /** The signed-in admin; absent for a visitor. */
  user?: string;
  /** The CSRF token forms and POSTs of this session send back. */
  csrf: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const std = text.replaceAll("-", "+").replaceAll("_", "/");
    return Uint8Array.from(
      atob(std.padEnd(Math.ceil(std.length / 4) * 4, "=")),
      (c) => c.charCodeAt(0),
    );
  } catch {
    return undefined;
  }
}

/**
 * A random token (32 bytes, base64url): CSRF tokens, secrets.
 *
 * @returns 43 characters
 */
export function newToken(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Signs and checks session cookies with one HMAC key. */
export class SessionCodec {
  #key: CryptoKey;
  #now: () => number;

  private constructor(key: CryptoKey, now: () => number) {
    this.#key = key;
    this.#now = now;
  }

  /**
   * Makes a codec.
   *
   * @param secret the HMAC key, 32 bytes or more
   * @param options clock in ms (default `Date.now`), for tests
   * @returns the codec
   * @throws {RangeError} when the secret is shorter than 32 bytes
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SessionCodec } from "./mod.ts";
   * const codec = await SessionCodec.create(new Uint8Array(32).fill(7));
   * const cookie = await codec.sign({ user: "ada", csrf: "t", exp: Date.now() / 1000 + 60 });
   * assert.equal((await codec.verify(cookie))?.user, "ada");
   * assert.equal(await codec.verify(cookie.replace(/^./, "x")), undefined);
   * ```
   */
  static async create(
    secret: Uint8Array,
    options: { now?: () => number } = {},
  ): Promise<SessionCodec> {
    if (secret.length < 32) {
      throw new RangeError(`Cannot sign sessions: the secret has ${secret.length} bytes, need 32+`);
    }
    const key = await crypto.subtle.importKey(
      "raw",
      secret as BufferSource,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new SessionCodec(key, options.now ?? Date.now);
  }

  async #mac(text: string): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign("HMAC", this.#key, encoder.encode(text)));
  }

  /** The cookie value of a session: `<payload>.<signature>`. */
  async sign(session: WebSession): Promise<string> {
    const payload = b64url(encoder.encode(JSON.stringify(session)));
    return `${payload}.${b64url(await this.#mac(payload))}`;
  }

  /** The session of a cookie value, or undefined when it is forged, malformed or expired. */
  async verify(value: string | undefined): Promise<WebSession | undefined> {
    if (!value || value.length > 4096) return undefined;
    const dot = value.indexOf(".");
    const sig = unb64url(value.slice(dot + 1));
    if (dot < 0 || !sig || !timingSafeEqual(sig, await this.#mac(value.slice(0, dot)))) {
      return undefined;
    }
    try {
      const s = JSON.parse(decoder.decode(unb64url(value.slice(0, dot)))) as WebSession;
      const ok = typeof s.csrf === "string" && typeof s.exp === "number" &&
        (s.user === undefined || typeof s.user === "string");
      return ok && s.exp * 1000 > this.#now() ? s : undefined;
    } catch {
      return undefined;
    }
  }

  /** Unix seconds `hours` from now. */
  expiry(hours: number): number {
    return Math.floor(this.#now() / 1000 + hours * 3600);
  }
}

/**
 * The session key: `SESSION_SECRET` from the environment when set (32+
 * characters), else the bytes of `file`, made on first use (32 random bytes,
 * mode 0600, written atomically).
 *
 * @param file where the generated key lives
 * @param envSecret the `SESSION_SECRET` value, if any
 * @returns the key bytes
 * @throws {RangeError} when `SESSION_SECRET` is shorter than 32 characters
 * @throws {Error} when the file cannot be read or written
 */
export async function loadSessionSecret(file: string, envSecret?: string): Promise<Uint8Array> {
  if (envSecret) {
    if (envSecret.length < 32) {
      throw new RangeError(
        `Invalid SESSION_SECRET: ${envSecret.length} characters, need 32 or more (or leave it ` +
          `unset to use a generated key in "${file}")`,
      );
    }
    return encoder.encode(envSecret);
  }
  try {
    const bytes = await Deno.readFile(file);
    if (bytes.length >= 32) return bytes;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read the session key "${file}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  await Deno.mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${Deno.pid}.tmp`;
  await Deno.writeFile(tmp, bytes, { mode: 0o600 });
  await Deno.rename(tmp, file);
  return bytes;
}

/**
 * Parses a `Cookie` header.
 *
 * @param header the header value
 * @returns name → value (the first of repeated names)
 */
export function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Options of {@linkcode serializeCookie}. */
export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. Absent: a browser-session cookie. */
  maxAge?: number;
  /** Send over https only. */
  secure?: boolean;
  /** Default "/". */
  path?: string;
}

/**
 * A `Set-Cookie` value: HttpOnly and SameSite=Strict always.
 *
 * @param name cookie name
 * @param value cookie value (base64url or other cookie-safe text)
 * @param options max age, secure, path
 * @returns the header value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeCookie } from "./mod.ts";
 * assert.equal(
 *   serializeCookie("s", "v", { maxAge: 60 }),
 *   "s=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60",
 * );
 * ```
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  let out = `${name}=${value}; Path=${options.path ?? "/"}; HttpOnly; SameSite=Strict`;
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.max(0, Math.floor(options.maxAge))}`;
  if (options.secure) out += "; Secure";
  return out;
}
