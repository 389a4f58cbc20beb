// `npm run check:api`: fails when src/api/schema.d.ts is not what
// openapi-typescript makes of openapi.json today. The gateway's own test keeps
// openapi.json current, so together they stop the app's types drifting from
// the API. It generates into a temporary folder, with the same command as
// `npm run gen:api`, so a stale copy is never overwritten here: CI must fail
// on it, not fix it quietly.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(web, "src", "api", "schema.d.ts");
const tmp = mkdtempSync(join(tmpdir(), "encore-api-types-"));
const fresh = join(tmp, "schema.d.ts");

try {
  execFileSync(join(web, "node_modules", ".bin", "openapi-typescript"), ["openapi.json", "--output", fresh], {
    cwd: web,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const want = readFileSync(fresh, "utf8");
  const have = existsSync(committed) ? readFileSync(committed, "utf8") : null;
  if (have !== want) {
    const where = have === null ? "is missing" : `differs from web/openapi.json from line ${firstDifference(have, want)}`;
    console.error(`web/src/api/schema.d.ts ${where}: run npm run gen:api (in web/) and commit the result.`);
    process.exitCode = 1;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function firstDifference(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}
