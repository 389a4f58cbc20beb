// axe-core in the page. The CSP forbids inline scripts, so the library goes in
// through page.evaluate (DevTools evaluation, which the CSP does not govern)
// rather than a <script> tag; every full page load needs it again.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Impacts that fail the suite; "minor" and "moderate" are reported only. */
export const BLOCKING = new Set(["serious", "critical"]);

/** All axe violations on the page as it is now (WCAG 2.x A/AA rules and best practices). */
export async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(source);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 160), why: n.failureSummary })),
    }));
  });
}

/** One line per violation and up to three of its elements, for a failure message. */
export function describe(found) {
  return found
    .map(
      (v) =>
        `  ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"})\n` +
        v.nodes
          .slice(0, 3)
          .map((n) => `      ${n.target}: ${n.html}\n        ${String(n.why).replace(/\n/g, " ")}`)
          .join("\n"),
    )
    .join("\n");
}
