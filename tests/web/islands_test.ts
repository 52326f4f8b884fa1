import assert from "node:assert/strict";
import { buildApp, buildIslandBundle, BUNDLE_PREFIX, ISLAND_DATA_ID } from "../../lib/web/mod.ts";
import { fixtureApp, FIXTURES, get, reported } from "./_app.ts";

const app = await fixtureApp();

function islandData(html: string): { urls: Record<string, string>; islands: unknown[] } {
  const m = new RegExp(`<script type="application/json" id="${ISLAND_DATA_ID}">(.*?)</script>`)
    .exec(html);
  assert.ok(m, "the page has an island data element");
  return JSON.parse(m[1]!);
}

function scriptUrls(html: string): string[] {
  const urls = [
    ...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g),
  ];
  return [...new Set(urls.map((m) => m[1]!))];
}

Deno.test("islands render on the server inside a wrapper, with their props as JSON", async () => {
  const html = await (await get(app, "/?label=taps")).text();
  assert.match(
    html,
    /<web-island data-id="0"><button type="button" class="counter" data-hydrated="no">taps: 3<\/button><\/web-island>/,
  );
  const data = islandData(html);
  assert.deepEqual(data.islands, [["Counter", { start: 3, label: "taps" }]]);
  assert.equal(data.urls.Counter, BUNDLE_PREFIX + app.bundle!.islands.Counter);
  assert.match(html, /<style>web-island\{display:contents\}<\/style>/);
  assert.match(
    html,
    new RegExp(`<script type="module" src="${BUNDLE_PREFIX}_boot-[0-9A-Z]+\\.js"></script></body>`),
  );
});

Deno.test("island props cannot close their script element", async () => {
  const html = await (await get(app, "/chart")).text();
  assert.equal(html.match(/<\/script>/g)?.length, 2, "only the two real script ends");
  assert.doesNotMatch(html, /<script>alert/);
  const data = islandData(html);
  const [name, props] = data.islands[0] as [string, { rows: { label: string }[] }];
  assert.equal(name, "chart__Bars");
  assert.equal(props.rows[0]!.label, "</script><script>alert(1)</script>");
  assert.deepEqual(Object.keys(data.urls).sort(), ["Counter", "chart__Bars"]);
});

Deno.test("a page loads only the JavaScript of the islands it uses", async () => {
  const home = scriptUrls(await (await get(app, "/")).text());
  assert.ok(home.some((u) => u.includes("/Counter-")));
  assert.ok(!home.some((u) => u.includes("/chart__Bars-")), "Bars is not on the home page");
  const about = await (await get(app, "/blog/new")).text();
  assert.doesNotMatch(about, /<script|modulepreload/, "no islands, no JavaScript");
});

Deno.test("bundle files are served immutable with ETags and 304s", async () => {
  const urls = scriptUrls(await (await get(app, "/chart")).text());
  assert.ok(urls.length >= 3);
  for (const url of urls) {
    const res = await get(app, url);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const code = await res.text();
    assert.doesNotMatch(
      code,
      /from\s*["'](?:preact|npm:|https?:)/,
      "no bare or remote imports left",
    );
    const again = await get(app, url, { headers: { "if-none-match": res.headers.get("etag")! } });
    assert.equal(again.status, 304);
  }
  assert.equal((await get(app, `${BUNDLE_PREFIX}nope.js`)).status, 404);
});

Deno.test("the boot module hydrates from the data element and the island entry exports the component", async () => {
  const boot = await (await get(app, BUNDLE_PREFIX + app.bundle!.boot)).text();
  assert.match(boot, new RegExp(ISLAND_DATA_ID));
  assert.match(boot, /web-island\[data-id\]/);
  const entry = await (await get(app, BUNDLE_PREFIX + app.bundle!.islands.Counter)).text();
  assert.match(entry, /export\s*\{\s*\w+ as default\s*\}/);
});

Deno.test("an island given a function prop fails with a message naming island and prop", async () => {
  reported.length = 0;
  const res = await get(app, "/bad_props");
  assert.equal(res.status, 500);
  await res.body?.cancel();
  assert.equal(reported.length, 1);
  assert.match(
    (reported[0] as Error).message,
    /^Cannot serialize props of island "Counter": props\.label is a function \(island props must be JSON values/,
  );
});

Deno.test("buildIslandBundle() names the file, line and column of a build error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/islands`);
    await Deno.writeTextFile(
      `${dir}/islands/Broken.tsx`,
      'import thing from "not-a-package";\nexport default () => <p>{thing}</p>;\n',
    );
    const manifest = {
      routes: {},
      islands: { "./islands/Broken.tsx": { default: () => null } },
      baseUrl: `file://${dir}/routes.gen.ts`,
    };
    const config = new URL("../../deno.json", import.meta.url).pathname;
    await assert.rejects(
      buildIslandBundle(manifest, { outDir: `${dir}/build/web`, config }),
      /^Error: Cannot bundle islands: islands\/Broken\.tsx:1:19: Could not resolve "not-a-package"$/,
    );
    assert.deepEqual([...Deno.readDirSync(`${dir}/build`)], [], "no half-written bundle");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildApp() writes what createWebApp() reads back with bundle: prebuilt", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const built = await buildApp(FIXTURES, { outDir });
    assert.equal(built.changed, false, "the committed manifest is current");
    const prebuilt = await fixtureApp({ bundle: "prebuilt", buildDir: outDir });
    assert.deepEqual(prebuilt.bundle!.islands, built.bundle.islands);
    const url = BUNDLE_PREFIX + built.bundle.islands.Counter;
    assert.equal((await get(prebuilt, url)).status, 200);
    await assert.rejects(
      fixtureApp({ bundle: "prebuilt", buildDir: `${outDir}/none` }),
      /^Error: Cannot read the island bundle in ".*none": no bundle\.json \(run deno task build\)/,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
