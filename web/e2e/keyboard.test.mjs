// Playback with the keyboard alone: Tab to a track's Play button, Enter
// plays it; Tab on to the player's Pause, Space pauses, Enter plays again.
// Wherever focus is, it must be visible.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { audioState, heading, rowTitles, signIn, waitForPlayback, waitForTrack } from "./lib/ui.mjs";

/** The focused element's accessible-ish name and whether its focus shows. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { name: "(body)", visible: false };
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const ring = style.boxShadow !== "none";
    return {
      name: el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40) || el.tagName,
      focusVisible: el.matches(":focus-visible"),
      visible: el.matches(":focus-visible") && (outline || ring),
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    };
  });
}

/** Presses Tab until the element named `name` has focus; fails listing the stops on the way. */
async function tabTo(page, name, limit = 80) {
  const stops = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    stops.push(now.name);
    if (now.name === name) return now;
  }
  assert.fail(`Tab did not reach "${name}" in ${limit} presses; focus went: ${stops.join(" → ")}`);
}

function assertFocusVisible(state) {
  assert.ok(state.visible, `focus on "${state.name}" should be visible (:focus-visible ${state.focusVisible}, outline ${state.outline})`);
}

browserTest("keyboard only: Tab to a track, Enter plays, Space and Enter on the player pause and resume", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("keys");
  const { album, tracks } = await findCatalogue(user.account);
  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await page.getByTestId("track-row").first().waitFor();
  const [title] = await rowTitles(page);
  const track = tracks.find((t) => t.title === title);

  // From the top of the page, as after a fresh load.
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  assertFocusVisible(await tabTo(page, `Play ${title}`));
  await page.keyboard.press("Enter");
  await waitForTrack(page, track, 1);

  assertFocusVisible(await tabTo(page, "Pause"));
  await page.keyboard.press("Space");
  await page.waitForFunction(() => document.querySelector("audio")?.paused === true, null, { timeout: 5_000 }).catch(async () => {
    assert.fail(`Space on Pause should pause the audio: ${JSON.stringify(await audioState(page))}`);
  });
  const paused = await focused(page);
  assert.equal(paused.name, "Play", "focus should stay on the button, now named Play");
  assertFocusVisible(paused);

  const at = (await audioState(page)).currentTime;
  await page.keyboard.press("Enter");
  await waitForPlayback(page, at + 0.5, { trackId: track.id, timeout: 10_000 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("audio")?.paused === true, null, { timeout: 5_000 });
});
