// The player's keyboard shortcuts, from anywhere but a field: K pauses and
// plays, the arrows seek, M mutes, / goes to search with the box focused,
// and ? lists them all in a dialog with no accessibility violations.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { describe, violations } from "./lib/axe.mjs";
import { browserTest } from "./lib/browser.mjs";
import { audioState, heading, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("keyboard shortcuts drive the player and ? lists them", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("shortcuts");
  const { album, tracks } = await findCatalogue(user.account);
  const first = tracks[0];
  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 0.5);
  // Focus on the page, not on the button that was clicked (Space is its own).
  await page.locator("main").focus();

  await page.keyboard.press("k");
  await page.waitForFunction(() => document.querySelector("audio")?.paused === true);
  const before = (await audioState(page)).currentTime;
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((at) => (document.querySelector("audio")?.currentTime ?? 0) >= at + 9, before);
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction((at) => Math.abs((document.querySelector("audio")?.currentTime ?? 0) - at) < 1, before);
  await page.keyboard.press("k");
  await page.waitForFunction(() => document.querySelector("audio")?.paused === false);
  await page.keyboard.press("m");
  await page.waitForFunction(() => document.querySelector("audio")?.muted === true);
  await page.keyboard.press("m");

  await page.keyboard.press("Shift+?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await help.waitFor();
  assert.ok(await help.getByText("Play or pause").isVisible());
  const found = (await violations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.equal(found.length, 0, `axe with the shortcuts open:\n${describe(found)}`);
  // While the dialog is open, the player's keys are the dialog's.
  await page.keyboard.press("k");
  assert.equal((await audioState(page)).paused, false, "k inside the dialog does nothing");
  await page.keyboard.press("Escape");
  await help.waitFor({ state: "hidden" });

  await page.keyboard.press("/");
  await page.waitForURL(/\/search/);
  await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "combobox");
  // Typed into the box, a k is a letter, not a pause.
  await page.keyboard.type("k");
  assert.equal((await audioState(page)).paused, false);
});
