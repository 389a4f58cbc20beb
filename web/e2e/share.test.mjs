// A share link opens for someone without an account: the page names who
// shared what, lists the tracks and plays them in the browser's own audio
// control, streamed through the share. A deleted link says so in words.
// A playlist page makes such a link with its Share button.
import assert from "node:assert/strict";
import { findCatalogue, makePlaylist, register, request } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";
import { signIn } from "./lib/ui.mjs";

// The deleted link's 404 is the browser's own console line for a failed fetch.
const DELETED_LINK = (m) => m.source.startsWith("/v1/shares/") && /status of 404/.test(m.text);

browserTest("a share link plays for a visitor without an account", { timeout: 120_000, allow: [DELETED_LINK] }, async ({ page }) => {
  const user = await register("sharer");
  const { tracks } = await findCatalogue(user.account);
  const token = await user.account.token();
  const { body: share } = await request("/v1/me/shares", {
    method: "POST",
    token,
    body: { kind: "track", ids: [tracks[0].id, tracks[1].id], description: "Songs for the road" },
    expect: [201],
  });
  const link = new URL(share.url);
  assert.equal(link.origin, new URL(env.url).origin, "the link points at this server");

  // The browser has no session: nobody signed in on this page.
  await page.goto(`${env.url}${link.pathname}`);
  await page.getByRole("heading", { name: "Songs for the road" }).waitFor();
  assert.ok(await page.getByText(tracks[0].title).first().isVisible());
  await page.locator("audio").first().waitFor({ state: "attached" });
  const played = await page.evaluate(async () => {
    const audio = document.querySelector("audio");
    if (!audio) return -1;
    await audio.play();
    const started = performance.now();
    while (audio.currentTime < 0.5 && performance.now() - started < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    audio.pause();
    return audio.currentTime;
  });
  assert.ok(played >= 0.5, `the shared track played ${played} s`);

  await request(`/v1/me/shares/${share.id}`, { method: "DELETE", token, expect: [204] });
  await page.goto(`${env.url}${link.pathname}`);
  await page.getByRole("heading", { name: "This share does not exist, or was deleted" }).waitFor();
});

browserTest("a playlist's Share button gives a link anyone can open, and the same link again", { timeout: 120_000 }, async (run) => {
  const { page } = run;
  const user = await register("playlist-sharer");
  const { tracks } = await findCatalogue(user.account);
  const name = `Road trip ${user.username.slice(-6)}`;
  const id = await makePlaylist(user.account, name, [tracks[0].id, tracks[1].id]);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, user.username, user.password);
  await page.goto(`/playlists/${id}`);

  await page.getByRole("button", { name: "Share", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Share “${name}”` });
  const field = dialog.getByRole("textbox", { name: "Link" });
  await field.waitFor();
  const url = await field.inputValue();
  assert.match(new URL(url).pathname, /^\/s\/[A-Za-z0-9_-]+$/, `a share page's link: ${url}`);
  await dialog.getByRole("button", { name: "Copy link", exact: true }).click();
  await dialog.getByText("Link copied.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url, "the clipboard holds the link");
  await dialog.getByRole("button", { name: "Close", exact: true }).click();

  // Asked again for the same tracks, the app gives the link it already made.
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await field.waitFor();
  assert.equal(await field.inputValue(), url, "the same link, not a second share");
  const token = await user.account.token();
  const { body: shares } = await request("/v1/me/shares", { token });
  assert.equal(shares.items.length, 1, "one share made");

  // Someone without an account opens it: the playlist's name and its tracks.
  const visitor = await (await run.newContext()).newPage();
  await visitor.goto(new URL(url).pathname);
  await visitor.getByRole("heading", { name }).waitFor();
  for (const t of tracks.slice(0, 2)) assert.ok(await visitor.getByText(t.title).first().isVisible(), `${t.title} is listed`);
  await request(`/v1/me/shares/${shares.items[0].id}`, { method: "DELETE", token, expect: [204] });
});
