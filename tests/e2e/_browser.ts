// What the browser tests (and docs/screenshots.ts) share: where Debian's Chromium is, and
// drawing a digit on the predict page's pad.

import { existsSync } from "node:fs";
import type { Page } from "playwright-core";

/** Debian's Chromium, when installed (`.ci/run` installs it). */
export const CHROMIUM: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
  .find((p) => existsSync(p));

/**
 * Clears the pad, draws polylines on it (points in 0..1 of its size), predicts the drawing
 * and returns the predicted label.
 *
 * @param page the predict page
 * @param strokes polylines, each a list of [x, y]
 * @param steps mouse moves between two points of a stroke
 */
export async function drawAndPredict(
  page: Page,
  strokes: [number, number][][],
  steps = 10,
): Promise<string> {
  const pad = (await page.locator("#pad").boundingBox())!;
  await page.click('button:has-text("Clear")');
  for (const stroke of strokes) {
    await page.mouse.move(pad.x + pad.width * stroke[0]![0], pad.y + pad.height * stroke[0]![1]);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1)) {
      await page.mouse.move(pad.x + pad.width * x, pad.y + pad.height * y, { steps });
    }
    await page.mouse.up();
  }
  const before = await page.locator("#prediction").count()
    ? await page.textContent("#prediction")
    : "";
  await page.click("#predict-drawing");
  await page.waitForFunction(
    (b) => {
      const t = document.querySelector("#prediction")?.textContent ?? "";
      return t !== b && t.includes("drawing.png");
    },
    before,
  );
  return (await page.textContent("#predict-label")) ?? "";
}
