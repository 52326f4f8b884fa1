/**
 * Takes the README's walkthrough screenshots from a running demo with
 * headless Chromium (Debian's `chromium`, driven by playwright-core):
 *
 *   deno run -A docs/screenshots.ts --base http://127.0.0.1:8000 --user admin \
 *     --password … [--steps predict,label,experiments,serve] [--out docs/images]
 *
 * `predict` draws a 0, a 7 and a 1 and checks the answers (the predictions
 * are kept for labeling); `label` labels three queued predictions (the drawn
 * digits, predicted as drawn) and, with `--export NAME`, exports them;
 * `experiments` opens the newest run's curves; `serve` shows the served
 * models (with a candidate version beside the default when one is
 * registered). Images are resized to 960 px wide, palette PNGs.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import sharp from "sharp";
import { CHROMIUM, drawAndPredict } from "../tests/e2e/_browser.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string", default: "http://127.0.0.1:8000" },
    user: { type: "string", default: "admin" },
    password: { type: "string", default: "" },
    steps: { type: "string", default: "predict,label,experiments,serve" },
    out: { type: "string", default: "docs/images" },
    export: { type: "string", default: "" },
  },
});
const base = v.base!;
const steps = new Set(v.steps!.split(","));
const browser = CHROMIUM;
if (!browser) throw new Error("No Chromium at /usr/bin/chromium (apt install chromium)");

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  const raw = await page.screenshot({ fullPage });
  const file = join(v.out!, `${name}.png`);
  await sharp(raw).resize({ width: 960 }).png({ palette: true, compressionLevel: 9 }).toFile(file);
  console.log(`${file}: ${(await Deno.stat(file)).size} bytes`);
}

/** Draws strokes on the pad (points in 0..1 of its size) and predicts. */
function draw(page: Page, strokes: [number, number][][]): Promise<string> {
  return drawAndPredict(page, strokes, 8);
}

const ctx = await chromium.launchPersistentContext(await Deno.makeTempDir(), {
  executablePath: browser,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  viewport: { width: 1200, height: 820 },
});
try {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  await Deno.mkdir(v.out!, { recursive: true });
  if (steps.has("predict")) {
    await page.goto(`${base}/`);
    await page.locator('.predict[data-hydrated="yes"]').waitFor();
    const circle = Array.from({ length: 25 }, (_, k) => {
      const a = (k / 24) * 2 * Math.PI;
      return [0.5 + 0.22 * Math.sin(a), 0.5 - 0.3 * Math.cos(a)] as [number, number];
    });
    const seven: [number, number][] = [[0.28, 0.2], [0.72, 0.2], [0.45, 0.85]];
    for (const [digit, strokes] of [["0", [circle]], ["7", [seven]]] as const) {
      const got = await draw(page, [...strokes]);
      console.log(`drawn ${digit}: predicted ${got}`);
      // The label step confirms predictions: they must be the digits drawn.
      if (got !== digit) throw new Error(`The drawn ${digit} was predicted as ${got}: run again`);
    }
    const one = await draw(page, [[[0.5, 0.15], [0.5, 0.85]]]);
    console.log(`drawn 1: predicted ${one}`);
    if (one !== "1") throw new Error(`The drawn 1 was predicted as ${JSON.stringify(one)}`);
    await shot(page, "predict");
  }
  if (steps.has("label") || steps.has("experiments") || steps.has("serve")) {
    await page.goto(`${base}/login?next=/admin/serve`);
    await page.fill('input[name="user"]', v.user!);
    await page.fill('input[name="password"]', v.password!);
    await page.click('button[type="submit"]:has-text("Log in")');
    await page.waitForURL(`${base}/admin/serve`);
  }
  if (steps.has("label")) {
    await page.goto(`${base}/admin/label?below=1`);
    await page.locator('.label-queue[data-hydrated="yes"]').waitFor();
    await shot(page, "label");
    // The drawn digits were predicted as drawn (checked above): their labels confirm that.
    for (let k = 0; k < 3; k++) {
      if (!await page.locator("#current").count()) break;
      const before = await page.getAttribute("#current", "data-id");
      await page.keyboard.press((await page.textContent("#predicted"))!.trim());
      await page.waitForFunction(
        (id) =>
          document.querySelector("#current")?.getAttribute("data-id") !== id ||
          document.querySelector("#queue-empty"),
        before,
      );
    }
    if (v.export) {
      await page.fill('#export-form input[name="name"]', v.export);
      await page.click('#export-form button[type="submit"]');
      console.log(await page.locator(".flash-text").textContent({ timeout: 30_000 }));
    }
  }
  if (steps.has("experiments")) {
    await page.goto(`${base}/admin/experiments`);
    await page.locator('a[href^="/admin/experiments/"]').first().click();
    await page.locator("#accuracy-chart .chart-box[data-drawn] canvas").waitFor();
    await shot(page, "experiments", false);
  }
  if (steps.has("serve")) {
    await page.goto(`${base}/admin/serve`);
    await page.locator("#live-metrics").waitFor();
    await shot(page, "serve");
  }
} finally {
  await ctx.close();
}
