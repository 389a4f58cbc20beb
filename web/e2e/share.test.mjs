// A share link opens for someone without an account: the page names who
// shared what, lists the tracks and plays them in the browser's own audio
// control, streamed through the share. A deleted link says so in words.
import assert from "node:assert/strict";
import { findCatalogue, register, request } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";

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
