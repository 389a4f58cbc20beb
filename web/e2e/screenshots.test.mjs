// A full-page picture of every page the accessibility test checks, at
// 1280×800, and at 375 px for home, search and the player, to look at after
// the run: JOURNEY_OUTPUT/screenshots/<page>.png.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { browserTest, MOBILE } from "./lib/browser.mjs";
import { outputDir } from "./lib/env.mjs";
import { settle, signedInPages, signedOutPages, signInAsAdmin, tourFixture, visit } from "./lib/pages.mjs";
import { trackButton, waitForPlayback } from "./lib/ui.mjs";

browserTest("screenshots of every page (1280×800, and 375 px for home, search and the player)", { timeout: 300_000 }, async (run) => {
  const fixture = await tourFixture();
  const dir = outputDir("screenshots");
  const saved = [];

  // The player bar is fixed to the bottom of the window; a full-page capture
  // of a short window would leave it halfway down the picture, so the window
  // is made as tall as the page first.
  async function shoot(page, name) {
    const path = join(dir, `${name}.png`);
    const size = page.viewportSize();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (height > size.height) await page.setViewportSize({ width: size.width, height });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    await page.screenshot({ path, fullPage: true, animations: "disabled" });
    await page.setViewportSize(size);
    assert.ok(statSync(path).size > 1_000, `${path} should be a real picture`);
    saved.push(path);
  }

  /** An album with its first track playing (the player bar in full). */
  async function playing(page) {
    await visit(page, signedInPages(fixture).find((p) => p.name === "album"));
    await trackButton(page, "Play", fixture.tracks[0].title).click();
    await waitForPlayback(page, 1);
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    await settle(page, "player");
  }

  for (const entry of signedOutPages()) {
    await visit(run.page, entry);
    await shoot(run.page, entry.name);
  }

  const page = await (await run.newContext()).newPage();
  await signInAsAdmin(page);
  for (const entry of signedInPages(fixture)) {
    await visit(page, entry);
    await shoot(page, entry.name);
  }
  await playing(page);
  await shoot(page, "player");

  const phone = await (await run.newContext({ viewport: MOBILE })).newPage();
  await signInAsAdmin(phone);
  for (const entry of signedInPages(fixture).filter((p) => p.name === "home" || p.name === "search")) {
    await visit(phone, entry);
    await shoot(phone, `${entry.name}-375`);
  }
  await playing(phone);
  await shoot(phone, "player-375");

  console.log(`screenshots (${saved.length}):\n${saved.map((p) => `  ${p}`).join("\n")}`);
});
