/**
 * The admin login: `ADMIN_USER` / `ADMIN_PSWD` (plain or a PBKDF2 hash),
 * checked in constant time.
 *
 * @module
 */
import { checkPasswordSetting, safeEqualText, verifyPassword } from "./password.ts";

/** Checks admin credentials. */
export class AdminAuth {
  #user: string;
  #password: string;

  /**
   * @param user ADMIN_USER
   * @param password ADMIN_PSWD, plain or `pbkdf2-sha256$…`
   * @throws {SyntaxError} when the password setting is a malformed hash
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AdminAuth } from "./mod.ts";
   * const auth = new AdminAuth("ada", "lovelace");
   * assert.equal(await auth.check("ada", "lovelace"), true);
   * assert.equal(await auth.check("ada", "babbage"), false);
   * assert.equal(new AdminAuth("", "").configured, false);
   * ```
   */
  constructor(user: string | undefined, password: string | undefined) {
    this.#user = user ?? "";
    this.#password = password ?? "";
    checkPasswordSetting(this.#password);
  }

  /** Whether both settings are given (otherwise nobody can log in). */
  get configured(): boolean {
    return this.#user !== "" && this.#password !== "";
  }

  /**
   * Whether the credentials are the admin's. Both checks always run, so the
   * time does not tell which one failed.
   */
  async check(user: string, password: string): Promise<boolean> {
    if (!this.configured) return false;
    const [userOk, passwordOk] = await Promise.all([
      safeEqualText(user, this.#user),
      verifyPassword(password, this.#password),
    ]);
    return userOk && passwordOk;
  }
}
