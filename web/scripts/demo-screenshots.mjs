// Screenshots of the running demo (`bash scripts/stack demo`) in Debian's
// Chromium, for docs and release notes: home, an album, and the player with
// a track's lyrics open, at desktop width and at 375 px.
//
//   node scripts/demo-screenshots.mjs [--url http://127.0.0.1:8080] [--out DIR] [--album TITLE]
//
// It signs in as the demo's simulated listener, plays the album's first
// track and opens its lyrics where the app has them (the demo gives the
// first tracks of well-known artists spoken titles with synced lyrics).
// A control the app does not have is passed over, so the same script also
// shows an older build of the app.
/* global document -- in the functions the page runs */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opts } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8080" },
    out: { type: "string", default: "e2e-output/demo-screenshots" },
    album: { type: "string", default: "For Those About To Rock We Salute You" },
    login: { type: "string", default: "sim-0000" },
    password: { type: "string", default: "encore-simulated-listener" },
    chromium: { type: "string", default: process.env.JOURNEY_CHROMIUM ?? "/usr/bin/chromium" },
  },
});
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, mobile: { width: 375, height: 812 } };

async function albumId(title) {
  const query = new URLSearchParams({ q: title, type: "album", limit: "5" });
  const answer = await fetch(`${opts.url}/v1/search?${query}`);
  if (!answer.ok) throw new Error(`search for the album: HTTP ${answer.status}`);
  const hit = (await answer.json()).items.find((h) => h.title === title);
  if (!hit) throw new Error(`no album titled "${title}": is the demo loaded?`);
  return hit.id;
}

/** Clicks `locator` if the app has it; false if not. */
async function clickIfThere(locator) {
  if ((await locator.count()) === 0) return false;
  await locator.first().click();
  return true;
}

async function shoot(browser, name, viewport, album) {
  const context = await browser.newContext({ viewport, baseURL: opts.url, colorScheme: "dark" });
  const page = await context.newPage();
  const save = async (what) => {
    // Every image on the page decoded (or failed), then transitions settle.
    await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 10_000 }).catch(() => undefined);
    await page.waitForTimeout(800);
    const path = join(opts.out, `${what}-${name}.png`);
    await page.screenshot({ path });
    console.log(`wrote ${path}`);
  };
  await page.goto("/signin");
  await page.getByLabel("Email or username", { exact: true }).fill(opts.login);
  await page.getByLabel("Password", { exact: true }).fill(opts.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "Home" }).waitFor();
  await save("home");
  await page.goto(`/albums/${album}`);
  await page.getByRole("heading", { level: 1, name: opts.album }).waitFor();
  await save("album");
  await page.getByTestId("track-row").first().getByRole("button").first().click();
  await page.waitForFunction(() => [...document.querySelectorAll("audio")].some((a) => !a.paused && a.currentTime > 1.2));
  await clickIfThere(page.getByRole("button", { name: "Lyrics", exact: true }));
  await save("player");
  await context.close();
}

mkdirSync(opts.out, { recursive: true });
const album = await albumId(opts.album);
const browser = await chromium.launch({
  executablePath: opts.chromium,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
});
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) await shoot(browser, name, viewport, album);
} finally {
  await browser.close();
}
