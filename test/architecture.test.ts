// The import rules of docs/architecture.md, read from the source: lower folders never import
// higher ones, so the CLI (and later the API) sit on the engine and never the other way round.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { posix } from "node:path";
import { REPO } from "./helpers/temp-root.js";

/** Each folder, and the folders it may import from (besides itself, node: builtins and packages). */
const ALLOWED: Record<string, readonly string[]> = {
  "": [],
  image: [""],
  sys: [""],
  archive: ["", "image", "sys"],
  store: ["", "image", "archive", "sys"],
  runtime: ["", "image", "sys"],
  registry: ["", "image"],
  engine: ["", "image", "archive", "sys", "store", "runtime", "registry"],
  api: ["", "image", "engine", "runtime", "store", "archive", "sys", "registry"],
  cli: ["", "image", "engine", "runtime", "store", "archive", "sys", "registry", "api"],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

function folderOf(file: string): string {
  const rel = posix.relative(`${REPO}/src`, file);
  return rel.includes("/") ? rel.split("/")[0]! : "";
}

test("architecture: imports point down only (docs/architecture.md)", () => {
  const violations: string[] = [];
  for (const file of sources(`${REPO}/src`)) {
    const from = folderOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `src/${from} is not in the architecture table`);
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = folderOf(posix.resolve(posix.dirname(file), match[1]!));
      if (target !== from && !allowed.includes(target)) violations.push(`${posix.relative(REPO, file)} imports ${match[1]} (${from || "src"} → ${target || "src"})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("architecture: nothing below the CLI reads a variable of process.env (configuration comes in through the engine)", () => {
  // Handing the whole environment to a child (conmon) is not reading it; process.env.X is.
  const readers = sources(`${REPO}/src`)
    .filter((f) => ["image", "sys", "archive", "store", "runtime", "registry", "engine"].includes(folderOf(f)))
    .filter((f) => /(?<![.\w])process\.env(\.|\[)/.test(fs.readFileSync(f, "utf8")));
  assert.deepEqual(readers.map((f) => posix.relative(REPO, f)), []);
});
