/**
 * Web runtime figures, each beside a baseline measured in the same run:
 * - server render p50 of a fixture page with islands through the whole app
 *   (`app.fetch`: routing, middleware, layouts, island serialization, headers)
 *   vs a plain Hono route rendering the same markup with `renderToString`, and
 *   `renderToString` alone;
 * - JavaScript a page ships to the browser (every module its HTML loads or
 *   preloads), raw and gzipped, against the 60 KB gzip target;
 * - the app's predict page (`/`): server render p50 through `createApp`'s
 *   fetch with a real in-process model server serving the reference CNN (the
 *   page asks its management API for the models), beside a plain Hono route
 *   rendering the same island markup; and the JavaScript it ships, against the
 *   60 KB gzip target, with the admin pages' figures beside it.
 *
 * Run: `deno run -A bench/web.ts` (or `deno task bench web`).
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { Hono } from "hono";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { createWebApp } from "../lib/web/mod.ts";
import Predict from "../islands/Predict.tsx";
import { Client, fixtureApp, makeAppDir, RUN_ID } from "../tests/web/_pages.ts";
import { manifest } from "../tests/web/fixtures/routes.gen.ts";
import Counter from "../tests/web/fixtures/islands/Counter.tsx";
import Bars from "../tests/web/fixtures/islands/chart/Bars.tsx";

const TARGET_GZIP = 60 * 1024;
const ROWS = [{ label: "a", value: 0.7 }, { label: "b", value: 0.3 }];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function p50(fn: () => unknown, repeats: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

function bareChart(): string {
  return "<!DOCTYPE html>" + renderToString(
    h(
      "html",
      { lang: "en" },
      h("head", null, h("meta", { charset: "utf-8" })),
      h(
        "body",
        null,
        h("main", null, h(Bars, { rows: ROWS }), h(Counter, { start: 0, label: "x" })),
      ),
    ),
  );
}

async function shippedJs(
  fetchPage: (path: string) => Promise<Response>,
  path: string,
): Promise<{ files: number; raw: number; gz: number }> {
  const html = await (await fetchPage(path)).text();
  const urls = new Set(
    [...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)]
      .map((m) => m[1]!),
  );
  let raw = 0;
  let gz = 0;
  for (const url of urls) {
    const bytes = new Uint8Array(await (await fetchPage(url)).arrayBuffer());
    raw += bytes.byteLength;
    gz += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { files: urls.size, raw, gz };
}

function jsLine(path: string, js: { files: number; raw: number; gz: number }): string {
  const verdict = js.gz <= TARGET_GZIP ? "within" : "OVER";
  return `  ${path.padEnd(28)} ${String(js.files).padStart(2)} files  ${
    String(js.raw).padStart(6)
  } B raw  ${String(js.gz).padStart(6)} B gzip  (${verdict} the ${TARGET_GZIP} B target)`;
}

const buildDir = await Deno.makeTempDir({ prefix: "bench_web_" });
try {
  const t0 = performance.now();
  const app = await createWebApp(manifest, { buildDir, onError: () => {} });
  const buildMs = performance.now() - t0;
  const get = (path: string) => app.fetch(new Request(`http://localhost${path}`));

  const hono = new Hono().get("/chart", (c) => c.html(bareChart()));
  const appMs = await p50(async () => await (await get("/chart")).text(), 2000);
  const honoMs = await p50(
    async () => await (await hono.fetch(new Request("http://localhost/chart"))).text(),
    2000,
  );
  const bareMs = await p50(bareChart, 2000);
  console.log("server render p50 of /chart (2 islands):");
  console.log(`  app.fetch (ours, whole request)        ${appMs.toFixed(3)} ms`);
  console.log(`  Hono route + renderToString (baseline) ${honoMs.toFixed(3)} ms`);
  console.log(`  renderToString alone (baseline)        ${bareMs.toFixed(3)} ms`);
  console.log(`  ours / Hono baseline                   ${(appMs / honoMs).toFixed(2)}x`);
  console.log(`  (start-up with island bundling: ${buildMs.toFixed(0)} ms)`);

  console.log("\nJavaScript shipped per page (every module loaded or preloaded):");
  for (const path of ["/", "/chart", "/blog/new"]) {
    console.log(jsLine(path, await shippedJs(get, path)));
  }
  await benchPredictPage();
} finally {
  await Deno.remove(buildDir, { recursive: true });
}

async function benchPredictPage(): Promise<void> {
  const dir = await makeAppDir();
  const appBuild = await Deno.makeTempDir({ prefix: "bench_web_app_" });
  const app = await fixtureApp(dir, { bundle: "build", buildDir: appBuild, start: true });
  try {
    await app.services.server.client.register({ url: "digits.mar" });
    const page = (path: string) => app.fetch(new Request(`http://localhost${path}`));
    const props = {
      models: [{ name: "digits", versions: ["1.0"], defaultVersion: "1.0" }],
      advice: { enabled: false, note: "Advice is off: openai.use is false in app_config.yaml" },
      storeOn: true,
      maxBytes: 5 * 1024 * 1024,
    };
    const bare = () =>
      "<!DOCTYPE html>" + renderToString(
        h("html", { lang: "en" }, h("body", null, h("main", null, h(Predict, props)))),
      );
    const hono = new Hono().get("/", (c) => c.html(bare()));
    const appMs = await p50(async () => await (await page("/")).text(), 1000);
    const honoMs = await p50(
      async () => await (await hono.fetch(new Request("http://localhost/"))).text(),
      1000,
    );
    const apiMs = await p50(() => app.services.server.client.models(), 1000);
    console.log("\nthe app's predict page /, model server up with one model:");
    console.log(
      `  app.fetch (ours: session, models from the management API) ${appMs.toFixed(3)} ms`,
    );
    console.log(
      `  Hono route + renderToString of the same island (baseline) ${honoMs.toFixed(3)} ms`,
    );
    console.log(
      `  of which the management API calls (list + describe)      ${apiMs.toFixed(3)} ms`,
    );
    console.log(
      `  ours / baseline                                           ${(appMs / honoMs).toFixed(2)}x`,
    );
    const admin = new Client(app);
    await admin.login();
    const adminPage = (path: string) => admin.fetch(path);
    console.log("\nJavaScript shipped by the app's pages:");
    console.log(jsLine("/ (predict)", await shippedJs(page, "/")));
    for (const path of ["/admin/serve", "/admin/label", `/admin/experiments/${RUN_ID}`]) {
      const label = path.length > 28 ? "/admin/experiments/<run>" : path;
      console.log(jsLine(label, await shippedJs(adminPage, path)));
    }
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(appBuild, { recursive: true });
  }
}
