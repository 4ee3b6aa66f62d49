// removeTree(): deletes trees berth owns at any depth (issue 9 item 1: a 5,000-level tree made
// Node's recursive rmSync overflow its stack and broke every later command), never following a
// symlink or entering a mount.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { removeTree, RemoveTreeError } from "../../src/sys/remove-tree.js";
import { makeDeepTree } from "../helpers/deep-tree.js";
import { isRoot } from "../helpers/temp-root.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/berth-remove-tree-`);
});
afterEach(() => {
  spawnSync("umount", ["-l", `${dir}/tree/a/mnt`]);
  spawnSync("chattr", ["-R", "-i", "-a", dir]);
  removeTree(dir);
});

describe("removeTree()", () => {
  test("removeTree() removes a tree 5,000 levels deep, deeper than PATH_MAX", () => {
    fs.mkdirSync(`${dir}/tree`);
    makeDeepTree(`${dir}/tree`, 5000);
    removeTree(`${dir}/tree`);
    assert.equal(fs.existsSync(`${dir}/tree`), false);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test("removeTree() removes a wide tree and names that are not UTF-8", () => {
    fs.mkdirSync(`${dir}/tree/wide`, { recursive: true });
    for (let i = 0; i < 3000; i++) fs.writeFileSync(`${dir}/tree/wide/f${i}`, "");
    const odd = Buffer.concat([Buffer.from(`${dir}/tree/`), Buffer.from([0xff, 0xfe, 0x41])]);
    fs.mkdirSync(odd);
    fs.writeFileSync(Buffer.concat([odd, Buffer.from("/x")]), "");
    removeTree(`${dir}/tree`);
    assert.equal(fs.existsSync(`${dir}/tree`), false);
  });

  test("removeTree() unlinks symlinks and never follows them", () => {
    fs.mkdirSync(`${dir}/outside`);
    fs.writeFileSync(`${dir}/outside/keep`, "keep");
    fs.mkdirSync(`${dir}/tree`);
    fs.symlinkSync(`${dir}/outside`, `${dir}/tree/to-dir`);
    fs.symlinkSync(`${dir}/outside/keep`, `${dir}/tree/to-file`);
    fs.symlinkSync(`${dir}/outside`, `${dir}/top-link`);
    removeTree(`${dir}/tree`);
    removeTree(`${dir}/top-link`);
    assert.equal(fs.readFileSync(`${dir}/outside/keep`, "utf8"), "keep");
    assert.deepEqual(fs.readdirSync(dir), ["outside"]);
  });

  test("removeTree() of a missing path does nothing", () => {
    removeTree(`${dir}/nothing-here`);
  });

  test("removeTree() removes directories whose mode is 000", () => {
    fs.mkdirSync(`${dir}/tree/locked/inner`, { recursive: true });
    fs.writeFileSync(`${dir}/tree/locked/inner/f`, "");
    fs.chmodSync(`${dir}/tree/locked/inner`, 0);
    fs.chmodSync(`${dir}/tree/locked`, 0);
    removeTree(`${dir}/tree`);
    assert.equal(fs.existsSync(`${dir}/tree`), false);
  });

  test(
    "removeTree() clears immutable and append-only flags in the tree",
    { skip: isRoot() ? false : "chattr +i needs CAP_LINUX_IMMUTABLE" },
    () => {
      fs.mkdirSync(`${dir}/tree/append`, { recursive: true });
      fs.writeFileSync(`${dir}/tree/frozen`, "x");
      fs.writeFileSync(`${dir}/tree/append/f`, "x");
      const chattr = spawnSync("chattr", ["+i", `${dir}/tree/frozen`]);
      if (chattr.status !== 0) return; // a filesystem without inode flags (tmpfs): nothing to prove here
      assert.equal(spawnSync("chattr", ["+a", `${dir}/tree/append`]).status, 0);
      assert.throws(() => fs.unlinkSync(`${dir}/tree/frozen`), /EPERM/);
      removeTree(`${dir}/tree`);
      assert.equal(fs.existsSync(`${dir}/tree`), false);
    },
  );

  test(
    "removeTree() leaves a mount point inside the tree, and what it shows, and says so",
    { skip: isRoot() ? false : "mounting needs root" },
    () => {
      fs.mkdirSync(`${dir}/tree/a/mnt`, { recursive: true });
      fs.mkdirSync(`${dir}/tree/b`, { recursive: true });
      fs.writeFileSync(`${dir}/tree/b/f`, "");
      assert.equal(spawnSync("mount", ["-t", "tmpfs", "tmpfs", `${dir}/tree/a/mnt`]).status, 0);
      fs.writeFileSync(`${dir}/tree/a/mnt/precious`, "host data");
      assert.throws(
        () => removeTree(`${dir}/tree`),
        (err: unknown) => err instanceof RemoveTreeError && err.message === `cannot remove ${dir}/tree: ${dir}/tree/a/mnt is a mount point`,
      );
      assert.equal(fs.readFileSync(`${dir}/tree/a/mnt/precious`, "utf8"), "host data");
      assert.deepEqual(fs.readdirSync(`${dir}/tree`), ["a"], "everything else went");
      spawnSync("umount", [`${dir}/tree/a/mnt`]);
      removeTree(`${dir}/tree`);
      assert.equal(fs.existsSync(`${dir}/tree`), false);
    },
  );

  test("removeTree() leaves a bind mount of the same filesystem too", { skip: isRoot() ? false : "mounting needs root" }, () => {
    fs.mkdirSync(`${dir}/host`);
    fs.writeFileSync(`${dir}/host/precious`, "host data");
    fs.mkdirSync(`${dir}/tree/a/mnt`, { recursive: true });
    assert.equal(spawnSync("mount", ["--bind", `${dir}/host`, `${dir}/tree/a/mnt`]).status, 0);
    assert.throws(() => removeTree(`${dir}/tree`), /a\/mnt is a mount point/);
    assert.equal(fs.readFileSync(`${dir}/host/precious`, "utf8"), "host data");
    assert.throws(() => removeTree(`${dir}/tree/a/mnt`), /is a mount point/, "a mount point at the top is not emptied either");
    assert.equal(fs.readFileSync(`${dir}/host/precious`, "utf8"), "host data");
  });
});
