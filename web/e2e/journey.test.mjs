// The main journey, all through the UI: sign up, find an artist despite a
// typo, play a track, skip to the next; then the plays must show up where
// the rest of the system keeps them (the warehouse in ClickHouse after Kafka
// and the etl, and the history the gateway reads from it).
import assert from "node:assert/strict";
import { Account, findCatalogue, history, uniqueUser } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { kindsOf } from "./lib/clickhouse.mjs";
import { env } from "./lib/env.mjs";
import { PlaybackLog } from "./lib/playback.mjs";
import { heading, navigate, player, rowTitles, search, signUp, trackButton, waitForTrack } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

browserTest(
  "main journey: sign up, search with a typo, play, skip; the plays reach the history and ClickHouse",
  { timeout: 240_000 },
  async ({ page }) => {
    const user = uniqueUser("journey");
    const plays = new PlaybackLog().attach(page);

    await signUp(page, user);
    await navigate(page, "Search");
    await search(page, "Aurora Lindkvist");
    await page
      .getByRole("region", { name: "Artists" })
      .getByRole("link", { name: env.artist, exact: true })
      .click();
    await heading(page, env.artist).waitFor();

    // The node side signs in as the same person, to read what the browser made.
    const node = await Account.signIn(user.username, user.password);
    const { tracks } = await findCatalogue(node);
    await page.getByTestId("track-row").first().waitFor();
    const titles = await rowTitles(page);
    assert.ok(titles.length >= 2, `the artist page should list at least 2 tracks, lists ${JSON.stringify(titles)}`);
    const byTitle = (title) => {
      const track = tracks.find((t) => t.title === title);
      assert.ok(track, `the page lists "${title}", which is not one of ${env.artist}'s tracks`);
      return track;
    };
    const first = byTitle(titles[0]);
    const second = byTitle(titles[1]);

    await trackButton(page, "Play", first.title).click();
    await waitForTrack(page, first, 3);
    await player(page).getByRole("button", { name: "Next track", exact: true }).click();
    await waitForTrack(page, second, 1);

    const entries = await poll(
      `2 plays (${first.title}, ${second.title}) in GET /v1/me/history`,
      () => history(node),
      (items) => items.length >= 2,
      { timeoutMs: 60_000 },
    );
    const played = entries.map((e) => e.track_id);
    assert.ok(played.includes(first.id) && played.includes(second.id), `history should hold both tracks: ${JSON.stringify(entries)}`);

    const kinds = await poll(
      "at least 2 start events and a skip for the user in ClickHouse plays FINAL",
      () => kindsOf(node.user.id),
      (k) => (k.start ?? 0) >= 2 && (k.skip ?? 0) >= 1,
      { timeoutMs: 60_000 },
    );
    assert.equal(kinds.start, plays.ofKind("start").length, `ClickHouse should hold exactly the starts the page sent (${JSON.stringify(plays.summary())})`);
    console.log(`journey: ${user.username} played ${first.title} then ${second.title}; history ${entries.length} plays; ClickHouse ${JSON.stringify(kinds)}`);
  },
);
