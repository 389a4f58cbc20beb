// The studio's catalogue import, as an admin uses it: a file with a good
// and a bad row, the report with its counts, and the Problems column in
// view beside the rest (it used to be cut off at the panel's edge).
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { admin, request } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { env, outputDir } from "./lib/env.mjs";
import { heading, signIn } from "./lib/ui.mjs";

browserTest("the studio imports a catalogue file and names each rejected row's problem in view", { timeout: 120_000 }, async ({ page }) => {
  const tag = Date.now().toString(36);
  const rows = [
    { kind: "artist", external_id: `import-test-${tag}-with-a-long-external-identifier`, name: `Imported ${tag}`, genres: [`import-test-${tag}`] },
    { kind: "album", external_id: `import-test-${tag}-album`, artist_external_id: `missing-${tag}`, title: "Nowhere" },
  ];
  const file = join(outputDir("files"), `import-${tag}.json`);
  await writeFile(file, JSON.stringify({ rows }));

  await signIn(page, env.adminLogin, env.adminPassword);
  await page.goto("/studio");
  await heading(page, "Studio").waitFor();
  const panel = page.getByTestId("import-catalog");
  await panel.locator('input[type="file"]').setInputFiles(file);
  await panel.getByRole("button", { name: "Import", exact: true }).click();
  const report = page.getByTestId("import-report");
  await report.waitFor();
  assert.match(await report.locator(".import-summary").innerText(), /Created: 1[\s\S]*Rejected: 1/);

  const rejected = report.getByTestId("import-row");
  assert.equal(await rejected.count(), 1, "only the rejected row is listed");
  const problem = rejected.locator("td").last();
  assert.match(await problem.innerText(), /artist_external_id/);
  const cell = await problem.boundingBox();
  const frame = await report.locator(".studio-table").boundingBox();
  assert.ok(
    cell && frame && cell.x + cell.width <= frame.x + frame.width + 1,
    `the Problems cell (${JSON.stringify(cell)}) lies inside the table's frame (${JSON.stringify(frame)})`,
  );

  // Clean up: the imported artist (found by its genre of its own) is an
  // ordinary one an admin may delete.
  const editor = await admin();
  const found = await editor.get(`/v1/artists?limit=100&genre=${encodeURIComponent(`import-test-${tag}`)}`);
  assert.equal(found.items.length, 1, "the good row made its artist");
  await request(`/v1/artists/${found.items[0].id}`, { method: "DELETE", token: await editor.token(), expect: [204] });
});
