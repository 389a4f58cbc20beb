// The app's budgets, measured in Chromium against the real gateway and
// reported as a table (JOURNEY_OUTPUT/budgets.md and the run's output).
// Runs last (files run in name order) so it can total the console log of
// every page the suite visited. Timings on a shared 2-core box vary with the
// load, so they are reported, not asserted; the JavaScript budget and the
// console are asserted.
import assert from "node:assert/strict";
import { register } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { kb, percentile, ScriptSizes, suiteConsoleLog, writeTable } from "./lib/budgets.mjs";
import { heading, navigate } from "./lib/ui.mjs";

const JS_BUDGET = 250 * 1024;
const INTERACTIVE_MS = 1000;
const SEARCH_P95_MS = 150;
const COLD_VISITS = 3;

/** Catalogue names and the typos people make in them; each distinct, so none is answered from cache. */
// The budget is for the demo catalogue: the harness indexes Chinook (3,503
// tracks, 347 albums, 275 artists) beside the journey's own artist. Real
// names, prefixes and typos, as people type them.
const QUERIES = [
  "Iron Maiden", "iron maidn", "Metallica", "metalica", "Led Zeppelin",
  "led zepelin", "Queen", "Aerosmith", "aerosmth", "Black Sabbath",
  "Pearl Jam", "pearl", "Nirvana", "nirvna", "Deep Purple",
  "deep purpel", "Van Halen", "Ozzy Osbourne", "Foo Fighters", "stairway",
  "Guns N Roses", "gun n roses", "Red Hot Chili Peppers", "red hot chilli", "The Rolling Stones",
  "roling stones", "Eric Clapton", "eric clapon", "Jimi Hendrix", "jimi hendrx",
  "Miles Davis", "miles davies", "Antonio Carlos Jobim", "Santana", "santanna",
  "Billy Cobham", "Audioslave", "audio slave", "Soundgarden", "Chris Cornell",
];

// In the page: marks when the sign-in heading first exists, in page time.
function markSignInHeading() {
  const look = () => [...document.querySelectorAll("h1")].some((h) => h.textContent.trim() === "Sign in");
  const observer = new MutationObserver(() => {
    if (look()) {
      observer.disconnect();
      performance.mark("signin-heading");
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    if (look()) performance.mark("signin-heading");
    else observer.observe(document.body, { childList: true, subtree: true });
  });
}

// In the page: resolves with the milliseconds from the last keydown to the
// frame after "Results for “q”" is announced (the results render with it).
function armSearchTimer(q) {
  window.__searchTimer = new Promise((resolve, reject) => {
    let lastKey = 0;
    const want = `Results for “${q}”`;
    const onKey = () => {
      lastKey = performance.now();
    };
    const seen = () => [...document.querySelectorAll('[role="status"]')].some((el) => el.textContent.includes(want));
    const finish = () => {
      clearTimeout(timer);
      observer.disconnect();
      document.removeEventListener("keydown", onKey, true);
    };
    const observer = new MutationObserver(() => {
      if (!seen()) return;
      finish();
      // After the frame that shows it has been painted.
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - lastKey), 0));
    });
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no results for "${q}" within 10 s`));
    }, 10_000);
    document.addEventListener("keydown", onKey, true);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** One first visit to /signin on a page of a new context: how long until it is usable, and its JavaScript. */
async function coldSignIn(page) {
  await page.addInitScript(markSignInHeading);
  const js = new ScriptSizes().attach(page);
  const started = Date.now();
  await page.goto("/signin", { waitUntil: "commit" });
  await heading(page, "Sign in").waitFor();
  await page.waitForFunction(() => {
    const submit = document.querySelector('form button[type="submit"]');
    return submit && !submit.disabled && submit.textContent.trim() === "Sign in";
  });
  const login = page.getByLabel("Email or username", { exact: true });
  await login.press("a");
  await page.waitForFunction(() => document.getElementById("auth-login")?.value === "a");
  const ms = Date.now() - started;
  const timing = await page.evaluate(() => ({
    domInteractive: performance.getEntriesByType("navigation")[0]?.domInteractive ?? NaN,
    heading: performance.getEntriesByName("signin-heading")[0]?.startTime ?? NaN,
  }));
  await login.fill("");
  await page.waitForLoadState("networkidle");
  return { page, ms, ...timing, js: await js.total() };
}

// In the page: the duration of the last GET /v1/search for `q` (resource timing).
function searchAnswerMs(q) {
  const mine = performance
    .getEntriesByType("resource")
    .map((r) => ({ r, url: new URL(r.name) }))
    .filter(({ url }) => url.pathname === "/v1/search" && url.searchParams.get("q") === q)
    .map(({ r }) => r);
  const last = mine.at(-1);
  return last ? last.responseEnd - last.startTime : NaN;
}

browserTest("budgets: first-load JavaScript, first interactive page, search as you type, console errors", { timeout: 300_000 }, async (run) => {
  const rows = [];

  // First visits to /signin, each in a new context (empty cache); the
  // figure is the median of three, the JavaScript that of the first.
  const visits = [];
  for (let i = 0; i < COLD_VISITS; i++) visits.push(await coldSignIn(i === 0 ? run.page : await (await run.newContext()).newPage()));
  const signin = visits[0].js;
  const interactive = visits.map((v) => v.ms);
  const { page } = visits[0];
  for (const v of visits.slice(1)) await v.page.close();

  // Signed in, then "/" in a new context with this one's cookies: a first visit to Home on an empty cache.
  const user = await register("budget");
  await page.getByLabel("Email or username", { exact: true }).fill(user.username);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await heading(page, "Home").waitFor();
  const state = await page.context().storageState();
  // Its refresh token now belongs to the new context; this page must not use it again.
  await page.close();
  const home = await (await run.newContext({ storageState: state })).newPage();
  const homeJs = new ScriptSizes().attach(home);
  await home.goto("/");
  await heading(home, "Home").waitFor();
  await home.waitForLoadState("networkidle");
  const signedIn = await homeJs.total();

  // Search as you type.
  await navigate(home, "Search");
  const box = home.getByRole("combobox", { name: "Search" });
  const timings = [];
  const answers = [];
  for (const q of QUERIES) {
    await box.fill("");
    await home.waitForTimeout(200);
    // The resource-timing buffer holds 250 entries; start each query with it empty.
    await home.evaluate(() => performance.clearResourceTimings());
    await home.evaluate(armSearchTimer, q);
    await box.pressSequentially(q, { delay: 50 });
    timings.push(Math.round(await home.evaluate(() => window.__searchTimer)));
    // How long the gateway's answer took, to tell the server's share from the page's.
    answers.push(Math.round(await home.evaluate(searchAnswerMs, q)));
  }
  const p95 = percentile(timings, 95);

  // Console errors and CSP violations on every page of the suite, this test's included.
  const log = [...suiteConsoleLog(), { test: "budgets", pages: [...run.watch.pages], messages: run.watch.messages }];
  const pages = new Set(log.flatMap((e) => e.pages));
  const problems = log.flatMap((e) => e.messages.filter((m) => !m.expected).map((m) => ({ ...m, test: e.test })));
  const expected = log.flatMap((e) => e.messages.filter((m) => m.expected)).length;
  const csp = problems.filter((m) => m.csp);

  rows.push(
    {
      measurement: `first-load JavaScript, gzipped: /signin (${signin.files} files)`,
      figure: `${kb(signin.gzip)} (${kb(signin.raw)} raw)`,
      budget: "≤ 250 KB",
      met: signin.gzip <= JS_BUDGET,
    },
    {
      measurement: `first-load JavaScript, gzipped: / after sign-in (${signedIn.files} files)`,
      figure: `${kb(signedIn.gzip)} (${kb(signedIn.raw)} raw)`,
      budget: "≤ 250 KB",
      met: signedIn.gzip <= JS_BUDGET,
    },
    {
      measurement: `first page interactive: /signin, goto → heading shown, submit enabled, a keystroke echoed (median of ${COLD_VISITS} cold visits)`,
      figure:
        `${percentile(interactive, 50)} ms (${interactive.join(", ")} ms; in page time: domInteractive ` +
        `${visits.map((v) => Math.round(v.domInteractive)).join("/")} ms, heading ${visits.map((v) => Math.round(v.heading)).join("/")} ms)`,
      budget: `< ${INTERACTIVE_MS} ms`,
      met: percentile(interactive, 50) < INTERACTIVE_MS,
      note: "reported, not asserted",
    },
    {
      measurement: `search as you type on the demo catalogue (Chinook): last keystroke → results painted, ${timings.length} queries`,
      figure:
        `p95 ${p95} ms (p50 ${percentile(timings, 50)} ms, max ${Math.max(...timings)} ms; of it, ` +
        `the gateway's answer (debug build, in-process with the etl and indexer): p50 ${percentile(answers, 50)} ms, p95 ${percentile(answers, 95)} ms)`,
      budget: `p95 < ${SEARCH_P95_MS} ms`,
      met: p95 < SEARCH_P95_MS,
      note: "reported, not asserted",
    },
    {
      measurement: `console errors across all pages (${pages.size} pages in ${log.length} tests)`,
      figure: `${problems.length}${expected ? ` (+${expected} provoked on purpose)` : ""}`,
      budget: "0",
      met: problems.length === 0,
    },
    {
      measurement: "CSP violations across all pages",
      figure: String(csp.length),
      budget: "0",
      met: csp.length === 0,
    },
  );
  const table = writeTable(
    rows,
    "Measured by web/e2e/zz-budgets.test.mjs in Debian's Chromium (headless) against the real gateway. " +
      "Timings come from a shared 2-core box and are reported, not asserted; the JavaScript budget and the console are asserted.",
  );
  console.log(`${table}\nsearch timings (ms): ${timings.join(", ")}\nJS on /signin: ${signin.names.join(", ")}\nJS on /: ${signedIn.names.join(", ")}`);

  assert.ok(signin.gzip <= JS_BUDGET, `first-load JavaScript of /signin should be ≤ 250 KB gzipped, is ${kb(signin.gzip)}`);
  assert.ok(signedIn.gzip <= JS_BUDGET, `first-load JavaScript of / should be ≤ 250 KB gzipped, is ${kb(signedIn.gzip)}`);
  assert.equal(
    problems.length,
    0,
    `no page of the suite should log a console error or CSP violation; ${problems.length} did:\n` +
      problems.map((m) => `  ${m.test}: [${m.csp ? "CSP" : m.kind}] on ${m.page}: ${m.text}${m.source ? ` (${m.source})` : ""}`).join("\n"),
  );
});
