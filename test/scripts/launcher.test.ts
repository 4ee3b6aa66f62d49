// bin/berth starts the CLI on berth's own Node (the one set-up recorded), whatever `node` comes first
// on PATH, and bin/berth.js's compile cache never stops a user whose cache dir cannot be written.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { REPO } from "../helpers/temp-root.js";

const LAUNCHER = `${REPO}/bin/berth`;
const RECORDED = `${REPO}/node_modules/.berth-node`;
const noRecord = fs.existsSync(RECORDED) ? false : "set-up has not recorded berth's Node (run scripts/setup.sh)";
const notRoot = process.getuid?.() === 0 ? false : "needs root to run berth as another user";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-launcher-`);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("bin/berth runs berth's recorded Node, not the first node on PATH", { skip: noRecord }, (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(`${dir}/node`, "#!/bin/sh\necho 'the wrong node' >&2\nexit 99\n", { mode: 0o755 });
  const r = spawnSync(LAUNCHER, ["--version"], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^berth version /);
});

test("bin/berth reached through a symlink elsewhere, as /usr/local/bin/berth, finds its checkout", { skip: noRecord }, (t) => {
  const dir = tempDir(t);
  fs.symlinkSync(LAUNCHER, `${dir}/berth`);
  const r = spawnSync(`${dir}/berth`, ["--version"], { encoding: "utf8" });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^berth version /);
});

test("bin/berth.js keeps a user's compile cache in that user's cache dir", { skip: noRecord || notRoot }, (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(`${dir}/cache`);
  fs.chownSync(`${dir}/cache`, 65534, 65534);
  const r = spawnSync(LAUNCHER, ["--version"], {
    encoding: "utf8",
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH, HOME: "/nonexistent", XDG_CACHE_HOME: `${dir}/cache` },
  });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const versions = fs.readdirSync(`${dir}/cache/berth/compile-cache`);
  assert.equal(versions.length, 1);
  assert.ok(fs.readdirSync(`${dir}/cache/berth/compile-cache/${versions[0]}`).length > 0, "no module was cached");
});

test("bin/berth.js runs without a compile cache where none can be written", { skip: noRecord || notRoot }, () => {
  // nobody's home does not exist, and nothing under / is nobody's to create.
  const r = spawnSync(LAUNCHER, ["--version"], {
    encoding: "utf8",
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH, HOME: "/nonexistent" },
  });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^berth version /);
});
