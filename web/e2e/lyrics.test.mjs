// Lyrics in the player: synced (LRC) lines follow playback, the panel has
// no accessibility violations, and Escape gives focus back to its button.
import assert from "node:assert/strict";
import { admin, findCatalogue, register, request } from "./lib/api.mjs";
import { describe, violations } from "./lib/axe.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, player, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("synced lyrics follow playback in the player", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("lyrics");
  const { album, tracks } = await findCatalogue(user.account);
  const first = tracks[0];
  const editor = await admin();
  const path = `/v1/tracks/${first.id}/lyrics`;
  const text = "[00:00.00]Line one\n[00:01.00]Line two\n[00:02.00]Line three";
  await request(path, { method: "PUT", token: await editor.token(), body: { text, lang: "en" }, expect: [200] });
  try {
    await signIn(page, user.username, user.password);
    await page.goto(`/albums/${album.id}`);
    await heading(page, album.title).waitFor();
    await trackButton(page, "Play", first.title).click();
    await waitForTrack(page, first, 0.1);
    const button = player(page).getByRole("button", { name: "Lyrics", exact: true });
    await button.click();
    const panel = page.getByRole("region", { name: `Lyrics of ${first.title}` });
    await panel.waitFor();
    const lines = panel.getByTestId("lyrics-line");
    // The panel opens before its lyrics arrive; read the lines once all three are in.
    await lines.nth(2).waitFor();
    assert.deepEqual(await lines.allInnerTexts(), ["Line one", "Line two", "Line three"]);
    // Past two seconds in, the third line is the current one.
    await waitForTrack(page, first, 2.2);
    await page.waitForFunction(() => document.querySelector('[data-testid="lyrics-line"][aria-current="true"]')?.textContent === "Line three");

    const found = (await violations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.equal(found.length, 0, `axe with the lyrics open:\n${describe(found)}`);

    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Lyrics", "focus back on the button");
  } finally {
    await request(path, { method: "DELETE", token: await editor.token(), expect: [204] });
  }
});
