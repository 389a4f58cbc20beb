// Artwork: where nothing was uploaded, a placeholder of the name's initials;
// once an album cover and an artist picture are uploaded, the artist page,
// its album grid, the track rows, the player bar and the Media Session (the
// lock screen's picture) all show them.
import assert from "node:assert/strict";
import { admin, findCatalogue, register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";
import { heading, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

/** Whether the image `selector` finds has loaded (a decoded, non-empty picture). */
function loaded(page, selector) {
  return page.waitForFunction((s) => {
    const img = document.querySelector(s);
    return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
  }, selector);
}

async function upload(path, png, token) {
  const response = await fetch(`${env.url}${path}`, {
    method: "PUT",
    headers: { "Content-Type": "image/png", Authorization: `Bearer ${token}` },
    body: png,
  });
  assert.equal(response.status, 200, `${path}: ${await response.text()}`);
}

browserTest("artwork and its placeholders in pages, rows, the player and the Media Session", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("artwork");
  const { artist, album, tracks } = await findCatalogue(user.account);
  await signIn(page, user.username, user.password);

  await page.goto(`/artists/${artist.id}`);
  await heading(page, artist.name).waitFor();
  const initials = artist.name.split(" ").map((w) => w[0].toUpperCase()).slice(0, 2).join("");
  assert.equal(await page.locator(".entity-head [data-testid=artwork-placeholder]").textContent(), initials);

  // A picture the browser itself draws, uploaded as the album's cover and the artist's.
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#c0392b";
    ctx.fillRect(0, 0, 64, 64);
    return canvas.toDataURL("image/png");
  });
  const png = Buffer.from(dataUrl.split(",")[1], "base64");
  const editor = await admin();
  await upload(`/v1/albums/${album.id}/cover`, png, await editor.token());
  await upload(`/v1/artists/${artist.id}/image`, png, await editor.token());

  await page.reload();
  await heading(page, artist.name).waitFor();
  await loaded(page, ".entity-head img.artwork");
  await loaded(page, ".album-grid img.artwork");
  await loaded(page, "[data-testid=track-row] img.artwork");

  await page.goto(`/albums/${album.id}`);
  await heading(page, album.title).waitFor();
  await loaded(page, ".entity-head img.artwork");
  assert.equal(await page.locator("[data-testid=track-row] .artwork").count(), 0, "an album's own rows repeat no cover");
  await trackButton(page, "Play", tracks[0].title).click();
  await waitForTrack(page, tracks[0], 0.2);
  await loaded(page, ".player-now img.artwork");
  const artwork = await page.evaluate(() => navigator.mediaSession.metadata?.artwork.map((a) => a.src) ?? []);
  assert.ok(
    artwork.some((src) => src.endsWith(`/v1/albums/${album.id}/cover?size=512`)),
    `the lock screen's picture is the cover: ${artwork}`,
  );
});
