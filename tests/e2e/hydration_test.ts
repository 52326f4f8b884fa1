// Loads fixture pages in headless Chromium (Debian's `chromium`) and checks the
// islands hydrated under the app's CSP. Skipped where Chromium is not installed.
import assert from "node:assert/strict";
import { fixtureApp } from "../web/_app.ts";
import { CHROMIUM } from "./_browser.ts";

async function dumpDom(url: string): Promise<string> {
  const { stdout, stderr, code } = await new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--virtual-time-budget=5000",
      "--dump-dom",
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

Deno.test({
  name: "islands hydrate in Chromium from the local bundle under the CSP",
  ignore: !CHROMIUM,
  async fn() {
    const app = await fixtureApp();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    try {
      const base = `http://127.0.0.1:${server.addr.port}`;
      const home = await dumpDom(`${base}/?label=taps`);
      assert.match(home, /class="counter" data-hydrated="yes">taps: 3<\/button>/);
      const chart = await dumpDom(`${base}/chart`);
      assert.match(chart, /data-hydrated="yes">second: 0/);
      assert.match(chart, /<span class="bar" style="width:70%;"><\/span>/);
      assert.doesNotMatch(chart, /alert\(1\)<\/span>/, "the markup in a label stays text");
    } finally {
      await server.shutdown();
    }
  },
});
