// Puts the API reference (Scalar) beside the app, so `/docs` loads nothing
// from the internet: the gateway serves dist/docs/ as it serves the app.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// The package's exports map hides package.json and the browser build, so the
// file is found by its place in node_modules.
const pkg = join("node_modules", "@scalar", "api-reference");
const out = join("dist", "docs");
mkdirSync(out, { recursive: true });
copyFileSync(join(pkg, "dist", "browser", "standalone.js"), join(out, "scalar.js"));
// No inline script: the reference reads its settings from data attributes.
writeFileSync(
  join(out, "index.html"),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Encore API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json" data-configuration='{"withDefaultFonts":false,"hideClientButton":true}'></script>
    <script src="/docs/scalar.js"></script>
  </body>
</html>
`,
);
console.log(`API reference: ${out}/index.html and scalar.js`);
