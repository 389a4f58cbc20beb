// After `vite build`:
// 1. puts the API reference (Scalar) beside the app, so `/docs` loads nothing
//    from the internet (the gateway serves dist/docs/ as it serves the app);
// 2. writes a gzipped twin of every text file, which the gateway sends to
//    browsers that accept it: compressed once here, never per request.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants, gzipSync } from "node:zlib";

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

/** Every file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let raw = 0;
let packed = 0;
for (const path of files("dist").filter((p) => /\.(js|css|html|svg|json)$/.test(p))) {
  const body = readFileSync(path);
  const gz = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${path}.gz`, gz);
  raw += body.length;
  packed += gz.length;
}
console.log(`gzipped twins: ${(raw / 1024).toFixed(0)} KB → ${(packed / 1024).toFixed(0)} KB`);
