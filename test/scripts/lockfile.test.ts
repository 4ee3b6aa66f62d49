// `npm ci` (what set-up runs) refuses a lock file in which a locked package's dependency,
// optional ones included, has no entry of its own, even one for another platform.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { REPO } from "../helpers/temp-root.js";

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Node's resolution: from the package at `from`, the nearest node_modules/`name` upwards. */
function resolves(packages: Record<string, LockEntry>, from: string, name: string): boolean {
  let dir = from;
  for (;;) {
    if (packages[dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`]) return true;
    if (!dir) return false;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

test("package-lock.json lists every dependency of every locked package, as npm ci requires", () => {
  const lock = JSON.parse(fs.readFileSync(`${REPO}/package-lock.json`, "utf8")) as { packages: Record<string, LockEntry> };
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      if (!resolves(lock.packages, path, name)) missing.push(`${path || "(root)"} → ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});
