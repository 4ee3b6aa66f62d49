// `berth cp` where docker refuses: read-only rootfs, read-only volumes and binds (also below the
// destination and through symlinks), and the placement rules of docker's client. Every expected
// line was measured with docker CLI 28 against dockerd 20.10 on the same cases.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { buildTar } from "../helpers/tar-builder.js";

const skip = isRoot() ? false : "needs root";

describe("cp: read-only places and docker's placement rules", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;
  const fails = (args: string[], stderr: string, input?: Buffer) => {
    const r = root.t.berth(args, input ? { input } : {});
    assert.deepEqual([r.code, r.stderr], [1, stderr], `berth ${args.join(" ")}`);
  };
  /** A host tree: file, dir/sub/s, and tree/{top,data/x} whose data/ lands on a /data mount. */
  const host = () => {
    const d = `${root.t.dir}/host`;
    if (!fs.existsSync(d)) {
      fs.mkdirSync(`${d}/dir/sub`, { recursive: true });
      fs.mkdirSync(`${d}/tree/data`, { recursive: true });
      fs.writeFileSync(`${d}/file`, "f\n");
      fs.writeFileSync(`${d}/dir/sub/s`, "s\n");
      fs.writeFileSync(`${d}/tree/top`, "t\n");
      fs.writeFileSync(`${d}/tree/data/x`, "x\n");
    }
    return d;
  };
  const volumeDir = (name: string) => String(JSON.parse(ok(["volume", "inspect", name]))[0].Mountpoint);
  const listing = (dir: string) => fs.readdirSync(dir).sort();

  test("cp into a --read-only container is refused, in every form; copying out is not", async () => {
    const h = host();
    ok(["create", "--name", "ro", "--read-only", "busybox", "sleep", "100"]);
    const refused = "Error response from daemon: container rootfs is marked read-only\n";
    fails(["cp", `${h}/file`, "ro:/"], refused);
    fails(["cp", `${h}/file`, "ro:/tmp/"], refused);
    fails(["cp", `${h}/file`, "ro:/newname"], refused);
    fails(["cp", `${h}/dir`, "ro:/"], refused);
    fails(["cp", `${h}/file`, "ro:/etc/hostname"], refused);
    fails(["cp", "-", "ro:/tmp"], refused, await buildTar([{ type: "file", name: "streamed", body: "s\n" }]));
    // What docker checks before it writes still comes first.
    fails(["cp", `${h}/file`, "ro:/nonexist/"], "no such directory\n");
    fails(["cp", `${h}/file`, "ro:/nonexist/x"], "Error response from daemon: Could not find the file /nonexist in container ro\n");
    assert.equal(ok(["diff", "ro"]), "", "nothing was written");
    ok(["cp", "ro:/etc/passwd", `${root.t.dir}/ro-passwd`]);
    assert.match(fs.readFileSync(`${root.t.dir}/ro-passwd`, "utf8"), /^root:x:0:0:/);
    // A writable volume in a read-only container takes files; the rootfs around it does not.
    ok(["create", "--name", "rorw", "--read-only", "-v", "rorw-vol:/data", "busybox", "sleep", "100"]);
    ok(["cp", `${h}/file`, "rorw:/data/"]);
    assert.equal(fs.readFileSync(`${volumeDir("rorw-vol")}/file`, "utf8"), "f\n");
    fails(["cp", `${h}/tree/.`, "rorw:/"], refused);
  });

  test("cp into a read-only volume or bind is refused, also through a symlink and below the destination", () => {
    const h = host();
    ok(["volume", "create", "ro-vol"]);
    ok(["run", "--rm", "-v", "ro-vol:/data", "busybox", "sh", "-c", "echo old > /data/old"]);
    const bind = `${root.t.dir}/ro-bind`;
    fs.mkdirSync(bind);
    fs.writeFileSync(`${bind}/old`, "old\n");
    ok(["create", "--name", "vro", "-v", "ro-vol:/data:ro", "busybox", "sleep", "100"]);
    ok(["create", "--name", "mro", "--mount", "type=volume,src=ro-vol,dst=/data,readonly", "busybox", "sleep", "100"]);
    ok(["create", "--name", "bro", "-v", `${bind}:/data:ro`, "busybox", "sleep", "100"]);
    ok(["create", "--name", "bmro", "--mount", `type=bind,src=${bind},dst=/data,readonly`, "busybox", "sleep", "100"]);
    const refused = "Error response from daemon: mounted volume is marked read-only\n";
    for (const ctr of ["vro", "mro", "bro", "bmro"]) {
      fails(["cp", `${h}/file`, `${ctr}:/data/`], refused);
      fails(["cp", `${h}/file`, `${ctr}:/data`], refused);
      fails(["cp", `${h}/file`, `${ctr}:/data/newname`], refused);
      // Entries of a tar unpacked at / that land in the mount: dockerd's chrooted unpack meets EROFS.
      fails(
        ["cp", `${h}/tree/.`, `${ctr}:/`],
        "Error response from daemon: Error processing tar file(exit status 1): lchown /data: read-only file system\n",
      );
    }
    // The same tree under another name, and a file next to the mount, are fine.
    ok(["cp", `${h}/tree`, "vro:/"]);
    ok(["cp", `${h}/file`, "vro:/tmp/"]);
    assert.deepEqual(listing(volumeDir("ro-vol")), ["old"]);
    assert.deepEqual(listing(bind), ["old"]);
    // Running, with symlinks into the read-only volume, one of them through a writable one.
    ok([
      "run",
      "-d",
      "--name",
      "lnk",
      "-v",
      "ro-vol:/data:ro",
      "-v",
      "lnk-rw:/rw",
      "busybox",
      "sh",
      "-c",
      "ln -s /data /link; ln -s /rw/../data /link2; sleep 100",
    ]);
    for (let i = 0; i < 50 && !ok(["diff", "lnk"]).includes("/link2"); i++) spawnSync("sleep", ["0.1"]);
    fails(["cp", `${h}/file`, "lnk:/link/"], refused);
    fails(["cp", `${h}/file`, "lnk:/link"], refused);
    fails(["cp", `${h}/file`, "lnk:/link2/"], refused);
    ok(["cp", `${h}/file`, "lnk:/rw/"]);
    assert.equal(ok(["exec", "lnk", "cat", "/rw/file"]), "f\n");
    assert.deepEqual(listing(volumeDir("ro-vol")), ["old"]);
    ok(["rm", "-f", "lnk"]);
  });

  test("cp unpacks what lands in a writable volume into the volume, not into the rootfs under it, and packs it from there", () => {
    const h = host();
    ok(["create", "--name", "rwv", "-v", "rw-vol:/data", "busybox", "sleep", "100"]);
    ok(["cp", `${h}/tree/.`, "rwv:/"]);
    assert.equal(fs.readFileSync(`${volumeDir("rw-vol")}/x`, "utf8"), "x\n");
    assert.doesNotMatch(ok(["diff", "rwv"]), /\/data\/x/);
    assert.equal(ok(["run", "--rm", "-v", "rw-vol:/data", "busybox", "cat", "/data/x"]), "x\n");
    // Copying out reads the volume too, as dockerd mounts it for the copy.
    ok(["run", "--name", "rwv-ran", "-v", "rw-vol:/data", "busybox", "true"]);
    ok(["cp", "rwv-ran:/", `${root.t.dir}/whole`]);
    assert.equal(fs.readFileSync(`${root.t.dir}/whole/data/x`, "utf8"), "x\n");
    ok(["cp", "rwv-ran:/data/.", `${root.t.dir}/volume-contents`]);
    assert.deepEqual(listing(`${root.t.dir}/volume-contents`), ["x"]);
  });

  test("cp into a container: missing DIR/, a directory onto a file, with docker's words", () => {
    const h = host();
    ok(["create", "--name", "place", "busybox", "true"]);
    fails(["cp", `${h}/file`, "place:/nonexistent/"], "no such directory\n");
    fails(["cp", `${h}/file`, "place:/etc/passwd/"], "no such directory\n");
    fails(["cp", `${h}/dir`, "place:/etc/hostname"], "cannot copy directory\n");
    fails(["cp", `${h}/dir/.`, "place:/etc/hostname"], "cannot copy directory\n");
    fails(
      ["cp", `${h}/dir`, "place:/etc/passwd/"],
      'Error response from daemon: Error processing tar file(exit status 1): cannot overwrite non-directory "/etc/passwd" with directory "/etc"\n',
    );
    fails(["cp", "-", "place:/etc/passwd"], 'destination "place:/etc/passwd" must be a directory\n', Buffer.alloc(1024));
    // A missing DIR/ is made for a directory.
    ok(["cp", `${h}/dir`, "place:/newdir/"]);
    assert.match(ok(["diff", "place"]), /^A \/newdir\/sub\/s$/m);
  });

  test("cp out of a container: a symlink to a directory with a trailing / copies the directory; the host's DIR/ and files", () => {
    ok([
      "run",
      "--name",
      "links",
      "busybox",
      "sh",
      "-c",
      "ln -s /etc /link-to-dir; ln -s /etc/passwd /link-to-file; mkdir /d; echo x > /d/x; ln -s d /rel-link",
    ]);
    const out = `${root.t.dir}/out`;
    fs.mkdirSync(out);
    fs.writeFileSync(`${out}/existing`, "e\n");
    ok(["cp", "links:/link-to-dir/", `${out}/a`]);
    assert.ok(fs.lstatSync(`${out}/a`).isDirectory());
    assert.ok(listing(`${out}/a`).includes("passwd"));
    ok(["cp", "links:/rel-link/", `${out}/c`]);
    assert.deepEqual(listing(`${out}/c`), ["x"]);
    ok(["cp", "links:/link-to-dir/", `${out}/`]);
    assert.ok(fs.lstatSync(`${out}/link-to-dir`).isDirectory(), "named after the link, holding the directory");
    ok(["cp", "links:/link-to-dir", `${out}/b`]);
    assert.equal(fs.readlinkSync(`${out}/b`), "/etc", "without the slash, the link itself");
    fails(["cp", "links:/link-to-file/", `${out}/f`], "Error response from daemon: lstat /etc/passwd/: not a directory\n");
    fails(["cp", "links:/etc/passwd", `${out}/nonexist/`], "no such directory\n");
    fails(["cp", "links:/etc", `${out}/existing`], "cannot copy directory\n");
    fails(["cp", "links:/etc/.", `${out}/existing`], "cannot copy directory\n");
    fails(["cp", "links:/etc", `${out}/existing/`], `stat ${out}/existing/: not a directory\n`);
    fails(["cp", "links:/etc/passwd", `${out}/existing/`], `stat ${out}/existing/: not a directory\n`);
    fails(["cp", "links:/etc", `${out}/nonexist/deeper`], `invalid output path: directory "${out}/nonexist" does not exist\n`);
    fails(
      ["cp", "links:/etc/passwd", "/dev/null"],
      'invalid output path: "/dev/null" must be a directory or a regular file: got a device\n',
    );
    assert.equal(fs.readFileSync(`${out}/existing`, "utf8"), "e\n");
    ok(["cp", "links:/d", `${out}/newdir/`]);
    assert.deepEqual(listing(`${out}/newdir`), ["x"]);
  });
});
