// Login, logout, sessions, CSRF and the login rate limit, through the app's fetch handler.
import assert from "node:assert/strict";
import { ADMIN, Client, fixtureApp, makeAppDir, RUN_ID } from "./_pages.ts";

const dir = await makeAppDir();
const app = await fixtureApp(dir);
globalThis.addEventListener("unload", async () => {
  await app.close();
  await Deno.remove(dir, { recursive: true });
});

const ADMIN_PAGES = [
  "/admin",
  "/admin/serve",
  "/admin/label?below=0.5",
  "/admin/experiments",
  `/admin/experiments/${RUN_ID}`,
  `/admin/experiments/compare?run=${RUN_ID}`,
];
const ADMIN_API: [string, string][] = [
  ["GET", "/api/admin/metrics"],
  ["GET", "/api/admin/queue"],
  ["GET", "/api/admin/examples/x/image"],
  ["POST", "/api/admin/examples/x/label"],
  ["POST", "/api/admin/examples/x/skip"],
];

Deno.test("admin pages without a session redirect to the login, keeping where to go next", async () => {
  const c = new Client(app);
  for (const path of ADMIN_PAGES) {
    const res = await c.fetch(path);
    await res.body?.cancel();
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
  }
});

Deno.test("admin endpoints without a session answer 401 in JSON", async () => {
  for (const [method, path] of ADMIN_API) {
    const res = await new Client(app).fetch(path, { method });
    assert.equal(res.status, 401, path);
    assert.deepEqual(await res.json(), {
      error: "Log in first: this needs an admin session",
      status: 401,
    });
  }
  const form = await new Client(app).fetch("/admin/serve", { method: "POST", body: "action=stop" });
  assert.equal(form.status, 401);
  await form.body?.cancel();
});

Deno.test("the login page sets an HttpOnly SameSite=Strict session cookie and a CSRF field", async () => {
  const res = await new Client(app).fetch("/login?next=/admin/label");
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(
    cookie,
    /^lc_session=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
  );
  const html = await res.text();
  assert.match(html, /<input type="hidden" name="_csrf" value="[\w-]{43}"\/>/);
  assert.match(html, /<input type="hidden" name="next" value="\/admin\/label"\/>/);
});

Deno.test("login succeeds with the hashed password, rotates the session and opens admin pages", async () => {
  const c = new Client(app);
  const before = await c.csrf();
  const visitor = c.cookies.get("lc_session");
  const res = await c.post("/login", {
    user: ADMIN.user,
    password: ADMIN.password,
    next: "/admin/label",
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/admin/label");
  assert.notEqual(c.cookies.get("lc_session"), visitor);
  const html = await c.page("/admin/serve");
  assert.match(html, /<span class="user">ada<\/span>/);
  assert.notEqual(await c.csrf("/admin/serve"), before, "a new CSRF token after login");
  for (const path of ADMIN_PAGES.slice(1)) await c.page(path);
});

Deno.test("login refuses a wrong password or user with 401 and no admin session", async () => {
  for (const [user, password] of [[ADMIN.user, "wrong"], ["eve", ADMIN.password]]) {
    const c = new Client(app);
    const res = await c.post("/login", { user, password });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /Wrong user name or password/);
    const admin = await c.fetch("/admin/serve");
    assert.equal(admin.status, 303);
    await admin.body?.cancel();
  }
});

Deno.test("login and logout need the session's CSRF token (403 without it)", async () => {
  const c = new Client(app);
  await c.csrf();
  const none = await c.fetch("/login", {
    method: "POST",
    body: new URLSearchParams({ user: ADMIN.user, password: ADMIN.password }),
  });
  assert.equal(none.status, 403);
  assert.match(await none.text(), /Invalid or missing CSRF token/);
  const wrong = await c.post(
    "/login",
    { user: ADMIN.user, password: ADMIN.password },
    "x".repeat(43),
  );
  assert.equal(wrong.status, 403);
  await wrong.body?.cancel();
  await c.login();
  const logout = await c.fetch("/logout", { method: "POST", body: new URLSearchParams({}) });
  assert.equal(logout.status, 403);
  await logout.body?.cancel();
  assert.equal((await c.fetch("/admin/serve")).status, 200);
});

Deno.test("logout ends the admin session", async () => {
  const c = new Client(app);
  await c.login();
  const token = await c.csrf("/admin/serve");
  const res = await c.post("/logout", {}, token);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/");
  const after = await c.fetch("/admin/serve");
  assert.equal(after.status, 303);
  await after.body?.cancel();
});

Deno.test("admin POSTs without a valid CSRF token answer 403 and change nothing", async () => {
  const c = new Client(app);
  await c.login();
  const before = await app.services.server.status();
  const noToken = await c.fetch("/admin/serve", {
    method: "POST",
    body: new URLSearchParams({ action: "start", mode: "in-process" }),
  });
  assert.equal(noToken.status, 403);
  await noToken.body?.cancel();
  const wrong = await c.post("/admin/label", { action: "export", name: "x" }, "forged");
  assert.equal(wrong.status, 403);
  await wrong.body?.cancel();
  const api = await c.fetch("/api/admin/examples/x/label", {
    method: "POST",
    headers: { "x-csrf-token": "forged", "content-type": "application/json" },
    body: JSON.stringify({ label: "1" }),
  });
  assert.equal(api.status, 403);
  assert.deepEqual(await api.json(), {
    error: "Invalid or missing CSRF token: reload the page and try again",
    status: 403,
  });
  assert.deepEqual(await app.services.server.status(), before);
});

Deno.test("a tampered or foreign session cookie counts as no session", async () => {
  const c = new Client(app);
  await c.login();
  const value = c.cookies.get("lc_session")!;
  const [payload, sig] = value.split(".");
  const forged = JSON.parse(atob(payload!.replaceAll("-", "+").replaceAll("_", "/")));
  forged.user = "mallory";
  const text = btoa(JSON.stringify(forged)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
  c.cookies.set("lc_session", `${text}.${sig}`);
  const res = await c.fetch("/admin/serve");
  assert.equal(res.status, 303);
  await res.body?.cancel();
});

Deno.test("a login redirect never leaves the site", async () => {
  for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
    const c = new Client(app);
    const res = await c.post("/login", { user: ADMIN.user, password: ADMIN.password, next });
    assert.equal(res.headers.get("location"), "/admin/serve", next);
  }
});

Deno.test("failed logins are rate limited per client and user (429 with Retry-After)", async () => {
  const limited = await fixtureApp(dir, { web: { login_attempts: 3 } });
  try {
    const c = new Client(limited);
    for (let i = 0; i < 3; i++) {
      const res = await c.post("/login", { user: ADMIN.user, password: `guess ${i}` });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const blocked = await c.post("/login", { user: ADMIN.user, password: ADMIN.password });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    assert.match(await blocked.text(), /Too many failed logins: try again in \d+ min/);
  } finally {
    await limited.close();
  }
});

Deno.test("a plain ADMIN_PSWD works; without ADMIN_USER/ADMIN_PSWD the login is off and says so", async () => {
  const plain = await fixtureApp(dir, {
    env: { ADMIN_USER: "bob", ADMIN_PSWD: "plain pass", SESSION_SECRET: "t".repeat(40) },
  });
  const off = await fixtureApp(dir, { env: { SESSION_SECRET: "t".repeat(40) } });
  try {
    const c = new Client(plain);
    const ok = await c.post("/login", { user: "bob", password: "plain pass" });
    assert.equal(ok.status, 303);
    const html = await new Client(off).page("/login");
    assert.match(
      html,
      /Admin login is off: set <code>ADMIN_USER<\/code> and <code>ADMIN_PSWD<\/code>/,
    );
    const refused = await new Client(off).post("/login", { user: "", password: "" });
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /Admin login is off/);
  } finally {
    await plain.close();
    await off.close();
  }
});

Deno.test("a malformed password hash stops the app at start-up with a clear message", async () => {
  await assert.rejects(
    fixtureApp(dir, { env: { ADMIN_USER: "a", ADMIN_PSWD: "pbkdf2-sha256$x$y$z" } }),
    /^SyntaxError: Invalid ADMIN_PSWD: expected pbkdf2-sha256\$<iterations/,
  );
});

Deno.test("unknown pages render the 404 page with the path escaped", async () => {
  const res = await new Client(app).fetch("/no/<script>x</script>");
  assert.equal(res.status, 404);
  const html = await res.text();
  assert.match(html, /<h1>Nothing here<\/h1>/);
  assert.doesNotMatch(html, /<script>x/);
});
