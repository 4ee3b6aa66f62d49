// scripts/bundle.mjs: the CLI's bundle takes Node's built-ins with process.getBuiltinModule, never
// by an ES import, whose facade reads every export of the built-in (node:fs's getters then load its
// streams and fs/promises at every command's start).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { BERTH, REPO, createTempRoot } from "../helpers/temp-root.js";

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

test("listing commands load no built-in they do not use: child_process, crypto, net and the like wait for a first call", (t) => {
  const tmp = createTempRoot("berth-bundle-");
  t.after(() => tmp.cleanup());
  const list = `${tmp.dir}/loaded.txt`;
  // Written at exit, with fs alone (process.stdout would load the stream modules this looks for).
  const probe = `${tmp.dir}/probe.mjs`;
  fs.writeFileSync(
    probe,
    `process.on("exit", () => process.getBuiltinModule("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));`,
  );
  for (const command of [["ps"], ["version"], ["volume", "ls"], ["--version"]]) {
    // Output to a file: a pipe's or a terminal's stream is a net.Socket.
    const out = fs.openSync(`${tmp.dir}/out`, "w");
    const run = spawnSync(process.execPath, ["--import", probe, BERTH, "--root", tmp.root, "--runroot", tmp.runroot, ...command], {
      encoding: "utf8",
      stdio: ["ignore", out, "pipe"],
    });
    fs.closeSync(out);
    assert.equal(run.status, 0, run.stderr);
    const loaded = fs.readFileSync(list, "utf8").split("\n");
    for (const unused of ["child_process", "crypto", "net", "dgram", "timers/promises", "fs/promises", "zlib"]) {
      assert.ok(!loaded.includes(`NativeModule ${unused}`), `berth ${command.join(" ")} loaded node:${unused}`);
    }
  }
});
