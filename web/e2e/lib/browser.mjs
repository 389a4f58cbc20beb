// Debian's Chromium under playwright-core: one fresh browser per test, every
// page watched for console errors and Content-Security-Policy violations,
// and everything closed after the test whatever happened.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { chromium } from "playwright-core";
import { env, outputDir } from "./env.mjs";

export const DESKTOP = { width: 1280, height: 800 };
export const MOBILE = { width: 375, height: 812 };

// The box has no network beyond the stack, and runs as root. Playwright adds
// a fresh --user-data-dir of its own (a temp dir it deletes on close) and
// refuses one passed here, so every launch starts from an empty profile.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

export function launch() {
  return chromium.launch({ executablePath: env.chromium, args: ARGS, timeout: 60_000 });
}

// Runs in every page before its own scripts (injected over CDP, so the CSP
// does not apply to it): a violation becomes a console error we can see,
// even one Chromium would only report to a report-uri.
function reportCspViolations() {
  document.addEventListener("securitypolicyviolation", (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
  });
}

/** The path and query of a URL on the app's origin, for short messages. */
export function pathOf(url) {
  try {
    const u = new URL(url);
    return u.origin === env.url ? `${u.pathname}${u.search}` : url;
  } catch {
    return url;
  }
}

/**
 * Console errors, uncaught exceptions and CSP violations of every page of a
 * test. `allow` lists what a test provokes on purpose (a 503 it answers
 * itself), each a predicate over { text, source }.
 */
export class ConsoleWatch {
  constructor(allow = []) {
    this.allow = allow;
    this.messages = [];
    this.pages = new Set();
  }

  async attach(context) {
    await context.addInitScript(reportCspViolations);
    context.on("page", (page) => this.watch(page));
  }

  watch(page) {
    page.on("console", (message) => {
      const text = message.text();
      if (message.type() === "error" || /Content Security Policy/i.test(text)) {
        this.add(page, "console", text, message.location()?.url);
      }
    });
    page.on("pageerror", (error) => this.add(page, "exception", error.message));
    page.on("framenavigated", (frame) => {
      // By path: search rewrites its ?q= as you type, which is still one page.
      if (frame === page.mainFrame() && frame.url().startsWith(env.url)) this.pages.add(new URL(frame.url()).pathname);
    });
  }

  add(page, kind, text, source = "") {
    const entry = { page: pathOf(page.url()), kind, text, source: pathOf(source ?? "") };
    entry.csp = /Content Security Policy|CSP violation/i.test(text);
    entry.expected = this.allow.some((allowed) => allowed(entry));
    this.messages.push(entry);
  }

  /** What no test should see. */
  get problems() {
    return this.messages.filter((m) => !m.expected);
  }

  describe(messages = this.messages) {
    return messages
      .map((m) => `  [${m.expected ? "expected " : ""}${m.csp ? "CSP" : m.kind}] on ${m.page}: ${m.text}${m.source ? ` (${m.source})` : ""}`)
      .join("\n");
  }

  assertClean() {
    const problems = this.problems;
    assert.equal(problems.length, 0, `expected no console errors or CSP violations, saw ${problems.length}:\n${this.describe(problems)}`);
  }

  /**
   * Appends this test's pages and messages to the run's log, which the
   * budget table totals. Test files run as separate processes of one runner,
   * so the runner's pid names the run.
   */
  record(testName) {
    const dir = outputDir("console-log");
    const line = { test: testName, pages: [...this.pages], messages: this.messages };
    appendFileSync(join(dir, `${process.ppid}.jsonl`), `${JSON.stringify(line)}\n`);
  }
}

/** One test's browser: its contexts (a first one ready with `page`), all watched. */
export class BrowserRun {
  static async open({ viewport = DESKTOP, allow = [] } = {}) {
    const run = new BrowserRun(await launch(), new ConsoleWatch(allow));
    try {
      run.context = await run.newContext({ viewport });
      run.page = await run.context.newPage();
    } catch (error) {
      await run.close();
      throw error;
    }
    return run;
  }

  constructor(browser, watch) {
    this.browser = browser;
    this.watch = watch;
    this.contexts = [];
  }

  /** Another context (its own cookies and cache) in the same browser. */
  async newContext({ viewport = DESKTOP, ...options } = {}) {
    const context = await this.browser.newContext({ viewport, baseURL: env.url, ...options });
    // Shorter than any test's timeout, so a missing element fails the step that wanted it.
    context.setDefaultTimeout(20_000);
    context.setDefaultNavigationTimeout(30_000);
    await this.watch.attach(context);
    this.contexts.push(context);
    return context;
  }

  /** Every open page as a PNG under failures/, to see what the test saw. */
  async failureScreenshots(testName) {
    const dir = outputDir("failures");
    const slug = testName.replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 60);
    let n = 0;
    for (const context of this.contexts) {
      for (const page of context.pages()) {
        const file = join(dir, `${slug}-${++n}.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).then(
          () => console.log(`failure screenshot: ${file} (${pathOf(page.url())})`),
          () => undefined,
        );
      }
    }
  }

  async close() {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
  }
}

/**
 * A test with a fresh browser: `body(run, t)` gets the run with a page on a
 * 1280×800 context. Passes only if the body does and no page logged a console
 * error or CSP violation it did not `allow`.
 */
export function browserTest(name, options, body) {
  const { timeout = 180_000, viewport = DESKTOP, allow = [] } = options;
  test(name, { timeout }, async (t) => {
    const run = await BrowserRun.open({ viewport, allow });
    try {
      await body(run, t);
      run.watch.assertClean();
    } catch (error) {
      await run.failureScreenshots(name);
      if (run.watch.messages.length && !String(error.message).includes("console errors")) {
        error.message += `\nconsole of the test's pages:\n${run.watch.describe()}`;
      }
      throw error;
    } finally {
      run.watch.record(name);
      await run.close();
    }
  });
}

