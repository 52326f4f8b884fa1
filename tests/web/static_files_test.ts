import assert from "node:assert/strict";
import { join } from "node:path";
import { etagMatches, staticHandler } from "../../lib/web/mod.ts";
import { fixtureApp, FIXTURES, get } from "./_app.ts";

const app = await fixtureApp({ bundle: "none" });

Deno.test("static files are served with a content type, an ETag and no-cache", async () => {
  const res = await get(app, "/style.css");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.match(res.headers.get("etag")!, /^"[A-Za-z0-9+/]{22}"$/);
  assert.equal(await res.text(), await Deno.readTextFile(join(FIXTURES, "static/style.css")));
});

Deno.test("static files answer 304 to a matching If-None-Match, weak or in a list", async () => {
  const etag = (await get(app, "/style.css")).headers.get("etag")!;
  for (const value of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
    const res = await get(app, "/style.css", { headers: { "if-none-match": value } });
    assert.equal(res.status, 304, value);
    assert.equal(res.headers.get("etag"), etag);
    assert.equal(await res.text(), "");
  }
  const changed = await get(app, "/style.css", { headers: { "if-none-match": '"stale"' } });
  assert.equal(changed.status, 200);
  await changed.body?.cancel();
});

Deno.test("static files never serve dot files or paths leaving the folder", async () => {
  for (const path of ["/.hidden", "/%2e%2e/utils.ts", "/..%2futils.ts", "/a/../../utils.ts"]) {
    const res = await get(app, path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("staticHandler() picks up a changed file and a new ETag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const serve = staticHandler(dir);
    await Deno.writeTextFile(join(dir, "a.txt"), "one");
    const first = (await serve(new Request("http://x/a.txt")))!;
    assert.equal(await first.text(), "one");
    await Deno.writeTextFile(join(dir, "a.txt"), "two!");
    const second = (await serve(new Request("http://x/a.txt")))!;
    assert.equal(await second.text(), "two!");
    assert.notEqual(first.headers.get("etag"), second.headers.get("etag"));
    assert.equal(await serve(new Request("http://x/a.txt", { method: "POST" })), undefined);
    assert.equal(await serve(new Request("http://x/")), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("etagMatches() compares weakly and ignores unrelated tags", () => {
  assert.equal(etagMatches('W/"a"', '"a"'), true);
  assert.equal(etagMatches('"b", "c"', '"a"'), false);
  assert.equal(etagMatches(null, '"a"'), false);
});

Deno.test("staticHandler() looks up only names with an extension", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "LICENSE"), "text");
    await Deno.writeTextFile(join(dir, "robots.txt"), "User-agent: *");
    const serve = staticHandler(dir);
    assert.equal(await serve(new Request("http://x/LICENSE")), undefined);
    assert.equal((await serve(new Request("http://x/robots.txt")))?.status, 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
