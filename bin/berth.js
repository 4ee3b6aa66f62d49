// The CLI's entry point, run by bin/berth and by conmon's exit command with berth's own Node.
// Built-ins come from process.getBuiltinModule, not ES imports: an ES import of node:fs builds a
// facade that reads all of its exports, and that loads its streams and fs/promises (~10 ms).
const module = process.getBuiltinModule("node:module");
const { statSync } = process.getBuiltinModule("node:fs");
const { homedir } = process.getBuiltinModule("node:os");

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`berth needs Node.js 24 or later, not ${process.version}: run scripts/setup.sh, which installs it\n`);
  process.exit(1);
}

// V8's compile cache spares every command most of the parsing and compiling of the CLI's modules.
// It holds code that runs, so it lives where only this user can write: root's in /var/cache (not in
// a HOME that sudo may have kept), a user's in their own cache dir. Where it cannot be made, Node
// runs without it, no slower. Static imports would load before this line: main comes after it.
const cacheDir =
  process.getuid?.() === 0
    ? "/var/cache/berth/compile-cache"
    : `${process.env.XDG_CACHE_HOME || `${homedir()}/.cache`}/berth/compile-cache`;
module.enableCompileCache(cacheDir);

// The bundle (scripts/bundle.mjs) loads in a few files what dist/src loads in hundreds; a bundle
// older than tsc's output (a `tsc` run alone) would run stale code, so then dist/src runs.
const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime("../dist/cli/main.js") >= mtime("../dist/src/cli/main.js");
const { main } = bundled ? await import("../dist/cli/main.js") : await import("../dist/src/cli/main.js");
process.exitCode = await main(process.argv.slice(2), process.env);
