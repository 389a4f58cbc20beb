// axe-core on every page of the app, signed out and signed in (as an admin,
// who also sees the studio and the dashboard), with the player playing, and
// at 375 px for the pages people open on phones. Fails on any serious or
// critical violation, and on a page wider than a 375 px screen.
import assert from "node:assert/strict";
import { BLOCKING, describe, violations } from "./lib/axe.mjs";
import { browserTest, MOBILE } from "./lib/browser.mjs";
import { signedInPages, signedOutPages, signInAsAdmin, tourFixture, visit } from "./lib/pages.mjs";
import { trackButton, waitForPlayback } from "./lib/ui.mjs";

browserTest("axe: no serious or critical violations on any page; home and search fit 375 px", { timeout: 300_000 }, async (run) => {
  const fixture = await tourFixture();
  const failures = [];
  const lines = [];

  async function check(page, name) {
    const found = await violations(page);
    const blocking = found.filter((v) => BLOCKING.has(v.impact));
    const other = found.filter((v) => !BLOCKING.has(v.impact));
    lines.push(`  ${name}: ${blocking.length} serious/critical, ${other.length} minor/moderate${other.length ? ` (${other.map((v) => v.id).join(", ")})` : ""}`);
    if (blocking.length) failures.push(`${name}:\n${describe(blocking)}`);
  }

  for (const entry of signedOutPages()) {
    await visit(run.page, entry);
    await check(run.page, entry.name);
  }

  const page = await (await run.newContext()).newPage();
  await signInAsAdmin(page);
  for (const entry of signedInPages(fixture)) {
    await visit(page, entry);
    await check(page, entry.name);
  }
  // The player bar with a track loaded: every control enabled, times shown.
  await visit(page, signedInPages(fixture).find((p) => p.name === "album"));
  await trackButton(page, "Play", fixture.tracks[0].title).click();
  await waitForPlayback(page, 1);
  await check(page, "album, playing");
  await page.getByRole("button", { name: "Pause", exact: true }).click();

  const phone = await (await run.newContext({ viewport: MOBILE })).newPage();
  await signInAsAdmin(phone);
  for (const entry of signedInPages(fixture).filter((p) => p.name === "home" || p.name === "search")) {
    await visit(phone, entry);
    await check(phone, `${entry.name} at 375 px`);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    lines.push(`  ${entry.name} at 375 px: scrollWidth ${width}`);
    if (width > MOBILE.width) failures.push(`${entry.name} at 375 px scrolls sideways: document scrollWidth ${width} > ${MOBILE.width}`);
  }

  console.log(`axe-core, per page:\n${lines.join("\n")}`);
  assert.equal(failures.length, 0, `expected no serious or critical axe violations and no sideways scrolling; found:\n${failures.join("\n")}`);
});
