// Radio: started from a track's menu, it plays that track and queues what
// the gateway finds after it (co-listening, then the artist's other tracks),
// each once; started from an artist's page, it plays that artist's tracks.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, player, signIn, waitForTrack } from "./lib/ui.mjs";

async function queueTitles(page) {
  return page.getByTestId("queue-item").locator(".player-queue-title").allTextContents();
}

browserTest("a radio from a track and from an artist", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("radio");
  const { artist, album, tracks } = await findCatalogue(user.account);
  await signIn(page, user.username, user.password);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();

  const seed = tracks[1];
  await page.getByRole("button", { name: `More actions for ${seed.title}`, exact: true }).click();
  await page.getByRole("menuitem", { name: "Start radio", exact: true }).click();
  await waitForTrack(page, seed, 0.5);
  await player(page).getByRole("button", { name: "Queue", exact: true }).click();
  await page.getByTestId("queue-item").nth(tracks.length - 1).waitFor();
  const queued = await queueTitles(page);
  assert.equal(queued[0], seed.title, "the seed plays first");
  assert.equal(new Set(queued).size, queued.length, `no track twice: ${queued}`);
  for (const t of tracks) assert.ok(queued.includes(t.title), `the artist's ${t.title} is in the radio: ${queued}`);
  await player(page).getByRole("button", { name: "Pause", exact: true }).click();

  await page.goto(`/artists/${artist.id}`);
  await heading(page, artist.name).waitFor();
  await page.getByRole("button", { name: "Artist radio", exact: true }).click();
  await page.waitForFunction(() => document.querySelector("audio")?.paused === false);
  // page.goto reloaded the app, so the queue panel is closed again.
  await player(page).getByRole("button", { name: "Queue", exact: true }).click();
  await page.getByTestId("queue-item").first().waitFor();
  const fromArtist = await queueTitles(page);
  assert.ok(fromArtist.length > 0 && fromArtist.every((title) => tracks.some((t) => t.title === title)), `the artist's own tracks: ${fromArtist}`);
});
