#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, tsc's output) into dist/cli/ for bin/berth.js.
//
// Why: Node loads an ES module per file, and each costs a resolution, a read and a link. berth's
// `images` touched about 200 of them, which took longer than its own work. One bundle, split at
// the dynamic imports the commands already make, loads a command with a handful of files: the
// command tree first, then only the engine parts that command imports. Native addons stay outside
// (they are .node files found through node_modules).
//
// The tests import dist/src directly; only the CLI's entry uses the bundle, and bin/berth.js falls
// back to dist/src when the bundle is missing or older than tsc's output.
import { build } from "esbuild";
import { copyFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/src/cli/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  // better-sqlite3 and koffi load .node files; node-unix-socket picks a prebuilt one at run time.
  external: ["better-sqlite3", "koffi", "node-unix-socket"],
  // Bundled CommonJS packages (commander) call require(): an ES module has none of its own.
  banner: { js: 'import { createRequire as berthCreateRequire } from "node:module"; const require = berthCreateRequire(import.meta.url);' },
  // Error classes and the like keep their names (esbuild renames clashing top-level names otherwise).
  keepNames: false,
  logLevel: "warning",
});

// The web view's page (ui/, issue 15): its TypeScript bundled for the browser into one module,
// beside its HTML and CSS, in dist/ui/, which `berth ui` and `berth serve --ui` serve. Nothing is
// fetched: no CDN, no framework.
const uiOut = `${root}dist/ui`;
rmSync(uiOut, { recursive: true, force: true });
await build({
  entryPoints: [`${root}ui/src/main.ts`],
  outfile: `${uiOut}/app.js`,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(`${root}ui/${file}`, `${uiOut}/${file}`);
