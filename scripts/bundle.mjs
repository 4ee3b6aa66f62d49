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
import { rmSync } from "node:fs";
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
