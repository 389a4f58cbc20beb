// What a signed-in listener sees where nothing is: the 404 page keeps their
// own header after a reload, and a missing album is said in their language,
// without a "try again" that could not help.
import { register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, signIn } from "./lib/ui.mjs";

const options = {
  timeout: 120_000,
  // Chromium logs the album's 404 answer as a console error; it is the test's own.
  allow: [(m) => String(m.source).startsWith("/v1/albums/") && /status of 404/.test(m.text)],
};

browserTest("a signed-in listener's 404 and a missing album, in Russian", options, async ({ page }) => {
  const user = await register("lost");
  await signIn(page, user.username, user.password);

  await page.goto("/no-such-page");
  await heading(page, "Page not found").waitFor();
  await page.getByRole("button", { name: "Sign out", exact: true }).waitFor();

  await page.evaluate(() => localStorage.setItem("encore.language", "ru"));
  await page.goto("/albums/01890000-0000-7000-8000-000000000000");
  const alert = page.getByRole("alert");
  await alert.getByText("Такого альбома нет, или его удалили.", { exact: true }).waitFor();
  if ((await alert.getByRole("button").count()) > 0) throw new Error("a missing album offers to try again");
  await page.evaluate(() => localStorage.removeItem("encore.language"));
});
