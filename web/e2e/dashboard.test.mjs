// The analyst dashboard, as an admin: plays made in the browser show up in
// "Plays and active listeners per hour", read through its "Show as table"
// toggle (the figures behind the picture).
import assert from "node:assert/strict";
import { admin, findCatalogue } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { select, uuid } from "./lib/clickhouse.mjs";
import { env } from "./lib/env.mjs";
import { PlaybackLog } from "./lib/playback.mjs";
import { heading, player, rowTitles, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

const HOUR_MS = 3_600_000;

/** The per-hour table: [hour label, plays, listeners] rows, oldest first ([] while there is no data). */
async function hourlyTable(page) {
  await page.goto("/dashboard");
  await heading(page, "Dashboard").waitFor();
  const chart = page.getByTestId("plays-per-hour");
  await chart.waitFor();
  const toggle = chart.getByRole("button", { name: /^Show as table/ });
  const empty = chart.getByText("No data for this period yet.");
  await toggle.or(empty).first().waitFor();
  if (await empty.isVisible()) return [];
  await toggle.click();
  const rows = await chart.getByRole("table").locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((cell) => cell.textContent.trim())),
  );
  return rows.map(([hour, plays, listeners]) => ({ hour, plays: Number(plays.replace(/\D/g, "")), listeners: Number(listeners.replace(/\D/g, "")) }));
}

const total = (rows) => rows.reduce((sum, r) => sum + r.plays, 0);

browserTest("the analyst dashboard shows this hour's plays in its per-hour table", { timeout: 240_000 }, async ({ page }) => {
  const account = await admin();
  const { album, tracks } = await findCatalogue(account);
  await signIn(page, env.adminLogin, env.adminPassword);
  const before = await hourlyTable(page);

  const log = new PlaybackLog().attach(page);
  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await page.getByTestId("track-row").nth(1).waitFor();
  const titles = await rowTitles(page);
  const [first, second] = titles.slice(0, 2).map((title) => tracks.find((t) => t.title === title));
  await trackButton(page, "Play", first.title).click();
  await waitForTrack(page, first, 2);
  await player(page).getByRole("button", { name: "Next track", exact: true }).click();
  await waitForTrack(page, second, 1);
  await player(page).getByRole("button", { name: "Pause", exact: true }).click();

  // The player sends its events in batches, every few seconds.
  await poll("the page to send its 2 start events", () => log.summary(), () => log.ofKind("start").length >= 2 && log.unaccepted.length === 0, {
    timeoutMs: 30_000,
    everyMs: 500,
  });
  const starts = log.ofKind("start");
  assert.equal(starts.length, 2, `the page should have started 2 plays: ${JSON.stringify(log.summary())}`);
  const ids = starts.map((e) => uuid(e.event_id)).join(", ");
  await poll(
    "the 2 starts in ClickHouse plays FINAL",
    async () => Number((await select(`SELECT count() AS n FROM plays FINAL WHERE event_id IN (${ids})`))[0].n),
    (n) => n === 2,
    { timeoutMs: 60_000 },
  );

  // The table's last row is the hour now; the plays count there by when they began.
  const thisHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const madeThisHour = starts.filter((e) => e.occurred_at >= thisHour).length;
  let after = [];
  await poll(
    `the per-hour table to count this test's ${starts.length} plays (${madeThisHour} in the current hour)`,
    async () => {
      after = await hourlyTable(page);
      return { lastRow: after.at(-1), totalBefore: total(before), totalNow: total(after) };
    },
    ({ lastRow, totalBefore, totalNow }) => !!lastRow && lastRow.plays >= madeThisHour && totalNow - totalBefore >= starts.length,
    { timeoutMs: 60_000, everyMs: 3_000 },
  );
  console.log(`dashboard: this hour ${JSON.stringify(after.at(-1))}; ${total(after) - total(before)} more plays than before the test's 2`);
});
