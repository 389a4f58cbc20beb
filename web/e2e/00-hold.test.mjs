// TEMPORARY (development only; delete before handing over): keeps the Rust
// test's services up while /tmp/journey-hold exists, so files can be run by hand.
import { existsSync, writeFileSync } from "node:fs";
import test from "node:test";
test("hold", { timeout: 4_000_000 }, async () => {
  const vars = Object.entries(process.env).filter(([k]) => k.startsWith("JOURNEY_")).map(([k, v]) => `export ${k}='${v}'`);
  writeFileSync("/tmp/journey.env", vars.join("\n") + "\n");
  const until = Date.now() + 3_600_000;
  while (existsSync("/tmp/journey-hold") && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
});
