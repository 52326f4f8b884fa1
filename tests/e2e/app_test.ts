// The web app in headless Chromium (Debian's `chromium`, driven by
// playwright-core) on 127.0.0.1 with a real in-process model server: predict by
// upload and by drawing, log in, register / scale / unregister a model, relabel
// three examples and export them, open a run's curves. Screenshots go to
// build/screenshots/. Skipped, saying so, where Chromium is not installed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT_DIR } from "../_shared.ts";
import { CHROMIUM } from "./_browser.ts";
import { startOpenAIStandIn } from "../assist/_openai_standin.ts";
import {
  ADMIN,
  digitPng,
  fixtureApp,
  fixtureEnv,
  makeAppDir,
  makeRun,
  RUN_ID,
} from "../web/_pages.ts";

const SHOTS = join(ROOT_DIR, "build", "screenshots");
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

if (!CHROMIUM) {
  console.warn(
    "tests/e2e/app_test.ts skipped: no Chromium at /usr/bin/chromium (apt install chromium)",
  );
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Console errors and page errors (a CSP violation shows up here). */
function watch(page: Page, problems: string[]): void {
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page: ${e.message}`));
}

async function flash(page: Page): Promise<string> {
  return (await page.locator(".flash-text").textContent({ timeout: 30_000 })) ?? "";
}

Deno.test({
  name: "the app in Chromium: predict, log in, serve, label, export, experiments",
  ignore: !CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await Deno.mkdir(SHOTS, { recursive: true });
    const openai = startOpenAIStandIn();
    const dir = await makeAppDir({
      openai: [
        "openai:",
        "  use: true",
        "  model: standin-model",
        `  base_url: ${openai.baseURL}`,
        `  prompt_file: ${join(ROOT_DIR, "conf/prompts/advice.txt")}`,
      ],
    });
    await makeRun(join(dir, "results", "cnn", "baseline", "sgd_2024-05-02_09-30-00"), 2);
    const buildDir = await Deno.makeTempDir({ prefix: "e2e_bundle_" });
    const env = await fixtureEnv({ OPENAI_API_KEY: openai.apiKey });
    const app = await fixtureApp(dir, { bundle: "build", buildDir, start: true, env });
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${http.addr.port}`;
    const profile = await Deno.makeTempDir({ prefix: "e2e_chromium_" });
    let ctx: BrowserContext | undefined;
    const problems: string[] = [];
    try {
      ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport: { width: 1280, height: 900 },
      });
      const page = ctx.pages()[0] ?? await ctx.newPage();
      watch(page, problems);

      // No model yet: the banner points to the serving page.
      await page.goto(`${base}/`);
      await page.getByText("No model to predict with.").waitFor();
      await shot(page, "01-predict-no-model");

      // Log in, then register the archive from the model store.
      await page.getByRole("link", { name: "Open the serving page" }).click();
      await page.waitForURL(/\/login\?next=/);
      await page.fill('input[name="user"]', ADMIN.user);
      await page.fill('input[name="password"]', ADMIN.password);
      await shot(page, "02-login");
      await page.click('button[type="submit"]:has-text("Log in")');
      await page.waitForURL(`${base}/admin/serve`);
      await page.selectOption('select[name="archive"]', "digits.mar");
      await page.fill('input[name="model_name"]', "digits");
      await page.click('#register-form button[type="submit"]');
      assert.match(await flash(page), /Model "digits" Version: 1\.0 registered/);

      // Predict by upload (three digits), then by drawing a "1".
      const files = await Deno.makeTempDir({ prefix: "e2e_digits_" });
      await page.goto(`${base}/`);
      await page.locator('.predict[data-hydrated="yes"]').waitFor();
      for (const i of [0, 1, 2]) {
        const { png, label } = await digitPng(i);
        const file = join(files, `digit-${i}.png`);
        await Deno.writeFile(file, png);
        await page.setInputFiles("#upload", file);
        await page.click("#predict-upload");
        await page.waitForFunction(
          (n) => document.querySelector("#prediction .muted")?.textContent?.includes(n),
          `digit-${i}.png`,
        );
        assert.equal(await page.textContent("#predict-label"), label, `upload of digit ${i}`);
      }
      assert.match(await page.textContent("#stored") ?? "", /Kept for labeling \(local store\)/);
      await page.waitForFunction(() =>
        document.querySelector("#advice")?.classList.contains("advice-done")
      );
      assert.equal(await page.textContent("#advice"), "Looks like a 7.", "advice streamed in");
      await shot(page, "03-predict-upload");
      const pad = (await page.locator("#pad").boundingBox())!;
      await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.15);
      await page.mouse.down();
      for (let k = 1; k <= 20; k++) {
        await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.15 + 0.7 * k / 20));
      }
      await page.mouse.up();
      await page.click("#predict-drawing");
      await page.waitForFunction(() =>
        document.querySelector("#prediction .muted")?.textContent?.includes("drawing.png")
      );
      assert.equal(await page.textContent("#predict-label"), "1", "a drawn vertical stroke is a 1");
      await shot(page, "04-predict-drawing");

      // Scale the model, watch the live figures, and see the archive list.
      await page.goto(`${base}/admin/serve`);
      const row = page.locator('tr[data-model="digits"][data-version="1.0"]');
      await row.locator('input[name="min_worker"]').fill("2");
      await row.locator('input[name="max_worker"]').fill("2");
      await row.locator('.scale-form button[type="submit"]').click();
      assert.match(await flash(page), /Workers scaled to 2 for model: digits/);
      await page.getByText("2 ready · min 2 · max 2").waitFor();
      await page.locator("#live-metrics table").waitFor();
      assert.match(await page.textContent("#live-metrics") ?? "", /digits v1\.0\s*4/);
      await shot(page, "05-serve");

      // Relabel three examples: two with the keyboard, one with the mouse; export them.
      await page.goto(`${base}/admin/label?below=1`);
      await page.locator('.label-queue[data-hydrated="yes"] #current').waitFor();
      const labels: string[] = [];
      for (const [k, how] of [["3", "key"], ["5", "mouse"], ["7", "key"]] as const) {
        const before = await page.getAttribute("#current", "data-id");
        if (how === "key") await page.keyboard.press(k);
        else await page.locator(".class-button", { hasText: k }).first().click();
        await page.waitForFunction(
          (id) =>
            document.querySelector("#current")?.getAttribute("data-id") !== id ||
            document.querySelector("#queue-empty"),
          before,
        );
        labels.push(k);
      }
      assert.match(await page.textContent("#progress") ?? "", /3 labeled/);
      assert.deepEqual(
        await page.locator("#recent .recent-label").allTextContents(),
        [...labels].reverse(),
      );
      await shot(page, "06-label");
      await page.fill('#export-form input[name="name"]', "e2e-round");
      await page.click('#export-form button[type="submit"]');
      assert.match(
        await flash(page),
        /Exported 3 labeled examples .* to .*e2e-round\. Train on them:/,
      );
      const manifest = JSON.parse(
        await Deno.readTextFile(join(dir, "data", "exports", "e2e-round", "manifest.json")),
      );
      assert.deepEqual(manifest.examples.map((e: { label: string }) => e.label), labels);
      await shot(page, "07-label-export");

      // A run's curves, drawn by uPlot.
      await page.goto(`${base}/admin/experiments`);
      await shot(page, "08-experiments");
      await page.click(`a[href="/admin/experiments/${RUN_ID}"]`);
      await page.locator("#loss-chart .chart-box[data-drawn] canvas").waitFor();
      await page.locator("#accuracy-chart .chart-box[data-drawn] canvas").waitFor();
      assert.equal(await page.locator("#loss-chart .u-legend .u-series").count(), 4);
      await shot(page, "09-run");
      await page.goto(`${base}/admin/experiments`);
      for (const box of await page.locator('input[name="run"]').all()) await box.check();
      await page.click('button:has-text("Compare selected runs")');
      await page.locator(".chart-box[data-drawn] canvas").first().waitFor();
      assert.equal(await page.locator("#compare-train_loss .u-legend .u-series").count(), 3);
      await shot(page, "10-compare");

      // Unregister the model: the serving page says none is left.
      await page.goto(`${base}/admin/serve`);
      await row.locator('button[value="unregister"]').click();
      assert.match(await flash(page), /Model "digits" unregistered/);
      await page.locator("#no-models").waitFor();
      await shot(page, "11-serve-unregistered");
      assert.deepEqual(problems, [], "no console errors, no CSP violations");
      await Deno.remove(files, { recursive: true });
    } finally {
      await ctx?.close();
      await openai.close();
      await http.shutdown();
      await app.close();
      for (const d of [dir, buildDir, profile]) await Deno.remove(d, { recursive: true });
    }
  },
});
