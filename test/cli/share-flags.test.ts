// The parsers of the sharing flags (issue 13): --label-file with the docker CLI's env-file rules,
// --sysctl's allow-list, --volumes-from's modes and --cgroup-parent's path. Words measured on the
// docker CLI 28 and dockerd 20.10 (RUN-FLAGS.md §7, §12).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLabelFile } from "../../src/cli/label-file.js";
import { checkSysctlFlag } from "../../src/cli/sysctl-flag.js";
import { parseVolumesFrom } from "../../src/engine/containers/volumes-from.js";
import { containerCgroupsPath } from "../../src/engine/containers/share-options.js";

test("parseLabelFile() keeps trailing blanks and quotes, drops comments, blank lines, \\r and lines without =", () => {
  const text = '# c\nplain=1\n  leading=2 \nnovalue\nempty=\nquoted="q v"\nwin=crlf\r\n\t# c2\nsp=a b \nlast=no newline';
  assert.deepEqual(parseLabelFile(Buffer.from(text), "/f"), [
    "plain=1",
    "leading=2 ",
    "empty=",
    'quoted="q v"',
    "win=crlf",
    "sp=a b ",
    "last=no newline",
  ]);
});

test("parseLabelFile() refuses what the docker CLI refuses, naming the file", () => {
  assert.throws(() => parseLabelFile(Buffer.from("ok=1\nexport x=1\n"), "/f"), {
    message: "invalid env file (/f): variable 'export x' contains whitespaces",
  });
  assert.throws(() => parseLabelFile(Buffer.from("=novalue\n"), "/f"), {
    message: "invalid env file (/f): no variable name on line '=novalue'",
  });
  assert.throws(() => parseLabelFile(Buffer.from([0x61, 0x3d, 0x31, 0x0a, 255, 254, 61, 49]), "/f"), {
    message: "invalid env file (/f): invalid utf8 bytes at line 2: [255 254 61 49]",
  });
});

test("checkSysctlFlag() takes only the namespaced sysctls the docker CLI allows", () => {
  for (const ok of ["net.ipv4.ip_forward=1", "kernel.shmmax=1", "kernel.sem=1 2 3 4", "fs.mqueue.msg_max=20", "kernel.shm_rmid_forced=1"]) {
    assert.equal(checkSysctlFlag(ok), ok);
  }
  for (const bad of [
    "kernel.panic=1",
    "vm.swappiness=10",
    "kernel.hostname=x",
    "kernel.domainname=x",
    "noequals",
    "fs.file-max=1",
    "network=1",
  ]) {
    assert.throws(() => checkSysctlFlag(bad), { message: `sysctl '${bad}' is not allowed` });
  }
});

test("parseVolumesFrom() reads CTR[:MODE]; a bad mode in dockerd's words", () => {
  assert.deepEqual(parseVolumesFrom("src"), { container: "src", readWrite: true });
  assert.deepEqual(parseVolumesFrom("src:ro"), { container: "src", readWrite: false });
  assert.deepEqual(parseVolumesFrom("src:rw"), { container: "src", readWrite: true });
  assert.deepEqual(parseVolumesFrom("src:ro,z"), { container: "src", readWrite: false });
  assert.deepEqual(parseVolumesFrom("src:z"), { container: "src", readWrite: true });
  assert.throws(() => parseVolumesFrom("src:bogus"), { message: "invalid mode: bogus" });
  assert.throws(() => parseVolumesFrom("src:ro,rw"), { message: "invalid mode: ro,rw" });
});

test("containerCgroupsPath() puts the container under its parent, from the root", () => {
  const id = "a".repeat(64);
  assert.equal(containerCgroupsPath(id, ""), `/berth/${id}`);
  assert.equal(containerCgroupsPath(id, undefined), `/berth/${id}`);
  assert.equal(containerCgroupsPath(id, "/rf-parent"), `/rf-parent/${id}`);
  assert.equal(containerCgroupsPath(id, "rf.slice"), `/rf.slice/${id}`);
});
