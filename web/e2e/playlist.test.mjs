// A listener's playlist: made in the library, filled from an album's track
// menus, reordered once with the keyboard (the drag handle: Space, arrow,
// Space) and once with the mouse; the gateway keeps the new order, so a
// reload shows it.
import assert from "node:assert/strict";
import { findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, navigate, rowTitles, signIn, trackButton } from "./lib/ui.mjs";
import { sleep } from "./lib/wait.mjs";

/** Waits for the gateway to answer the move a step makes, and says if it refused. */
async function moved(page, step) {
  const answer = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith("/position"));
  await step();
  const response = await answer;
  assert.ok(response.ok(), `the gateway should accept the move; it answered ${response.status()} ${await response.text()}`);
}

browserTest("a playlist reordered by keyboard and by mouse keeps its order after a reload", { timeout: 180_000 }, async ({ page }) => {
  const user = await register("playlist");
  const { album, tracks } = await findCatalogue(user.account);
  const [a, b, c] = tracks.map((t) => t.title);
  const name = `Night drive ${Date.now() % 100000}`;

  await signIn(page, user.username, user.password);
  await navigate(page, "Library");
  await page.getByLabel("New playlist name").fill(name);
  await page.getByRole("button", { name: "Create playlist", exact: true }).click();
  await page.getByTestId("playlist-row").filter({ hasText: name }).waitFor();

  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  for (const title of [a, b, c]) {
    await trackButton(page, "More actions for", title).click();
    await page.getByRole("menuitem", { name: "Add to playlist…" }).click();
    const dialog = page.getByRole("dialog", { name: `Add “${title}” to a playlist` });
    await dialog.getByRole("button", { name, exact: true }).click();
    await page.getByRole("status").filter({ hasText: `“${title}” added to ${name}.` }).waitFor();
  }

  await navigate(page, "Library");
  await page.getByTestId("playlist-row").getByRole("link", { name, exact: true }).click();
  await heading(page, name).waitFor();
  await page.getByTestId("track-row").nth(2).waitFor();
  assert.deepEqual(await rowTitles(page), [a, b, c], "the playlist should list the tracks in the order they were added");

  // Keyboard: pick up the first, move it down one, drop it. dnd-kit measures
  // between steps, so each key waits for the one before to take effect.
  await page.getByRole("button", { name: `Reorder ${a}`, exact: true }).focus();
  await moved(page, async () => {
    await page.keyboard.press("Space");
    await sleep(250);
    await page.keyboard.press("ArrowDown");
    await sleep(250);
    await page.keyboard.press("Space");
  });
  assert.deepEqual(await rowTitles(page), [b, a, c], "after Space, ArrowDown, Space on the first handle");

  // Mouse: drag the last row's handle above the first row.
  const handle = await page.getByRole("button", { name: `Reorder ${c}`, exact: true }).boundingBox();
  const top = await page.getByTestId("track-row").first().boundingBox();
  assert.ok(handle && top, "the handle and the first row should be on screen");
  await moved(page, async () => {
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2, handle.y - 10, { steps: 5 });
    await page.mouse.move(handle.x + handle.width / 2, top.y + 4, { steps: 20 });
    await sleep(200);
    await page.mouse.up();
  });
  assert.deepEqual(await rowTitles(page), [c, b, a], "after dragging the last track to the top");

  await page.reload();
  await heading(page, name).waitFor();
  await page.getByTestId("track-row").nth(2).waitFor();
  assert.deepEqual(await rowTitles(page), [c, b, a], "the reloaded playlist should keep the new order");

  const byId = new Map(tracks.map((t) => [t.id, t.title]));
  const { items } = await user.account.get(`/v1/playlists/${page.url().split("/").pop()}`);
  assert.deepEqual(items.map((i) => byId.get(i.track_id)), [c, b, a], "the gateway should hold the new order");
});
