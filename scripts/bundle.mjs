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
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;

// better-sqlite3's JavaScript (a dozen CommonJS files, each a resolution and a read at every start)
// goes into the bundle when its addon is where src/store/db.ts names it; otherwise db.ts lets the
// `bindings` package find the addon, which looks beside the package's own files: then it stays outside.
const sqliteAddon = `${dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json"))}/build/Release/better_sqlite3.node`;
const external = ["koffi", "node-unix-socket", ...(existsSync(sqliteAddon) ? [] : ["better-sqlite3"])];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [`${root}dist/src/cli/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  // koffi loads .node files; node-unix-socket picks a prebuilt one at run time.
  external,
  // Bundled CommonJS packages (commander) call require(): an ES module has none of its own.
  banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
  // Error classes and the like keep their names (esbuild renames clashing top-level names otherwise).
  keepNames: false,
  logLevel: "warning",
  write: false,
});

// Built-in modules are taken with process.getBuiltinModule instead of ES imports. For an ES import
// of a built-in Node builds a facade that reads every one of its exports, and reading node:fs's
// runs its lazy getters, which load the stream modules, fs/promises and readline: about 10 ms of
// every command, which most never use. A named import reads only the names it takes.
const BUILTIN_IMPORT = /^import (?:(\w+) |\* as (\w+) |(\w+), )?(?:\{([^}]*)\} )?from "(node:[\w/]+)";$/gm;
const BUILTIN_DYNAMIC_IMPORT = /\bimport\("(node:[\w/]+)"\)/g;

function builtinsAsValues(code) {
  const out = code
    .replace(BUILTIN_IMPORT, (_, defaultName, namespace, defaultWithNamed, named, specifier) => {
      const load = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
      const whole = defaultName ?? namespace ?? defaultWithNamed;
      const lines = [];
      if (whole) lines.push(`const ${whole} = ${load};`);
      if (named) lines.push(`const { ${named.trim().replace(/\s+as\s+/g, ": ")} } = ${whole ?? load};`);
      return lines.join(" ");
    })
    .replace(BUILTIN_DYNAMIC_IMPORT, (_, specifier) => `Promise.resolve(process.getBuiltinModule(${JSON.stringify(specifier)}))`);
  // Anything left (a form the pattern does not know) would still work, only slower: fail so that it is seen.
  const left = /^import [^;]*from "node:[^"]*";|\bimport\("node:/m.exec(out);
  if (left) throw new Error(`bundle.mjs: a built-in import that builtinsAsValues does not rewrite: ${left[0]}`);
  return out;
}

for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, builtinsAsValues(file.text));
}

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
