// resolveUser(): `-u` as runc's GetExecUser and moby's getUser resolve it. Messages were captured from
// Docker 20.10.24 here (`docker run -u nobody1 …`, `-u nobody:grp`, `-u 99999999999`).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveUser, withGroupAdd } from "../../src/runtime/user.js";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "alice:x:1000:1000::/home/alice:/bin/sh",
  "",
  "  1001:x:1001:1001:numeric name:/:/bin/sh  ",
  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false",
].join("\n");

const GROUP = ["root:x:0:", "wheel:x:10:root,alice", "audio:x:29:alice", "alice:x:1000:", "staff:x:50:", "nogroup:x:65534:"].join("\n");

function rootfsWith(t: { after(fn: () => void): void }, files: { passwd?: string; group?: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-user-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, "etc"));
  if (files.passwd !== undefined) fs.writeFileSync(path.join(dir, "etc/passwd"), files.passwd);
  if (files.group !== undefined) fs.writeFileSync(path.join(dir, "etc/group"), files.group);
  return dir;
}

test("resolveUser() resolves the -u forms like Docker", (t) => {
  const rootfs = rootfsWith(t, { passwd: PASSWD, group: GROUP });
  const cases: [string, { uid: number; gid: number; additionalGids: number[] }][] = [
    ["", { uid: 0, gid: 0, additionalGids: [0, 10] }],
    ["root", { uid: 0, gid: 0, additionalGids: [0, 10] }],
    ["0", { uid: 0, gid: 0, additionalGids: [0, 10] }],
    ["alice", { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] }],
    ["1000", { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] }],
    ["alice:staff", { uid: 1000, gid: 50, additionalGids: [50] }],
    ["alice:77", { uid: 1000, gid: 77, additionalGids: [77] }],
    ["1000:50", { uid: 1000, gid: 50, additionalGids: [50] }],
    ["4321:staff", { uid: 4321, gid: 50, additionalGids: [50] }],
    ["1234", { uid: 1234, gid: 0, additionalGids: [0] }], // Docker: uid=1234 gid=0(root) groups=0(root)
    ["1234:5678", { uid: 1234, gid: 5678, additionalGids: [5678] }],
    ["nobody", { uid: 65534, gid: 65534, additionalGids: [65534] }],
    ["alice:staff:ignored", { uid: 1000, gid: 50, additionalGids: [50] }],
    [":staff", { uid: 0, gid: 50, additionalGids: [50] }],
  ];
  for (const [spec, want] of cases) assert.deepEqual(resolveUser(rootfs, spec), want, `-u ${JSON.stringify(spec)}`);
});

test("resolveUser() takes a numeric user as a uid even if a user has that name (CVE-2016-3697)", (t) => {
  const rootfs = rootfsWith(t, { passwd: "root:x:0:0::/:/bin/sh\n1001:x:0:0::/:/bin/sh\nbob:x:1001:7::/:/bin/sh\n", group: "" });
  assert.deepEqual(resolveUser(rootfs, "1001"), { uid: 1001, gid: 7, additionalGids: [7] });
});

test("resolveUser() reports unknown users and groups with Docker's messages", (t) => {
  const rootfs = rootfsWith(t, { passwd: PASSWD, group: GROUP });
  assert.throws(() => resolveUser(rootfs, "nobody1"), { message: "unable to find user nobody1: no matching entries in passwd file" });
  assert.throws(() => resolveUser(rootfs, "nobody:grp"), { message: "unable to find group grp: no matching entries in group file" });
  assert.throws(() => resolveUser(rootfs, "1234:grp"), { message: "unable to find group grp: no matching entries in group file" });
});

test("resolveUser() refuses ids beyond 2^31-1 (CVE-2024-40635)", (t) => {
  const rootfs = rootfsWith(t, { passwd: "big:x:4294967296:0::/:/bin/sh\n", group: "" });
  const range = { message: "uids and gids must be in range 0-2147483647" };
  assert.throws(() => resolveUser(rootfs, "99999999999"), range);
  assert.throws(() => resolveUser(rootfs, "0:2147483648"), range);
  assert.throws(() => resolveUser(rootfs, "-1"), range);
  assert.throws(() => resolveUser(rootfs, "big"), range);
  assert.deepEqual(resolveUser(rootfs, "2147483647"), { uid: 2147483647, gid: 0, additionalGids: [0] });
});

test("resolveUser() treats missing files as empty", (t) => {
  const rootfs = rootfsWith(t, {});
  assert.deepEqual(resolveUser(rootfs, ""), { uid: 0, gid: 0, additionalGids: [0] });
  assert.deepEqual(resolveUser(rootfs, "1000:1000"), { uid: 1000, gid: 1000, additionalGids: [1000] });
  assert.throws(() => resolveUser(rootfs, "alice"), /unable to find user alice/);
  assert.throws(() => resolveUser(rootfs, "0:wheel"), /unable to find group wheel/);
});

test("resolveUser() does not read the host's /etc through an absolute /etc symlink (CVE-2024-9676)", (t) => {
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), "berth-user-"));
  t.after(() => fs.rmSync(rootfs, { recursive: true, force: true }));
  // On the host this symlink leads to the host's /etc; under chroot it is a loop, so: no entries.
  // (Docker 20.10 agrees: `docker run -u nobody` on such an image says "unable to find user nobody".)
  fs.symlinkSync("/etc", path.join(rootfs, "etc"));
  assert.deepEqual(resolveUser(rootfs, ""), { uid: 0, gid: 0, additionalGids: [0] });
  assert.deepEqual(resolveUser(rootfs, "1000"), { uid: 1000, gid: 0, additionalGids: [0] });
  assert.throws(() => resolveUser(rootfs, "root"), { message: "unable to find user root: no matching entries in passwd file" });
  assert.throws(() => resolveUser(rootfs, "0:root"), { message: "unable to find group root: no matching entries in group file" });
});

test("resolveUser() does not follow a passwd symlink that climbs out of the rootfs", (t) => {
  const rootfs = rootfsWith(t, { group: GROUP });
  fs.mkdirSync(path.join(rootfs, "real"));
  fs.writeFileSync(path.join(rootfs, "real/passwd"), "alice:x:1000:1000::/:/bin/sh\n");
  // ../../.. stops at the rootfs, so this is <rootfs>/real/passwd, never the host's /real/passwd.
  fs.symlinkSync("../../../../../../../../real/passwd", path.join(rootfs, "etc/passwd"));
  assert.deepEqual(resolveUser(rootfs, "alice"), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] });
  assert.throws(() => resolveUser(rootfs, "root"), /unable to find user root/);
});

test("withGroupAdd() adds --group-add names from the container's /etc/group and gids after the user's own", (t) => {
  const rootfs = rootfsWith(t, { passwd: PASSWD, group: GROUP });
  const user = resolveUser(rootfs, "alice");
  assert.deepEqual(withGroupAdd(rootfs, user, ["staff", "4321", "audio", "50"]).additionalGids, [1000, 10, 29, 50, 4321]);
  assert.deepEqual(withGroupAdd(rootfs, user, []), user);
  // dockerd 20.10 on busybox (no audio group): the start fails with runc's words.
  const bare = rootfsWith(t, { group: "root:x:0:\n" });
  assert.throws(() => withGroupAdd(bare, resolveUser(bare, ""), ["audio"]), {
    message: "Unable to find group audio: no matching entries in group file",
  });
  assert.throws(() => withGroupAdd(bare, resolveUser(bare, ""), ["4294967296"]), {
    message: "uids and gids must be in range 0-2147483647",
  });
});
