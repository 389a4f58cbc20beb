// The app can be installed: a web app manifest with a name, a start URL,
// standalone display and icons that load, which Chromium itself reads
// without errors and finds installable.
import assert from "node:assert/strict";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";

browserTest("the web app manifest makes the app installable", { timeout: 60_000 }, async ({ page }) => {
  await page.goto(`${env.url}/signin`);
  const href = await page.getAttribute('link[rel="manifest"]', "href");
  assert.equal(href, "/manifest.webmanifest");
  const answer = await page.request.get(`${env.url}${href}`);
  assert.equal(answer.status(), 200);
  const manifest = await answer.json();
  assert.equal(manifest.name, "Encore");
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.start_url, "/");
  for (const icon of manifest.icons) {
    const image = await page.request.get(`${env.url}${icon.src}`);
    assert.equal(image.status(), 200, icon.src);
    assert.equal(image.headers()["content-type"], icon.type, icon.src);
  }

  const cdp = await page.context().newCDPSession(page);
  const read = await cdp.send("Page.getAppManifest");
  assert.deepEqual(read.errors, [], `Chromium's reading of the manifest: ${JSON.stringify(read.errors)}`);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  // The test's browser context is a private one, where nothing installs;
  // anything else would be the app's.
  const errors = installabilityErrors.filter((e) => e.errorId !== "in-incognito");
  assert.deepEqual(errors, [], JSON.stringify(installabilityErrors));
});
