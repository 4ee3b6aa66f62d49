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
import { execFileSync } from "node:child_process";
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

// Bundled CommonJS packages (commander) call require(): an ES module has none of its own.
const BANNER = 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);';

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
  banner: { js: BANNER },
  // Error classes and the like keep their names (esbuild renames clashing top-level names otherwise).
  keepNames: false,
  logLevel: "warning",
  write: false,
});

// Built-in modules are taken with process.getBuiltinModule instead of ES imports. For an ES import
// of a built-in Node builds a facade that reads every one of its exports, and reading node:fs's
// runs its lazy getters, which load the stream modules, fs/promises and readline: about 10 ms of
// every command, which most never use. A named import reads only the names it takes.
//
// And a built-in that a bare `node` has not loaded yet (crypto, child_process, timers/promises...)
// is loaded at the first call of a function taken from it, not when the chunk that names it loads:
// `images` reads no digest and spawns nothing, yet its chunks name createHash and spawn, and
// loading node:crypto alone cost it 11 ms. Only plain functions are deferred so: a class, a
// constant, or anything else is taken at load as before.
const BUILTIN_IMPORT = /^import (?:(\w+) |\* as (\w+) |(\w+), )?(?:\{([^}]*)\} )?from "(node:[\w/]+)";$/gm;
const BUILTIN_DYNAMIC_IMPORT = /\bimport\("(node:[\w/]+)"\)/g;
const BUILTIN_REQUIRE = /\bvar (\w+) = __require\("(node:[\w/]+)"\);/g;

const loadedAtStart = new Set(
  JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL("builtins-at-start.mjs", import.meta.url))], { encoding: "utf8" })),
);

const PROMISIFY_CUSTOM = Symbol.for("nodejs.util.promisify.custom");

/** Whether calls of `name` from built-in `specifier` can wait for the built-in's load. */
function deferrable(specifier, name) {
  if (loadedAtStart.has(specifier) || !/^[a-z]/.test(name)) return false;
  const value = process.getBuiltinModule(specifier)?.[name];
  return (
    typeof value === "function" &&
    !/^class\b/.test(Function.prototype.toString.call(value)) &&
    Object.getOwnPropertySymbols(value).every((symbol) => symbol === PROMISIFY_CUSTOM)
  );
}

const loadOf = (specifier) => `process.getBuiltinModule(${JSON.stringify(specifier)})`;

/** A function that loads the built-in at its first call; its promisify form (execFile's) too. */
function deferred(specifier, name) {
  const call = `(...args) => ${loadOf(specifier)}.${name}(...args)`;
  if (!Object.getOwnPropertySymbols(process.getBuiltinModule(specifier)[name]).length) return call;
  const custom = 'Symbol.for("nodejs.util.promisify.custom")';
  return `Object.defineProperty(${call}, ${custom}, { get: () => ${loadOf(specifier)}.${name}[${custom}] })`;
}

function namedBindings(named, specifier, whole) {
  const eager = [];
  const lines = [];
  for (const binding of named
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean)) {
    const [imported, local = imported] = binding.split(/\s+as\s+/);
    if (!whole && deferrable(specifier, imported)) lines.push(`const ${local} = ${deferred(specifier, imported)};`);
    else eager.push(local === imported ? imported : `${imported}: ${local}`);
  }
  if (eager.length) lines.unshift(`const { ${eager.join(", ")} } = ${whole ?? loadOf(specifier)};`);
  return lines;
}

/**
 * A bundled CommonJS package's `var x = __require("node:…")` of a built-in not yet loaded, whose
 * every use in the chunk is `x.fn`: x becomes an object whose getters load the built-in (commander
 * requires node:child_process, which it needs only for a subcommand that is a program of its own).
 */
function deferRequires(code) {
  return code.replace(BUILTIN_REQUIRE, (whole, name, specifier) => {
    if (loadedAtStart.has(specifier)) return whole;
    const uses = [...code.replace(whole, "").matchAll(new RegExp(`\\b${name}\\b(\\.\\w+)?`, "g"))];
    const members = new Set(uses.map((use) => use[1]?.slice(1)));
    const declarations = code.split(`var ${name} = `).length - 1;
    if (declarations !== 1 || members.has(undefined) || ![...members].every((m) => deferrable(specifier, m))) return whole;
    const getters = [...members].map((m) => `get ${m}() { return ${loadOf(specifier)}.${m}; }`);
    return `var ${name} = { ${getters.join(", ")} };`;
  });
}

function builtinsAsValues(code) {
  const out = deferRequires(
    code
      .replace(BUILTIN_IMPORT, (_, defaultName, namespace, defaultWithNamed, named, specifier) => {
        const whole = defaultName ?? namespace ?? defaultWithNamed;
        const lines = [];
        if (whole) lines.push(`const ${whole} = ${loadOf(specifier)};`);
        if (named) lines.push(...namedBindings(named, specifier, whole));
        return lines.join(" ");
      })
      .replace(BUILTIN_DYNAMIC_IMPORT, (_, specifier) => `Promise.resolve(${loadOf(specifier)})`),
  );
  // Anything left (a form the pattern does not know) would still work, only slower: fail so that it is seen.
  const left = /^import [^;]*from "node:[^"]*";|\bimport\("node:/m.exec(out);
  if (left) throw new Error(`bundle.mjs: a built-in import that builtinsAsValues does not rewrite: ${left[0]}`);
  return out;
}

// The banner's require (for bundled CommonJS) costs a createRequire in every chunk that loads; a
// chunk that never says `require` goes without it.
const withoutUnusedBanner = (code) =>
  code.startsWith(`${BANNER}\n`) && !/\brequire\b/.test(code.slice(BANNER.length)) ? code.slice(BANNER.length + 1) : code;

for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, withoutUnusedBanner(builtinsAsValues(file.text)));
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
