// Gapless playback: in an album's last seconds the player loads the next
// track in a second element, and when the first ends the next one starts in
// the same moment, from audio already buffered, with no URL to fetch first.
// Every play() is logged by an init script with the element's readyState, so
// a next track started the slow way (readyState 0, its URL still loading)
// fails the test.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("an album plays through without a gap: the next track is loaded ahead and starts as the last ends", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("gapless");
  const { album, tracks } = await findCatalogue(user.account);
  const [first, second] = tracks;
  await page.addInitScript(() => {
    const log = (window.__plays = []);
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function () {
      log.push({ kind: "play", at: performance.now(), src: this.currentSrc || this.src, readyState: this.readyState });
      if (!this.__watched) {
        this.__watched = true;
        this.addEventListener("ended", () => log.push({ kind: "ended", at: performance.now(), src: this.currentSrc }));
      }
      return play.call(this);
    };
  });

  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 1);
  // Three seconds from the end of the first track, rather than its 30 s.
  await page.evaluate(() => {
    const audio = document.querySelector("audio");
    audio.currentTime = audio.duration - 3;
  });
  await waitForTrack(page, second, 0.5);

  const log = await page.evaluate(() => window.__plays);
  const ended = log.find((e) => e.kind === "ended" && e.src.includes(first.id));
  const started = log.find((e) => e.kind === "play" && e.src.includes(second.id));
  assert.ok(ended && started, `the first track ended and the second started: ${JSON.stringify(log)}`);
  assert.ok(started.readyState >= 3, `the second track had audio buffered when it started: ${JSON.stringify(started)}`);
  // The app's own "ended" handler runs before the logging one, so the start may even log first.
  assert.ok(started.at - ended.at < 50, `${started.at - ended.at} ms between the end and the next start`);
});
