// The gateway answers 503 when it cannot hand events to Kafka. The page must
// keep every event and send it again, and because the events keep their ids,
// each lands in the warehouse exactly once. Here the browser itself answers
// the first two batches with 503 (Retry-After: 1); the rest go through.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { eventCounts } from "./lib/clickhouse.mjs";
import { env } from "./lib/env.mjs";
import { EVENTS_PATH, PlaybackLog } from "./lib/playback.mjs";
import { heading, player, rowTitles, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

const REFUSE = 2;

browserTest(
  "playback events refused with 503 are sent again and land in ClickHouse once each",
  {
    timeout: 240_000,
    // Chromium logs every 5xx answer as a console error; these are the test's own.
    allow: [(m) => m.source === EVENTS_PATH && /status of 503/.test(m.text)],
  },
  async ({ page }) => {
    const user = await register("retry");
    const { album, tracks } = await findCatalogue(user.account);

    let refused = 0;
    await page.route(`${env.url}${EVENTS_PATH}`, (route) => {
      if (route.request().method() === "POST" && refused < REFUSE) {
        refused += 1;
        return route.fulfill({
          status: 503,
          headers: { "Retry-After": "1", "Content-Type": "application/json" },
          body: JSON.stringify({ error: { code: "unavailable", message: "the event log is unavailable", fields: [] } }),
        });
      }
      return route.continue();
    });
    const log = new PlaybackLog().attach(page);

    await signIn(page, user.username, user.password);
    await page.goto(`/albums/${album.id}`);
    await heading(page, album.title).waitFor();
    await page.getByTestId("track-row").nth(1).waitFor();
    const [firstTitle, secondTitle] = await rowTitles(page);
    const first = tracks.find((t) => t.title === firstTitle);
    const second = tracks.find((t) => t.title === secondTitle);

    await trackButton(page, "Play", first.title).click();
    await waitForTrack(page, first, 5);
    await player(page).getByRole("button", { name: "Next track", exact: true }).click();
    await waitForTrack(page, second, 1);
    // Paused, the player makes no more events, so "everything sent" is a fixed set.
    await player(page).getByRole("button", { name: "Pause", exact: true }).click();
    await page.waitForFunction(() => document.querySelector("audio")?.paused === true);

    await poll(
      "every event the page made to be accepted after the refusals",
      () => log.summary(),
      () => log.sent.size > 0 && log.unaccepted.length === 0 && log.requests.every((r) => r.status !== "pending"),
      { timeoutMs: 60_000, everyMs: 500 },
    );
    const statuses = log.requests.map((r) => r.status);
    assert.equal(refused, REFUSE, `the route should have refused ${REFUSE} batches`);
    assert.deepEqual(statuses.slice(0, REFUSE), Array(REFUSE).fill(503), `the first batches should be the refused ones: ${statuses}`);
    assert.ok(statuses.slice(REFUSE).some((s) => s === 202 || s === 200), `a batch should be accepted after the refusals: ${statuses}`);
    const refusedIds = log.requests.slice(0, REFUSE).flatMap((r) => r.ids);
    assert.ok(refusedIds.length > 0, "the refused batches should have carried events");
    for (const id of refusedIds) assert.ok(log.accepted.has(id), `refused event ${id} should have been sent again and accepted`);
    const kinds = log.summary().kinds;
    assert.ok(kinds.start >= 2 && kinds.skip >= 1, `the page should have sent 2 starts and a skip: ${JSON.stringify(kinds)}`);

    const sent = [...log.sent.keys()].sort();
    const counts = await poll(
      `all ${sent.length} events the page sent in ClickHouse plays FINAL`,
      () => eventCounts(user.account.user.id),
      (found) => found.size >= sent.length,
      { timeoutMs: 60_000 },
    );
    assert.deepEqual([...counts.keys()].sort(), sent, "ClickHouse should hold exactly the event ids the page sent");
    const twice = [...counts].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, [], "each event id should be in plays FINAL exactly once");
    console.log(`503 retry: ${sent.length} events (${JSON.stringify(kinds)}) in ${statuses.length} requests [${statuses}], each once in ClickHouse`);
  },
);
