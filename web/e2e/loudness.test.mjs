// Volume normalisation: the player brings each track to the loudness the
// gateway measured at upload (its stream URL says by how many dB); played
// from its album's page, by the album's loudness instead (the fixture's last
// track is 20 dB quieter, so the two differ). The listener can turn it off;
// the choice survives a reload.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, player, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("the player normalises loudness, and the listener can turn it off", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("loudness");
  const { artist, album, tracks } = await findCatalogue(user.account);
  const first = tracks[0];
  const answer = await user.account.get(`/v1/tracks/${first.id}/stream-url`);
  assert.ok(answer.loudness, `the seeded track's loudness was measured at upload: ${JSON.stringify(answer)}`);
  assert.ok(answer.album_loudness, `and its album's: ${JSON.stringify(answer)}`);
  const volumeFor = ({ gain_db: gain, peak }) => Math.min(1, 10 ** (gain / 20), peak ? 1 / peak : Infinity);
  const [ownVolume, albumVolume] = [volumeFor(answer.loudness), volumeFor(answer.album_loudness)];
  assert.ok(albumVolume - ownVolume > 0.01, `the quiet track makes the album quieter than the track: ${JSON.stringify(answer)}`);
  const volumeNear = (want) => page.waitForFunction((w) => Math.abs((document.querySelector("audio")?.volume ?? -1) - w) < 0.005, want);

  await signIn(page, user.username, user.password);
  await page.goto(`/artists/${artist.id}`);
  await heading(page, artist.name).waitFor();
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 1);
  await volumeNear(ownVolume);

  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 1);
  await volumeNear(albumVolume);

  const toggle = player(page).getByRole("button", { name: "Normalise volume" });
  assert.equal(await toggle.getAttribute("aria-pressed"), "true", "on by default");
  await toggle.click();
  await page.waitForFunction(() => document.querySelector("audio")?.volume === 1);
  assert.equal(await toggle.getAttribute("aria-pressed"), "false");

  await page.reload();
  await player(page).getByRole("button", { name: "Normalise volume" }).waitFor();
  assert.equal(
    await player(page).getByRole("button", { name: "Normalise volume" }).getAttribute("aria-pressed"),
    "false",
    "the choice is remembered",
  );
});
