// The sharing and files flags of `run` (issue 13): --volumes-from, --cidfile, --label-file,
// --annotation, --group-add, --sysctl, --userns, --cgroupns, --cgroup-parent and --storage-opt,
// with dockerd 20.10's shapes and the docker CLI 28's words (RUN-FLAGS.md §7, §8, §12).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";

const skip = isRoot() ? false : "needs root";
const HELP = "\n\nRun 'berth run --help' for more information\n";

describe("run: sharing and files flags", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;
  const berth = (args: string[]) => root.t.berth(args);

  test("--volumes-from shares the source's volumes and binds: written in one container, read in the other", () => {
    const bind = `${root.t.dir}/bindsrc`;
    fs.mkdirSync(bind);
    fs.writeFileSync(`${bind}/f`, "from the host\n");
    ok(
      ["create", "--name", "src", "--network", "none", "-v", "rfvol:/named", "-v", "/data-anon", "-v", `${bind}:/hostbind:ro`].concat([
        "--tmpfs",
        "/tmpfs",
        "busybox",
        "sh",
        "-c",
        "echo named > /named/x; echo anon > /data-anon/y",
      ]),
    );
    ok(["start", "-a", "src"]);
    const read = ok([
      "run",
      "--rm",
      "--network",
      "none",
      "--volumes-from",
      "src",
      "busybox",
      "cat",
      "/named/x",
      "/data-anon/y",
      "/hostbind/f",
    ]);
    assert.equal(read, "named\nanon\nfrom the host\n");

    ok(["create", "--name", "dst", "--network", "none", "--volumes-from", "src", "busybox", "true"]);
    const mounts = JSON.parse(ok(["inspect", "-f", "{{json .Mounts}}", "dst"])) as Record<string, unknown>[];
    const src = JSON.parse(ok(["inspect", "-f", "{{json .Mounts}}", "src"])) as Record<string, unknown>[];
    const byDest = (list: Record<string, unknown>[], d: string) => list.find((m) => m.Destination === d)!;
    assert.deepEqual(mounts.map((m) => m.Destination).sort(), ["/data-anon", "/hostbind", "/named"], "tmpfs is not lent");
    assert.equal(byDest(mounts, "/data-anon").Name, byDest(src, "/data-anon").Name, "the anonymous volume is shared by name");
    assert.deepEqual([byDest(mounts, "/hostbind").Mode, byDest(mounts, "/hostbind").RW], ["", false], "Mode is reset, ro kept");
    assert.deepEqual([byDest(mounts, "/named").Mode, byDest(mounts, "/named").RW], ["", true]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.VolumesFrom}}", "dst"]), '["src"]\n');

    // :ro makes every copy read-only, and a chain through it stays so.
    ok(["create", "--name", "v2", "--network", "none", "--volumes-from", "src:ro", "busybox", "true"]);
    const ro = berth(["run", "--rm", "--network", "none", "--volumes-from", "v2", "busybox", "touch", "/named/z"]);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /touch: \/named\/z: Read-only file system/);
    const rw = berth(["run", "--rm", "--network", "none", "--volumes-from", "src:rw", "busybox", "touch", "/named/z"]);
    assert.equal(rw.code, 0, rw.stderr);

    // A -v for the same destination wins; a short ID works.
    const other = `${root.t.dir}/other`;
    fs.mkdirSync(other);
    fs.writeFileSync(`${other}/x`, "mine\n");
    const shortId = ok(["inspect", "-f", "{{.Id}}", "src"]).slice(0, 12);
    assert.equal(
      ok(["run", "--rm", "--network", "none", "--volumes-from", shortId, "-v", `${other}:/named`, "busybox", "cat", "/named/x"]),
      "mine\n",
    );

    // The lent volume is in use: it cannot be removed while dst holds it.
    ok(["rm", "src"]);
    assert.match(berth(["volume", "rm", "rfvol"]).stderr, /volume is in use/);
  });

  test("--volumes-from: a missing container and a bad mode in dockerd's words, nothing created", () => {
    const missing = berth(["create", "--name", "nf", "--volumes-from", "nosuch", "busybox", "true"]);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [125, `berth: Error response from daemon: No such container: nosuch${HELP.replace("run", "create")}`],
    );
    ok(["create", "--name", "vsrc", "--network", "none", "-v", "/d", "busybox", "true"]);
    const bad = berth(["create", "--name", "nf", "--volumes-from", "vsrc:bogus", "busybox", "true"]);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [125, `berth: Error response from daemon: invalid mode: bogus${HELP.replace("run", "create")}`],
    );
    assert.equal(berth(["inspect", "nf"]).code, 1);
    ok(["create", "--name", "vz", "--network", "none", "--volumes-from", "vsrc:ro,z", "busybox", "true"]);
  });

  test("--cidfile: the ID without a newline; an existing file or a missing directory refused before create", () => {
    const cid = `${root.t.dir}/cid`;
    const id = ok(["run", "-d", "--network", "none", "--cidfile", cid, "busybox", "true"]).trim();
    assert.equal(fs.readFileSync(cid, "utf8"), id);
    assert.equal(fs.statSync(cid).mode & 0o777, 0o644 & ~process.umask());
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.ContainerIDFile}}", id]), `${cid}\n`);
    const before = ok(["ps", "-aq"]);

    const again = berth(["run", "-d", "--cidfile", cid, "busybox", "true"]);
    assert.deepEqual(
      [again.code, again.stderr],
      [125, `berth: container ID file found, make sure the other container isn't running or delete ${cid}${HELP}`],
    );
    const nodir = berth(["create", "--cidfile", `${root.t.dir}/nodir/cid`, "busybox", "true"]);
    assert.equal(nodir.code, 127);
    assert.match(nodir.stderr, /^berth: failed to create the container ID file: open .*\/nodir\/cid: no such file or directory\n/);
    assert.equal(ok(["ps", "-aq"]), before, "nothing was created");

    // A create that fails takes its empty file away.
    const failed = `${root.t.dir}/failed-cid`;
    assert.equal(berth(["create", "--cidfile", failed, "--volumes-from", "nosuch", "busybox", "true"]).code, 125);
    assert.equal(fs.existsSync(failed), false);
  });

  test("--label-file: the docker CLI's env-file rules, --label wins", () => {
    const file = `${root.t.dir}/labels`;
    fs.writeFileSync(
      file,
      '# comment\nplain=1\n  leading=2 \nnovalue\nempty=\nquoted="q v"\ndup=a\ndup=b\nwin=crlf\r\n  # indented comment\nsp=a b \n',
    );
    ok(["create", "--name", "lf", "--label-file", file, "--label", "dup=c", "busybox", "true"]);
    assert.equal(
      ok(["inspect", "-f", "{{json .Config.Labels}}", "lf"]),
      '{"dup":"c","empty":"","leading":"2 ","plain":"1","quoted":"\\"q v\\"","sp":"a b ","win":"crlf"}\n',
    );
    const cases: [string, string][] = [
      ["export x=1\n", "variable 'export x' contains whitespaces"],
      ["=novalue\n", "no variable name on line '=novalue'"],
    ];
    for (const [text, message] of cases) {
      fs.writeFileSync(file, text);
      const r = berth(["create", "--label-file", file, "busybox", "true"]);
      assert.deepEqual([r.code, r.stderr], [125, `berth: invalid env file (${file}): ${message}${HELP.replace("run", "create")}`]);
    }
    fs.writeFileSync(file, Buffer.from([255, 254, 61, 49]));
    assert.match(berth(["create", "--label-file", file, "busybox", "true"]).stderr, /invalid utf8 bytes at line 1: \[255 254 61 49\]/);
    assert.match(
      berth(["create", "--label-file", `${file}-none`, "busybox", "true"]).stderr,
      /^berth: open .*-none: no such file or directory/,
    );
  });

  test("--group-add: names from the container's /etc/group and gids; an unknown name fails the start", () => {
    const out = ok(["run", "--rm", "--network", "none", "--group-add", "nogroup", "--group-add", "1234", "busybox", "id"]);
    assert.match(out, /^uid=0\(root\) gid=0\(root\) groups=/);
    assert.match(out, /65534\(nogroup\)/);
    assert.match(out, /\b1234\b/);
    ok(["create", "--name", "ga", "--group-add", "1234", "--group-add", "audio", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.GroupAdd}}", "ga"]), '["1234","audio"]\n');
    const start = berth(["start", "ga"]);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /Unable to find group audio: no matching entries in group file/);
    assert.equal(ok(["inspect", "-f", "{{.State.Status}}", "ga"]), "created\n");
  });

  test("--sysctl: the allowed set reaches the container; the CLI refuses the rest, runc the host's namespaces", () => {
    const out = ok(
      ["run", "--rm", "--network", "none", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=1000000"]
        .concat(["--sysctl", "fs.mqueue.msg_max=20", "busybox", "cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmax"])
        .concat(["/proc/sys/fs/mqueue/msg_max"]),
    );
    assert.equal(out, "1\n1000000\n20\n");
    ok(["create", "--name", "sc", "--network", "none", "--sysctl", "kernel.shmmax=1000000", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Sysctls}}", "sc"]), '{"kernel.shmmax":"1000000"}\n');
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Sysctls}}", "lf"]).trim(), "null", "absent when not given");

    for (const bad of ["kernel.panic=1", "vm.swappiness=10", "kernel.domainname=x", "noequals"]) {
      const r = berth(["run", "--rm", "--sysctl", bad, "busybox", "true"]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, new RegExp(`^invalid argument "${bad}" for "--sysctl" flag: sysctl '${bad}' is not allowed\n`));
    }
    // (Docker's CLI exits 125 here; berth's runc start failures give 128 for now, for every flag.)
    const host = berth(["run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "true"]);
    assert.notEqual(host.code, 0);
    assert.match(host.stderr, /sysctl "net\.ipv4\.ip_forward" not allowed in host network namespace/);
    const ipc = berth(["run", "--rm", "--network", "none", "--ipc", "host", "--sysctl", "kernel.shmmax=1", "busybox", "true"]);
    assert.notEqual(ipc.code, 0);
    assert.match(ipc.stderr, /sysctl "kernel\.shmmax" is not allowed in the hosts ipc namespace/);
  });

  test("--annotation goes into the OCI spec; --userns host only", () => {
    ok([
      "run",
      "-d",
      "--name",
      "an",
      "--network",
      "none",
      "--annotation",
      "org.example/a=1",
      "--annotation",
      "b",
      "busybox",
      "sleep",
      "30",
    ]);
    const id = ok(["inspect", "-f", "{{.Id}}", "an"]).trim();
    const spec = JSON.parse(fs.readFileSync(`${root.t.runroot}/containers/${id}/config.json`, "utf8")) as Record<string, unknown>;
    assert.deepEqual(spec.annotations, { "org.example/a": "1", b: "" });
    assert.equal(ok(["inspect", "-f", "{{json .HostConfig.Annotations}}", "an"]), '{"b":"","org.example/a":"1"}\n');
    ok(["rm", "-f", "an"]);

    ok(["create", "--name", "un", "--userns", "host", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.UsernsMode}}", "un"]), "host\n");
    for (const mode of ["bogus", "private"]) {
      const r = berth(["create", "--userns", mode, "busybox", "true"]);
      assert.deepEqual([r.code, r.stderr], [125, `berth: --userns: invalid USER mode${HELP.replace("run", "create")}`]);
    }
  });

  test("--cgroupns: the host's by default on cgroup v1, private on request", () => {
    const v2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");
    ok(["create", "--name", "cn", "busybox", "true"]);
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.CgroupnsMode}}", "cn"]), v2 ? "private\n" : "host\n");
    const hostView = ok(["run", "--rm", "--network", "none", "--cgroupns", "host", "busybox", "cat", "/proc/self/cgroup"]);
    assert.match(hostView, /:pids:\/berth\/[0-9a-f]{64}$/m);
    const own = ok(["run", "--rm", "--network", "none", "--cgroupns", "private", "busybox", "cat", "/proc/self/cgroup"]);
    assert.match(own, /:pids:\/$/m);
    const bad = berth(["create", "--cgroupns", "bogus", "busybox", "true"]);
    assert.deepEqual([bad.code, bad.stderr], [125, `berth: --cgroupns: invalid CGROUP mode${HELP.replace("run", "create")}`]);
  });

  test("--cgroup-parent puts the container's cgroup under it", (t) => {
    const parent = `/berth-test-parent-${process.pid}`;
    t.after(() => {
      // The parent directories stay after rm, as with Docker; this test made them, so it removes them.
      for (const c of fs.readdirSync("/sys/fs/cgroup"))
        if (fs.existsSync(`/sys/fs/cgroup/${c}${parent}`)) fs.rmdirSync(`/sys/fs/cgroup/${c}${parent}`);
    });
    const out = ok(["run", "--name", "cp", "--network", "none", "--cgroup-parent", parent, "busybox", "cat", "/proc/self/cgroup"]);
    const id = ok(["inspect", "-f", "{{.Id}}", "cp"]).trim();
    assert.match(out, new RegExp(`:memory:${parent}/${id}$`, "m"));
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.CgroupParent}}", "cp"]), `${parent}\n`);
    ok(["rm", "cp"]);
  });

  test("--storage-opt: Docker's error where the backing filesystem has no project quotas", () => {
    const bad = berth(["create", "--storage-opt", "size", "busybox", "true"]);
    assert.deepEqual([bad.code, bad.stderr], [125, `berth: invalid storage option${HELP.replace("run", "create")}`]);
    const r = berth(["create", "--name", "so", "--storage-opt", "size=1G", "busybox", "true"]);
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      /--storage-opt is supported only for overlay over xfs with 'pquota' mount option|does not implement --storage-opt/,
    );
    assert.equal(berth(["inspect", "so"]).code, 1);
  });
});
