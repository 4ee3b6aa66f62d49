// scripts/bundle.mjs: the CLI's bundle takes Node's built-ins with process.getBuiltinModule, never
// by an ES import, whose facade reads every export of the built-in (node:fs's getters then load its
// streams and fs/promises at every command's start).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { REPO } from "../helpers/temp-root.js";

const BUNDLE = `${REPO}/dist/cli`;

test("no file of the CLI's bundle imports a built-in module as an ES module", () => {
  const files = fs.readdirSync(BUNDLE).filter((f) => f.endsWith(".js"));
  assert.ok(files.includes("main.js"), "npm run build writes the bundle");
  for (const file of files) {
    const code = fs.readFileSync(`${BUNDLE}/${file}`, "utf8");
    assert.doesNotMatch(code, /^import [^;]*from "node:[^"]*";/m, file);
    assert.doesNotMatch(code, /\bimport\("node:/, file);
  }
});
