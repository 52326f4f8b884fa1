import assert from "node:assert/strict";
import { fixtureApp, get, reported } from "./_app.ts";

const app = await fixtureApp({ bundle: "none" });

Deno.test("createWebApp() renders index through _app with its <Head> title", async () => {
  const res = await get(app, "/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"\/>/);
  assert.match(html, /<title>Home<\/title><\/head>/);
  assert.match(html, /<body data-trace="root"><main><h1>hello<\/h1>/);
});

Deno.test("createWebApp() serves a page without handlers, skipping _app when asked", async () => {
  const html = await (await get(app, "/about")).text();
  assert.equal(html, '<!DOCTYPE html><p id="about">About, without the app wrapper</p>');
});

Deno.test("createWebApp() nests layouts and runs middleware from root down", async () => {
  const res = await get(app, "/blog/hello%20world");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-root-middleware"), "1");
  const html = await res.text();
  assert.match(
    html,
    /<section class="blog-layout"><article data-trace="root>blog1>blog2">Post hello world<\/article><\/section>/,
  );
});

Deno.test("createWebApp() prefers a static segment to a [param]", async () => {
  assert.match(await (await get(app, "/blog/new")).text(), /id="new-post"/);
});

Deno.test("createWebApp() gives [...rest] the remaining path", async () => {
  const html = await (await get(app, "/files/a/b/c.txt")).text();
  assert.match(html, /<p id="file">File a\/b\/c.txt<\/p>/);
});

Deno.test("createWebApp() applies a (group)'s middleware and layout without a URL segment", async () => {
  const denied = await get(app, "/admin/panel");
  assert.equal(denied.status, 303);
  assert.equal(denied.headers.get("location"), "/login");
  const html = await (await get(app, "/admin/panel", { headers: { "x-user": "ada" } })).text();
  assert.match(html, /<div class="admin-layout" data-user="ada"><p id="panel">Panel of ada<\/p>/);
  assert.equal((await get(app, "/(admin)/admin/panel")).status, 404);
});

Deno.test("createWebApp() answers API handlers with their own responses", async () => {
  const res = await get(app, "/api/echo?q=42");
  assert.deepEqual(await res.json(), { q: "42", trace: ["root"] });
  const posted = await get(app, "/api/echo", { method: "POST", body: '{"a":1}' });
  assert.equal(posted.status, 201);
  assert.deepEqual(await posted.json(), { echo: { a: 1 } });
});

Deno.test("createWebApp() turns HttpError into JSON on /api/ paths", async () => {
  const res = await get(app, "/api/echo", { method: "POST", body: "not json" });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(await res.json(), {
    error: "Cannot read the body: it is not JSON",
    status: 400,
  });
});

Deno.test("createWebApp() answers 405 with Allow for a method without handler", async () => {
  const res = await get(app, "/api/echo", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, POST, HEAD");
  assert.equal((await res.json()).status, 405);
  assert.equal((await get(app, "/about", { method: "POST" })).headers.get("allow"), "GET, HEAD");
});

Deno.test("createWebApp() renders _404 through root middleware, or JSON when asked", async () => {
  const res = await get(app, "/no/such/<b>page</b>");
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-root-middleware"), "1");
  const html = await res.text();
  assert.match(html, /<body data-trace="root"><main id="not-found">Nothing at /);
  assert.doesNotMatch(html, /<b>page/);
  const json = await get(app, "/no/such", { headers: { accept: "application/json" } });
  assert.deepEqual(await json.json(), { error: "Not Found", status: 404 });
  const api = await get(app, "/api/nothing");
  assert.equal(api.headers.get("content-type"), "application/json; charset=utf-8");
});

Deno.test("createWebApp() renders an HttpError thrown by a page handler with _404", async () => {
  const res = await get(app, "/blog/missing");
  assert.equal(res.status, 404);
  assert.match(await res.text(), /Nothing at \/blog\/missing/);
});

Deno.test("createWebApp() hides the message of an unexpected error and reports it", async () => {
  reported.length = 0;
  const res = await get(app, "/boom");
  assert.equal(res.status, 500);
  const html = await res.text();
  assert.match(html, /<main id="error">500: Internal Server Error<\/main>/);
  assert.doesNotMatch(html, /secret/);
  assert.equal(reported.length, 1);
  assert.match((reported[0] as Error).message, /secret database password/);
  const json = await get(app, "/boom", { headers: { accept: "application/json" } });
  assert.deepEqual(await json.json(), { error: "Internal Server Error", status: 500 });
});

Deno.test("createWebApp() answers HEAD like GET without a body", async () => {
  const res = await get(app, "/blog/x", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
});

Deno.test("createWebApp() sets the security headers on every kind of response", async () => {
  for (const path of ["/", "/api/echo", "/nope", "/boom", "/style.css"]) {
    const res = await get(app, path);
    await res.body?.cancel();
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self';/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
  }
});

Deno.test("createWebApp() with bundle: none ships no script for a page with islands", async () => {
  const html = await (await get(app, "/")).text();
  assert.match(
    html,
    /<web-island data-id="0"><button type="button" class="counter" data-hydrated="no">/,
  );
  assert.doesNotMatch(html, /<script/);
});

Deno.test("createWebApp() runs app-wide middleware before the routes' _middleware files", async () => {
  const seen: string[] = [];
  const withApp = await fixtureApp({
    bundle: "none",
    middleware: [async function outer(ctx) {
      seen.push(ctx.url.pathname);
      const res = await ctx.next();
      res.headers.set("x-app", res.headers.get("x-root-middleware") ? "after-root" : "alone");
      return res;
    }],
  });
  for (const path of ["/api/echo", "/no/such/page"]) {
    const res = await get(withApp, path);
    await res.body?.cancel();
    assert.equal(res.headers.get("x-app"), "after-root", path);
  }
  assert.deepEqual(seen, ["/api/echo", "/no/such/page"]);
});
