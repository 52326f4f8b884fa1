/**
 * Web runtime figures, each beside a baseline measured in the same run:
 * - server render p50 of a fixture page with islands through the whole app
 *   (`app.fetch`: routing, middleware, layouts, island serialization, headers)
 *   vs a plain Hono route rendering the same markup with `renderToString`, and
 *   `renderToString` alone;
 * - JavaScript a page ships to the browser (every module its HTML loads or
 *   preloads), raw and gzipped, against the 60 KB gzip target; the predict
 *   page's figure comes with the app's pages.
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
    const html = await (await get(path)).text();
    const urls = new Set(
      [...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)]
        .map((m) => m[1]!),
    );
    let raw = 0;
    let gz = 0;
    for (const url of urls) {
      const bytes = new Uint8Array(await (await get(url)).arrayBuffer());
      raw += bytes.byteLength;
      gz += gzipSync(bytes, { level: 9 }).byteLength;
    }
    const verdict = gz <= TARGET_GZIP ? "within" : "OVER";
    console.log(
      `  ${path.padEnd(10)} ${String(urls.size).padStart(2)} files  ${
        String(raw).padStart(6)
      } B raw  ${String(gz).padStart(6)} B gzip  (${verdict} the ${TARGET_GZIP} B target)`,
    );
  }
} finally {
  await Deno.remove(buildDir, { recursive: true });
}
