// The player survives a reload: the queue, the current track and where it
// was are saved to the gateway's play queue (the one Subsonic apps share),
// and come back paused at that place, ready to play on.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { audioState, heading, player, rowTitles, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

browserTest("the queue and the position survive a reload", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("resume");
  const { album, tracks } = await findCatalogue(user.account);
  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await page.getByTestId("track-row").nth(2).waitFor();
  const titles = await rowTitles(page);
  const first = tracks.find((t) => t.title === titles[0]);
  const second = tracks.find((t) => t.title === titles[1]);
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 0.2);
  await player(page).getByRole("button", { name: "Next track", exact: true }).click();
  await waitForTrack(page, second, 2);
  await player(page).getByRole("button", { name: "Pause", exact: true }).click();
  await page.waitForFunction(() => document.querySelector("audio")?.paused === true);
  const stopped = (await audioState(page)).currentTime;

  const saved = await poll(
    "the paused queue saved to the gateway",
    () => user.account.get("/v1/me/play-queue").catch(() => null),
    (q) => q?.current_index === 1 && Math.abs(q.position_ms / 1000 - stopped) < 0.5,
  );
  assert.equal(saved.track_ids[1], second.id);
  assert.equal(saved.changed_by, "web");

  await page.reload();
  await page.getByTestId("now-playing").filter({ hasText: second.title }).waitFor();
  await page.waitForFunction((at) => {
    const audio = document.querySelector("audio");
    return audio?.getAttribute("src") && audio.paused && Math.abs(audio.currentTime - at) < 0.5;
  }, stopped);
  await player(page).getByRole("button", { name: "Play", exact: true }).click();
  await page.waitForFunction((at) => (document.querySelector("audio")?.currentTime ?? 0) > at + 0.5, stopped);
});
