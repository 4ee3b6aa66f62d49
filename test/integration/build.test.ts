// diff, commit, export and cp beyond the seed's lines: the rules Docker follows and the hostile
// cases (CVE-2018-15664's symlink games) that must stay inside the container.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isRoot, mountsUnder } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";

const skip = isRoot() ? false : "needs root";

describe("building images from containers", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  test("diff shows an opaque directory replacement and a deleted file; commit keeps them deleted", () => {
    ok(["run", "--name", "base", "busybox", "sh", "-c", "mkdir /opt && echo old > /opt/old"]);
    ok(["commit", "base", "withopt"]);
    ok(["run", "--name", "opq", "withopt", "sh", "-c", "rm -rf /opt && mkdir /opt && echo new > /opt/only && rm /bin/vi"]);
    const diff = ok(["diff", "opq"]);
    assert.equal(
      diff,
      "C /bin\nD /bin/vi\nC /opt\nD /opt/old\nA /opt/only\n",
      "the opaque /opt hides the image's /opt/old: a deletion, as Docker prints it",
    );
    ok(["commit", "-c", 'CMD ["ls", "/opt"]', "opq", "opqimg"]);
    assert.equal(ok(["run", "--rm", "opqimg"]), "only\n", "the image's old /opt is hidden by the opaque directory");
    assert.notEqual(root.t.berth(["run", "--rm", "opqimg", "ls", "/bin/vi"]).code, 0);
    const layers = JSON.parse(ok(["image", "inspect", "opqimg"]))[0].RootFS.Layers;
    assert.equal(layers.length, 3, "busybox, withopt's layer, and one more");
  });

  test("commit carries env, workdir, ports, volumes, entrypoint, cmd, user and labels, and inherits the rest", () => {
    ok([
      "run",
      "--name",
      "ctx",
      "-e",
      "A=1",
      "-w",
      "/tmp",
      "-u",
      "nobody",
      "-l",
      "k=v",
      "--expose",
      "8080",
      "-v",
      "/data",
      "--entrypoint",
      "/bin/echo",
      "busybox",
      "hi",
    ]);
    ok(["commit", "-c", "EXPOSE 9090", "ctx", "ctximg"]);
    const [img] = JSON.parse(ok(["image", "inspect", "ctximg"]));
    assert.ok(img.Config.Env.includes("A=1"));
    assert.ok(
      img.Config.Env.some((e: string) => e.startsWith("PATH=")),
      "PATH inherited from the image",
    );
    assert.equal(img.Config.WorkingDir, "/tmp");
    assert.equal(img.Config.User, "nobody");
    assert.deepEqual(img.Config.Labels, { k: "v" });
    assert.deepEqual(Object.keys(img.Config.ExposedPorts).sort(), ["8080/tcp", "9090/tcp"]);
    assert.deepEqual(img.Config.Volumes, { "/data": {} });
    assert.deepEqual(img.Config.Entrypoint, ["/bin/echo"]);
    assert.deepEqual(img.Config.Cmd, ["hi"]);
    assert.equal(ok(["run", "--rm", "ctximg"]), "hi\n");
    const history = ok(["history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}", "ctximg"]).trim().split("\n");
    assert.equal(history[0], `${img.Id}|hi`);
    assert.equal(history[1], `${JSON.parse(ok(["image", "inspect", "busybox"]))[0].Id}|`, "the parent image's ID along the Parent chain");
  });

  test("commit without a name makes a dangling image; a commit with no change adds no layer", () => {
    ok(["create", "--name", "untouched", "busybox", "true"]);
    const id = ok(["commit", "untouched"]).trim();
    assert.match(ok(["images", "--filter", "dangling=true", "--no-trunc", "-q"]), new RegExp(id));
    const [img] = JSON.parse(ok(["image", "inspect", id]));
    assert.equal(img.RootFS.Layers.length, 1, "empty commit: no new layer");
  });

  test("commit of a running container pauses it and leaves it running; it can be committed again", () => {
    ok(["run", "-d", "--name", "live", "busybox", "sh", "-c", "echo 1 > /state; sleep 60"]);
    spawnSync("sleep", ["0.5"]);
    ok(["commit", "live", "live:1"]);
    assert.match(ok(["ps", "--format", "{{.Names}} {{.State}}"]), /^live running$/m);
    ok(["exec", "live", "sh", "-c", "echo 2 > /state"]);
    ok(["commit", "--pause=false", "live", "live:2"]);
    assert.equal(ok(["run", "--rm", "live:1", "cat", "/state"]), "1\n");
    assert.equal(ok(["run", "--rm", "live:2", "cat", "/state"]), "2\n");
    ok(["rm", "-f", "live"]);
  });

  test("commit refuses an invalid name and a missing container, and the store stays whole", () => {
    const bad = root.t.berth(["commit", "untouched", "Bad:Name"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid reference format/);
    const missing = root.t.berth(["commit", "nosuch", "x:y"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "Error response from daemon: No such container: nosuch\n");
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });

  test("export | import gives a one-layer image that runs the same programs", () => {
    ok(["export", "-o", `${root.t.dir}/opq.tar`, "opq"]);
    const names = spawnSync("tar", ["-tf", `${root.t.dir}/opq.tar`])
      .stdout.toString()
      .split("\n");
    assert.ok(
      names.includes("opt/only") && !names.includes("opt/old") && !names.includes("bin/vi") && !names.some((n) => n.includes(".wh.")),
    );
    ok(["import", `${root.t.dir}/opq.tar`, "flat"]);
    assert.equal(ok(["run", "--rm", "flat", "cat", "/opt/only"]), "new\n");
    assert.deepEqual(mountsUnder(`${root.t.root}/containers`), [], "export unmounted the stopped container again");
  });

  test("image squash flattens to one layer and keeps config and history", () => {
    ok(["run", "--name", "sq1", "busybox", "sh", "-c", "echo 1 > /one; rm /bin/vi"]);
    ok(["commit", "-c", "ENV SQ=1", "sq1", "sq:1"]);
    ok(["run", "--name", "sq2", "sq:1", "sh", "-c", "echo 2 > /two; rm /one"]);
    ok(["commit", "-m", "second", "sq2", "sq:2"]);
    ok(["image", "squash", "sq:2", "sq:flat"]);
    const [img] = JSON.parse(ok(["image", "inspect", "sq:flat"]));
    assert.equal(img.RootFS.Layers.length, 1);
    assert.ok(img.Config.Env.includes("SQ=1"));
    assert.equal(ok(["run", "--rm", "sq:flat", "sh", "-c", "cat /two; ls /one /bin/vi 2>/dev/null; echo $SQ"]), "2\n1\n");
    const history = ok(["history", "--format", "{{.Comment}}|{{.Size}}", "sq:flat"]).trim().split("\n");
    assert.equal(history.length, 4);
    assert.match(history[0]!, /^squashed 3 layers into one\|1\.98MB$/);
    assert.equal(history[1], "second|0B");
  });

  test("cp copies both ways with docker's rules for slashes and /.", () => {
    fs.mkdirSync(`${root.t.dir}/src/sub`, { recursive: true });
    fs.writeFileSync(`${root.t.dir}/src/a.txt`, "a\n");
    fs.writeFileSync(`${root.t.dir}/src/sub/b.txt`, "b\n");
    ok(["create", "--name", "cpc", "busybox", "true"]);
    ok(["cp", `${root.t.dir}/src/a.txt`, "cpc:/tmp/"]);
    ok(["cp", `${root.t.dir}/src/a.txt`, "cpc:/renamed"]);
    ok(["cp", `${root.t.dir}/src`, "cpc:/newdir"]);
    ok(["cp", `${root.t.dir}/src/.`, "cpc:/tmp"]);
    const diff = ok(["diff", "cpc"]);
    for (const line of ["A /tmp/a.txt", "A /renamed", "A /newdir/sub/b.txt", "A /tmp/sub/b.txt"])
      assert.match(diff, new RegExp(`^${line}$`, "m"));
    const bad = root.t.berth(["cp", `${root.t.dir}/src/a.txt`, "cpc:/nodir/"]);
    assert.equal(bad.code, 1);
    fs.mkdirSync(`${root.t.dir}/out`);
    ok(["cp", "cpc:/newdir", `${root.t.dir}/out`]);
    assert.equal(fs.readFileSync(`${root.t.dir}/out/newdir/sub/b.txt`, "utf8"), "b\n");
    ok(["cp", "cpc:/renamed", `${root.t.dir}/out/copy.txt`]);
    assert.equal(fs.readFileSync(`${root.t.dir}/out/copy.txt`, "utf8"), "a\n");
    const streamed = root.t.berth(["cp", "cpc:/tmp/a.txt", "-"]);
    assert.equal(streamed.code, 0);
    assert.match(streamed.stdout, /^a\.txt/);
    const missing = root.t.berth(["cp", "cpc:/nonexist", `${root.t.dir}/x`]);
    assert.equal(missing.stderr, "Error response from daemon: Could not find the file /nonexist in container cpc\n");
  });

  test("cp never leaves the container through its symlinks (CVE-2018-15664, CVE-2019-14271)", () => {
    ok(["run", "--name", "evil", "busybox", "sh", "-c", "ln -s /etc /escape; ln -s / /root-link; ln -s ../../../../../etc/passwd /rel"]);
    fs.writeFileSync(`${root.t.dir}/payload`, "pwned\n");
    const hostPasswd = fs.readFileSync("/etc/passwd", "utf8");
    ok(["cp", `${root.t.dir}/payload`, "evil:/escape/"]);
    assert.equal(fs.readFileSync("/etc/passwd", "utf8"), hostPasswd);
    assert.equal(fs.existsSync("/etc/payload"), false, "written into the container's /etc, not the host's");
    assert.match(ok(["diff", "evil"]), /^A \/etc\/payload$/m);
    ok(["cp", "-L", "evil:/rel", `${root.t.dir}/got-passwd`]);
    assert.match(fs.readFileSync(`${root.t.dir}/got-passwd`, "utf8"), /^root:x:0:0:root:\/root:\/bin\/sh\n/, "the container's passwd");
    assert.notEqual(fs.readFileSync(`${root.t.dir}/got-passwd`, "utf8"), hostPasswd);
    ok(["cp", "evil:/root-link/etc/group", `${root.t.dir}/got-group`]);
    assert.equal(fs.readFileSync(`${root.t.dir}/got-group`, "utf8"), "root:x:0:\nnogroup:x:65534:\n");
  });
});
