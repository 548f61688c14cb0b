// Bundle the query page's script and copy the map's geometry into the
// directory given as the first argument (build.rs passes OUT_DIR). The
// binary embeds what lands there; nothing built is committed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/query.js"), join(here, "src/query.css")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  // Stable output for stable ETags; no source maps in the binary.
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
// Natural Earth 1:110m countries (TopoJSON, ISO 3166-1 numeric ids).
copyFileSync(join(here, "node_modules/world-atlas/countries-110m.json"), join(out, "countries-110m.json"));
