#!/usr/bin/env node
// Builds, then runs every compiled test file with Node's own runner. Node 20's --test takes file
// paths, not globs, so the files are listed here. Integration tests need root (they mount).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length ? only : find("dist/test").sort();
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, TZ: "UTC" },
});
process.exit(result.status ?? 1);
