// resolveInRoot() and readFileInRoot(): chroot semantics for image paths (CVE-2024-9676, CVE-2014-9356).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SymlinkLoopError, readFileInRoot, resolveInRoot } from "../../src/runtime/resolve-in-root.js";

function tempRoot(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-rir-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, "rootfs");
  fs.mkdirSync(root);
  return root;
}

test("resolveInRoot() joins plain and missing paths below the root", (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(path.join(root, "etc"));
  assert.equal(resolveInRoot(root, "/etc/passwd"), path.join(root, "etc/passwd"));
  assert.equal(resolveInRoot(root, "etc//./passwd"), path.join(root, "etc/passwd"));
  assert.equal(resolveInRoot(root, "/"), root);
  assert.equal(resolveInRoot(root, "/no/such/dir/file"), path.join(root, "no/such/dir/file"));
});

test("resolveInRoot() never climbs above the root with ..", (t) => {
  const root = tempRoot(t);
  assert.equal(resolveInRoot(root, "../../../etc/passwd"), path.join(root, "etc/passwd"));
  assert.equal(resolveInRoot(root, "/a/../../../b"), path.join(root, "b"));
});

test("resolveInRoot() reads an absolute symlink as relative to the root (CVE-2024-9676)", (t) => {
  const root = tempRoot(t);
  // On the host, /proc/self/root/etc is the host's /etc; inside the rootfs it names nothing.
  fs.symlinkSync("/proc/self/root/etc", path.join(root, "etc"));
  assert.equal(resolveInRoot(root, "/etc/passwd"), path.join(root, "proc/self/root/etc/passwd"));
  assert.equal(readFileInRoot(root, "/etc/passwd"), undefined, "must not read the host's /etc/passwd");
});

test("resolveInRoot() treats /etc -> /etc as the loop it is under chroot, never as the host's /etc", (t) => {
  const root = tempRoot(t);
  fs.symlinkSync("/etc", path.join(root, "etc"));
  assert.throws(() => resolveInRoot(root, "/etc/passwd"), SymlinkLoopError);
  assert.throws(() => readFileInRoot(root, "/etc/passwd"), SymlinkLoopError);
});

test("resolveInRoot() keeps relative symlinks that climb out inside the root", (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(path.join(root, "etc"));
  fs.symlinkSync("../../../../../etc/shadow", path.join(root, "etc/passwd"));
  assert.equal(resolveInRoot(root, "/etc/passwd"), path.join(root, "etc/shadow"));
});

test("resolveInRoot() follows chains and resolves .. physically after a symlink", (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(path.join(root, "real/deep"), { recursive: true });
  fs.symlinkSync("real/deep", path.join(root, "a"));
  fs.symlinkSync("/a", path.join(root, "b"));
  assert.equal(resolveInRoot(root, "/b/file"), path.join(root, "real/deep/file"));
  assert.equal(resolveInRoot(root, "/b/../x"), path.join(root, "real/x"));
});

test("resolveInRoot() throws on a symlink loop", (t) => {
  const root = tempRoot(t);
  fs.symlinkSync("/loop2", path.join(root, "loop1"));
  fs.symlinkSync("/loop1", path.join(root, "loop2"));
  assert.throws(() => resolveInRoot(root, "/loop1/x"), { name: "SymlinkLoopError", message: /too many levels of symbolic links/ });
});

test("resolveInRoot() treats a file used as a directory as missing", (t) => {
  const root = tempRoot(t);
  fs.writeFileSync(path.join(root, "file"), "");
  assert.equal(resolveInRoot(root, "/file/x"), path.join(root, "file/x"));
  assert.equal(readFileInRoot(root, "/file/x"), undefined);
});

test("readFileInRoot() reads regular files and refuses FIFOs", (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(path.join(root, "etc"));
  fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\n");
  assert.equal(readFileInRoot(root, "/etc/group"), "root:x:0:\n");
  fs.symlinkSync("group", path.join(root, "etc/group-link"));
  assert.equal(readFileInRoot(root, "/etc/group-link"), "root:x:0:\n");
  fs.mkdirSync(path.join(root, "dir"));
  assert.throws(() => readFileInRoot(root, "/dir"), /not a regular file/);
});
