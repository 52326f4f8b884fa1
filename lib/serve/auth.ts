/**
 * Token authorization as TorchServe 0.11+: a key file (`key_file.json`)
 * holds an inference key, a management key (each with an expiration time)
 * and an API key that may renew the other two through `GET /token?type=`.
 * Requests send `Authorization: Bearer <key>`.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { dirname } from "node:path";

/** The key file's contents (TorchServe's field names). */
export interface KeyFile {
  /** Key of the management API and its expiry (ISO time). */
  management: { key: string; "expiration time": string };
  /** Key of the inference API and its expiry. */
  inference: { key: string; "expiration time": string };
  /** Key that may renew the other two. */
  API: { key: string };
}

/** Which key a request needs. */
export type KeyKind = "inference" | "management";

/** The keys of a running server. */
export class TokenAuth {
  #path: string;
  #keys: KeyFile;
  #ttlMin: number;

  private constructor(path: string, keys: KeyFile, ttlMin: number) {
    this.#path = path;
    this.#keys = keys;
    this.#ttlMin = ttlMin;
  }

  /**
   * Reads the key file, or creates one (mode 0600) with fresh keys.
   *
   * @param path the key file
   * @param ttlMin minutes a generated key lives (TorchServe's `token_expiration_min`)
   * @returns the keys
   * @throws {SyntaxError} when the file exists but is not a key file
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TokenAuth } from "./auth.ts";
   * const dir = await Deno.makeTempDir();
   * const auth = await TokenAuth.load(`${dir}/key_file.json`);
   * assert.equal(auth.check(`Bearer ${auth.keys.inference.key}`, "inference"), true);
   * assert.equal(auth.check(`Bearer ${auth.keys.inference.key}`, "management"), false);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async load(path: string, ttlMin = 60): Promise<TokenAuth> {
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (text === undefined) {
      const auth = new TokenAuth(path, {
        management: { key: newKey(), "expiration time": expiry(ttlMin) },
        inference: { key: newKey(), "expiration time": expiry(ttlMin) },
        API: { key: newKey() },
      }, ttlMin);
      await auth.#save();
      return auth;
    }
    const keys = JSON.parse(text) as KeyFile;
    for (const k of ["management", "inference", "API"] as const) {
      if (typeof keys?.[k]?.key !== "string" || keys[k].key.length < 8) {
        throw new SyntaxError(
          `Invalid key file "${path}": "${k}.key" must be a string of 8+ chars`,
        );
      }
    }
    return new TokenAuth(path, keys, ttlMin);
  }

  /** The current keys. */
  get keys(): Readonly<KeyFile> {
    return this.#keys;
  }

  /**
   * Whether an `Authorization` header carries the valid, unexpired key of a kind.
   *
   * @param header the header value
   * @param kind inference, management, or "API" (key renewal)
   */
  check(header: string | null | undefined, kind: KeyKind | "API"): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
    if (!m) return false;
    const entry = this.#keys[kind];
    if ("expiration time" in entry) {
      const until = Date.parse(entry["expiration time"]);
      if (Number.isFinite(until) && until < Date.now()) return false;
    }
    const a = new TextEncoder().encode(m[1]);
    const b = new TextEncoder().encode(entry.key);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Replaces one key with a fresh one and rewrites the key file.
   *
   * @param kind which key
   * @returns the new key
   */
  async renew(kind: KeyKind): Promise<string> {
    this.#keys[kind] = { key: newKey(), "expiration time": expiry(this.#ttlMin) };
    await this.#save();
    return this.#keys[kind].key;
  }

  async #save(): Promise<void> {
    await Deno.mkdir(dirname(this.#path), { recursive: true });
    const tmp = `${this.#path}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(this.#keys, null, 2) + "\n", { mode: 0o600 });
    await Deno.rename(tmp, this.#path);
  }
}

function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

function expiry(ttlMin: number): string {
  return new Date(Date.now() + ttlMin * 60_000).toISOString();
}
