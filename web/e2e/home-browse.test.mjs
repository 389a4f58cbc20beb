// Home for a new listener and browsing: a listener too new for personal picks
// is offered genres rather than the charts again, home lists no track twice,
// a genre's page lists its albums and tracks, and what was played comes back
// under "Recently played".
import assert from "node:assert/strict";
import { findCatalogue, history, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

/** The titles and artists of every track row in the section named `name`. */
async function sectionTracks(page, name) {
  const rows = page.getByRole("region", { name, exact: true }).getByTestId("track-row");
  return rows.evaluateAll((all) =>
    all.map((r) => `${r.querySelector(".track-title")?.textContent} / ${r.querySelector(".track-sub")?.textContent}`),
  );
}

browserTest("a new listener's home, browsing by genre, and recently played", { timeout: 180_000 }, async ({ page }) => {
  const user = await register("browse");
  const { album, tracks } = await findCatalogue(user.account);
  const genre = (await user.account.get(`/v1/tracks/${tracks[0].id}`)).genre;
  assert.ok(genre, "the seeded tracks have a genre");
  await signIn(page, user.username, user.password);

  const start = page.getByRole("region", { name: "Start with a genre", exact: true });
  await start.getByRole("link", { name: new RegExp(genre, "i") }).waitFor();
  assert.equal(await page.getByRole("region", { name: "Recommended for you", exact: true }).count(), 0);
  await page.getByRole("region", { name: "Recently played", exact: true }).getByText("Nothing played yet.").waitFor();
  for (const [name, empty] of [["Trending this week", "Nothing is trending yet."], ["Charts", "No plays in this period yet."]]) {
    const section = page.getByRole("region", { name, exact: true });
    await section.getByTestId("track-row").or(section.getByText(empty)).first().waitFor();
  }
  const trending = await sectionTracks(page, "Trending this week");
  const charts = await sectionTracks(page, "Charts");
  const repeated = trending.filter((row) => charts.includes(row));
  assert.deepEqual(repeated, [], "home lists a track once");

  await start.getByRole("link", { name: new RegExp(genre, "i") }).click();
  await heading(page, genre).waitFor();
  await page.getByRole("list", { name: "Albums" }).getByRole("link", { name: album.title }).waitFor();
  await trackButton(page, "Play", tracks[0].title).waitFor();
  await page.getByRole("link", { name: "All genres and decades" }).click();
  await heading(page, "Browse").waitFor();
  await page.getByRole("list", { name: "Genres" }).getByRole("link", { name: new RegExp(genre, "i") }).waitFor();
  const year = (await user.account.get(`/v1/albums/${album.id}`)).release_year;
  const decade = Math.floor(year / 10) * 10;
  await page.getByRole("list", { name: "Decades" }).getByRole("link", { name: new RegExp(`^${decade}s`) }).click();
  await heading(page, `${decade}s`).waitFor();
  await page.getByRole("list", { name: "Albums" }).getByRole("link", { name: album.title }).waitFor();
  await page.getByRole("link", { name: "All genres and decades" }).click();

  await page.getByRole("link", { name: new RegExp(genre, "i") }).click();
  await trackButton(page, "Play", tracks[0].title).click();
  await waitForTrack(page, tracks[0], 1);
  await page.getByRole("button", { name: "Pause", exact: true }).first().click();
  await poll(
    "the play in the listener's history",
    () => history(user.account).catch(() => []),
    (items) => items.some((e) => e.track_id === tracks[0].id),
  );
  await page.getByRole("link", { name: "Home", exact: true }).first().click();
  await heading(page, "Home").waitFor();
  await page.getByRole("region", { name: "Recently played", exact: true }).getByText(tracks[0].title).first().waitFor();
});
