// Measuring against the app's budgets, and the table they are reported in.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pathOf } from "./browser.mjs";
import { env, outputDir } from "./env.mjs";

/**
 * Every JavaScript file a page loads, with its body, so its gzipped size can
 * be computed here rather than trusted from headers (the gateway may not
 * compress at all). Bodies are read as responses arrive: a later navigation
 * would discard them.
 */
export class ScriptSizes {
  files = new Map();

  attach(page) {
    page.on("response", (response) => {
      const url = response.url();
      const type = response.headers()["content-type"] ?? "";
      if (!(/javascript/.test(type) || pathOf(url).endsWith(".js")) || this.files.has(url)) return;
      this.files.set(url, response.body().then((body) => ({ raw: body.length, gzip: gzipSync(body).length })));
    });
    return this;
  }

  async total() {
    const sizes = await Promise.all(this.files.values());
    return {
      files: sizes.length,
      raw: sizes.reduce((n, s) => n + s.raw, 0),
      gzip: sizes.reduce((n, s) => n + s.gzip, 0),
      names: [...this.files.keys()].map(pathOf),
    };
  }
}

/** The nearest-rank percentile (p in 0..100) of some numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * Rows { measurement, figure, budget, met, note } as a Markdown table, written
 * to JOURNEY_OUTPUT/budgets.md; returns the table (the caller prints it).
 */
export function writeTable(rows, preface = "") {
  const cell = (s) => String(s).replace(/\|/g, "\\|");
  const table = [
    "| measurement | figure | budget | met/missed |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${cell(r.measurement)} | ${cell(r.figure)} | ${cell(r.budget)} | ${r.met ? "met" : "missed"}${r.note ? ` (${cell(r.note)})` : ""} |`),
  ].join("\n");
  writeFileSync(join(env.output, "budgets.md"), `# Web app budgets\n\n${preface}\n\n${table}\n`);
  return table;
}

/**
 * What the suite's tests logged (browser.mjs appends one line per test to
 * console-log/<runner pid>.jsonl): pages visited and console problems.
 * Earlier runs' logs are removed once read.
 */
export function suiteConsoleLog() {
  const dir = outputDir("console-log");
  const mine = `${process.ppid}.jsonl`;
  const entries = [];
  for (const file of readdirSync(dir)) {
    if (file === mine) {
      for (const line of readFileSync(join(dir, file), "utf8").split("\n")) if (line.trim()) entries.push(JSON.parse(line));
    } else {
      rmSync(join(dir, file), { force: true });
    }
  }
  return entries;
}
