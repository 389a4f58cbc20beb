// The headers the gateway puts on the app, a policy the app lives within
// (every test of the suite also fails on any CSP violation it sees), and the
// API reference at /docs served whole from the gateway's own origin.
import assert from "node:assert/strict";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";
import { heading } from "./lib/ui.mjs";
import { poll } from "./lib/wait.mjs";

/** A CSP header as { directive: [sources] }. */
function parsePolicy(header) {
  const policy = {};
  for (const part of header.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) policy[name.toLowerCase()] = sources;
  }
  return policy;
}

function checkHeaders(what, headers) {
  const csp = headers["content-security-policy"];
  assert.ok(csp, `${what} should carry a Content-Security-Policy header; headers: ${JSON.stringify(headers)}`);
  const policy = parsePolicy(csp);
  const scripts = policy["script-src"] ?? policy["default-src"];
  assert.ok(scripts, `${what}: the CSP should say where scripts may come from: ${csp}`);
  assert.ok(scripts.includes("'self'"), `${what}: script-src should allow 'self': ${csp}`);
  for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"]) {
    assert.ok(!scripts.includes(unsafe), `${what}: script-src must not allow ${unsafe}: ${csp}`);
  }
  assert.deepEqual(policy["frame-ancestors"], ["'none'"], `${what}: the CSP should say frame-ancestors 'none': ${csp}`);
  assert.equal(headers["x-content-type-options"], "nosniff", `${what}: X-Content-Type-Options should be nosniff`);
  assert.ok(headers["referrer-policy"], `${what}: a Referrer-Policy header should be set`);
  return policy;
}

// The reference's bundle probes whether eval works (`try { new Function("") } catch`)
// and takes another path when the policy says no: the CSP doing its job,
// reported by the page's violation listener though nothing is logged or broken.
const SCALAR_EVAL_PROBE = (m) => m.csp && m.page === "/docs" && /script-src blocked eval in .*\/docs\/scalar\.js/.test(m.text);

browserTest(
  "security headers and a strict CSP on the app; /docs loads nothing from elsewhere",
  { timeout: 120_000, allow: [SCALAR_EVAL_PROBE] },
  async ({ page }) => {
  const response = await page.goto("/");
  assert.ok(response, "the app's page should answer");
  const policy = checkHeaders("GET /", await response.allHeaders());
  assert.ok(!(policy["style-src"] ?? []).includes("'unsafe-inline'"), `the app's CSP should not allow inline styles either: ${JSON.stringify(policy)}`);
  // Signed out, the app goes on to sign-in: it ran under the policy.
  await heading(page, "Sign in").waitFor();
  const script = await page.evaluate(() => document.querySelector('script[type="module"]')?.getAttribute("src"));
  assert.ok(script, "the app's page should load its code from a file, not inline");
  const asset = await page.request.get(script);
  assert.equal(asset.headers()["x-content-type-options"], "nosniff", `${script} should carry X-Content-Type-Options: nosniff`);
  assert.match(asset.headers()["content-type"] ?? "", /javascript/, `${script} should be served as JavaScript`);

  const elsewhere = [];
  let lastRequest = Date.now();
  page.on("request", (request) => {
    lastRequest = Date.now();
    const url = request.url();
    if (!url.startsWith(`${env.url}/`) && !url.startsWith("data:") && !url.startsWith("blob:")) elsewhere.push(url);
  });
  const docs = await page.goto("/docs");
  checkHeaders("GET /docs", await docs.allHeaders());
  await page.getByRole("heading", { name: /Encore/ }).first().waitFor({ timeout: 30_000 });
  // Playwright's "networkidle" never comes on this page (the bundle keeps
  // something open that is no request), so wait for 2 s without a new request.
  await poll("/docs to stop making requests", () => Date.now() - lastRequest, (quiet) => quiet >= 2_000, { timeoutMs: 20_000, everyMs: 250 });
  assert.deepEqual(elsewhere, [], "/docs should load everything from the gateway's own origin");
  },
);
