// Volume normalisation: the player brings each track to the loudness the
// gateway measured at upload (its stream URL says by how many dB), and the
// listener can turn it off; the choice survives a reload.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, player, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("the player normalises loudness, and the listener can turn it off", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("loudness");
  const { album, tracks } = await findCatalogue(user.account);
  const first = tracks[0];
  const answer = await user.account.get(`/v1/tracks/${first.id}/stream-url`);
  assert.ok(answer.loudness, `the seeded track's loudness was measured at upload: ${JSON.stringify(answer)}`);
  const { gain_db: gain, peak } = answer.loudness;
  const expected = Math.min(1, 10 ** (gain / 20), peak ? 1 / peak : Infinity);

  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 1);
  await page.waitForFunction((want) => Math.abs((document.querySelector("audio")?.volume ?? -1) - want) < 0.01, expected);

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
