// Access tokens live seconds here (JOURNEY_ACCESS_TTL). A listener who comes
// back after theirs expired must see their data, not an error or the
// sign-in page: the app renews from the refresh cookie first.
import assert from "node:assert/strict";
import { register } from "./lib/api.mjs";
import { browserTest, pathOf } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";
import { heading, navigate, signIn } from "./lib/ui.mjs";
import { sleep } from "./lib/wait.mjs";

/** Alerts and error notes with something in them (the sign-in form keeps an empty alert region). */
async function visibleErrors(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[role="alert"], .error, .error-note')]
      .filter((el) => el.checkVisibility() && el.textContent.trim() !== "")
      .map((el) => el.textContent.trim()),
  );
}

browserTest("an expired access token is renewed without a visible error", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("renew");
  await signIn(page, user.username, user.password);

  const refreshes = [];
  const unauthorized = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && pathOf(r.url()) === "/v1/auth/refresh") refreshes.push(Date.now());
  });
  page.on("response", (r) => {
    if (r.status() === 401) unauthorized.push(pathOf(r.url()));
  });

  await sleep((env.accessTtl + 2) * 1000);
  const expired = Date.now();

  // A page whose data comes from the API, reached without a reload.
  await navigate(page, "Library");
  await page.getByText("No playlists yet.").waitFor();
  await page.getByText("Nothing played yet.").waitFor();
  assert.ok(
    refreshes.some((at) => at >= expired),
    `the app should renew its expired token with POST /v1/auth/refresh; saw ${refreshes.length} refresh(es), none after the token expired`,
  );
  assert.equal(new URL(page.url()).pathname, "/library", "the listener should stay on the library, not be sent to sign in");
  assert.deepEqual(await visibleErrors(page), [], "no error should be shown after the renewal");

  // And once more on another page, with the renewed token.
  await navigate(page, "My stats");
  await page.waitForLoadState("networkidle");
  assert.deepEqual(await visibleErrors(page), [], "no error should be shown on My stats either");
  assert.deepEqual(unauthorized, [], "no request should have been refused with 401 (the app renews before the token expires)");
  await heading(page, "My stats").waitFor();
});
