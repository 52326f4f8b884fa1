import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import {
  hashPassword,
  loadSessionSecret,
  parseCookies,
  RateLimiter,
  SessionCodec,
  verifyPassword,
} from "../../lib/app/mod.ts";

Deno.test("hashPassword() derives what node:crypto's PBKDF2-HMAC-SHA256 derives", async () => {
  const salt = new TextEncoder().encode("saltsaltsalt1234");
  const stored = await hashPassword("hunter2", { iterations: 2048, salt });
  const [scheme, iterations, saltB64, hashB64] = stored.split("$");
  const expected = pbkdf2Sync("hunter2", salt, 2048, 32, "sha256").toString("base64");
  assert.deepEqual([scheme, iterations, saltB64, hashB64], [
    "pbkdf2-sha256",
    "2048",
    btoa("saltsaltsalt1234"),
    expected,
  ]);
});

Deno.test("verifyPassword() accepts hashes made elsewhere, url-safe or unpadded base64 too", async () => {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = pbkdf2Sync("pässword", salt, 1000, 32, "sha256");
  const urlsafe = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const stored = `pbkdf2-sha256$1000$${urlsafe(salt)}$${urlsafe(hash)}`;
  assert.equal(await verifyPassword("pässword", stored), true);
  assert.equal(await verifyPassword("password", stored), false);
  assert.equal(await verifyPassword("", ""), false, "an empty setting never matches");
  await assert.rejects(verifyPassword("x", "pbkdf2-sha256$0$AAAAAAAAAAA=$AAAA"), SyntaxError);
});

Deno.test("hashPassword() refuses an empty password and absurd iteration counts", async () => {
  await assert.rejects(hashPassword(""), /^RangeError: Cannot hash an empty password/);
  await assert.rejects(
    hashPassword("x", { iterations: 0 }),
    /iterations 0 is not in 1\.\.10000000/,
  );
});

Deno.test("SessionCodec.verify() refuses forged, truncated and expired cookies", async () => {
  let now = 1_000_000_000_000;
  const codec = await SessionCodec.create(new Uint8Array(32).fill(1), { now: () => now });
  const other = await SessionCodec.create(new Uint8Array(32).fill(2));
  const session = { user: "ada", csrf: "tok", exp: codec.expiry(1) };
  const cookie = await codec.sign(session);
  assert.deepEqual(await codec.verify(cookie), session);
  assert.equal(await other.verify(cookie), undefined, "another key");
  assert.equal(await codec.verify(cookie.slice(0, -2)), undefined, "cut signature");
  assert.equal(await codec.verify(cookie.split(".")[0]), undefined, "no signature");
  assert.equal(await codec.verify("a.b.c"), undefined);
  assert.equal(await codec.verify(undefined), undefined);
  now += 3601_000;
  assert.equal(await codec.verify(cookie), undefined, "expired");
  await assert.rejects(SessionCodec.create(new Uint8Array(16)), /need 32\+/);
});

Deno.test("loadSessionSecret() makes a 0600 key file once and reads it after; SESSION_SECRET wins", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/keys/session.key`;
    const first = await loadSessionSecret(file);
    assert.equal(first.length, 32);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.deepEqual(await loadSessionSecret(file), first);
    const env = "e".repeat(32);
    assert.deepEqual(await loadSessionSecret(file, env), new TextEncoder().encode(env));
    await assert.rejects(
      loadSessionSecret(file, "short"),
      /^RangeError: Invalid SESSION_SECRET: 5/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseCookies() keeps the first of repeated names and ignores junk", () => {
  assert.deepEqual(parseCookies("a=1; b=x=y; a=2; junk; =v"), { a: "1", b: "x=y" });
  assert.deepEqual(parseCookies(null), {});
});

Deno.test("RateLimiter blocks a key after its limit until the window passes", () => {
  let now = 0;
  const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
  limiter.fail("k");
  assert.equal(limiter.retryAfter("k"), 0);
  limiter.fail("k");
  assert.equal(limiter.retryAfter("k"), 60);
  assert.equal(limiter.retryAfter("other"), 0);
  now = 30_000;
  assert.equal(limiter.retryAfter("k"), 30);
  now = 60_000;
  assert.equal(limiter.retryAfter("k"), 0);
  limiter.fail("k");
  limiter.reset("k");
  assert.equal(limiter.retryAfter("k"), 0);
  assert.throws(() => new RateLimiter({ limit: 0 }), RangeError);
});
