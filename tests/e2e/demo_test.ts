// The demo's own model in Chromium: `startDemo` trains (one epoch, all 8,000 training digits),
// quantizes, archives and serves; the predict page answers a drawn "1". (Thick drawn strokes
// are unlike MNIST's pen strokes: after one epoch a drawn 7 can still read as a 2 — what the
// labeling page and retraining from feedback are for.)
// Skipped, saying so, where Chromium is not installed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { startDemo } from "../../cli/demo.ts";
import { ROOT_DIR } from "../_shared.ts";
import { capture } from "../train/_experiment.ts";
import { CHROMIUM, drawAndPredict } from "./_browser.ts";

if (!CHROMIUM) {
  console.warn("tests/e2e/demo_test.ts skipped: no Chromium at /usr/bin/chromium");
}

/** Draws polylines (points in 0..1 of the pad), keeps a screenshot, returns the predicted label. */
async function draw(page: Page, strokes: [number, number][][], name: string): Promise<string> {
  const label = await drawAndPredict(page, strokes);
  await page.screenshot({ path: join(ROOT_DIR, "build", "screenshots", `demo-${name}.png`) });
  return label;
}

Deno.test({
  name: "the demo's model answers digits drawn on the predict page",
  ignore: !CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "demo_e2e_" });
    const buildDir = await Deno.makeTempDir({ prefix: "demo_e2e_bundle_" });
    const profile = await Deno.makeTempDir({ prefix: "demo_e2e_chromium_" });
    await Deno.mkdir(join(ROOT_DIR, "build", "screenshots"), { recursive: true });
    const demo = await startDemo({
      baseDir: dir,
      overrides: ["trainer.training_iters=1", "trainer.epochs_per_iteration=1"],
      web: { address: "http://127.0.0.1:0" },
      server: {
        inferenceAddress: "http://127.0.0.1:0",
        managementAddress: "http://127.0.0.1:0",
        metricsAddress: "http://127.0.0.1:0",
      },
      env: {},
      bundle: "build",
      buildDir,
      print: () => {},
      stream: capture(),
    });
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      viewport: { width: 1200, height: 820 },
    });
    try {
      const page = ctx.pages()[0] ?? await ctx.newPage();
      await page.goto(`${demo.urls.web}/`);
      await page.locator('.predict[data-hydrated="yes"]').waitFor();
      assert.equal(await draw(page, [[[0.5, 0.15], [0.5, 0.85]]], "one"), "1");
      assert.match(await page.textContent("#prediction") ?? "", /cnn_int8_static v1\.0/);
    } finally {
      await ctx.close();
      await demo.close();
      for (const d of [dir, buildDir, profile]) await Deno.remove(d, { recursive: true });
    }
  },
});
