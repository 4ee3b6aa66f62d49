// Containers end to end through the real CLI: real overlayfs, conmon and runc, as root. Expected
// words and exit codes are Docker's (../shared/DOCKER-API.md §7).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot, mountsUnder, processesUsing, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { buildTar } from "../helpers/tar-builder.js";
import { withTty } from "../helpers/tty.js";

/** A container's script waits here until the test writes `open` into gateDir(): an end it decides. */
const AWAIT_GATE = "until [ -e /gate/open ]; do sleep 0.05; done";

function gateDir(t: TempRoot, name: string): string {
  const dir = `${t.dir}/gate-${name}`;
  fs.mkdirSync(dir);
  return dir;
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `berth events` for containers from now on, followed live by one process. */
function followContainerEvents(t: TempRoot): { count(id: string, action: string): number; stop(): void } {
  const since = String(Date.now() / 1000);
  const follower = t.spawnBerth(["events", "--since", since, "--filter", "type=container", "--format", "{{.Actor.ID}} {{.Action}}"]);
  let seen = "";
  follower.stdout!.on("data", (c: Buffer) => (seen += c.toString()));
  return {
    count: (id, action) => seen.split("\n").filter((line) => line === `${id} ${action}`).length,
    stop: () => follower.kill("SIGINT"),
  };
}

const skip = isRoot() ? false : "containers need root: mounts, namespaces, cgroups";

function ok(t: TempRoot, args: string[], input?: string): string {
  const r = t.berth(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe("containers", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot();
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(() => t.cleanup());

  test("run returns the container's exit code and its output on the right streams", () => {
    const r = t.berth(["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
  });

  test("run exits 127 for a missing command and 126 for one that cannot run, with the runtime's words", () => {
    const missing = t.berth(["run", "--rm", "busybox", "nosuchcmd"]);
    assert.equal(missing.code, 127);
    assert.match(
      missing.stderr,
      /^berth: Error response from daemon: .*exec: "nosuchcmd": executable file not found in \$PATH: unknown\n\nRun 'berth run --help' for more information\n$/,
    );
    const notExec = t.berth(["run", "--rm", "busybox", "/etc"]);
    assert.equal(notExec.code, 126);
    assert.match(notExec.stderr, /"\/etc": permission denied/);
  });

  test("run exits 125 for a missing image and a name in use", () => {
    // A missing image is pulled; from a registry nobody serves (port 1 on loopback) that fails.
    const missing = t.berth(["run", "--rm", "127.0.0.1:1/nosuchimage"]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^Unable to find image '127\.0\.0\.1:1\/nosuchimage:latest' locally\n/);
    assert.match(
      missing.stderr,
      /Error response from daemon: Get "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
    );
    const never = t.berth(["run", "--rm", "--pull", "never", "nosuchimage"]);
    assert.equal(never.code, 125);
    assert.doesNotMatch(never.stderr, /Unable to find image/);
    assert.match(never.stderr, /No such image: nosuchimage:latest/);
    ok(t, ["create", "--name", "taken", "busybox", "true"]);
    const taken = t.berth(["run", "--name", "taken", "busybox", "true"]);
    assert.equal(taken.code, 125);
    assert.match(
      taken.stderr,
      /Conflict\. The container name "\/taken" is already in use by container "[a-f0-9]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./,
    );
    const bad = t.berth(["run", "--name", "bad/name", "busybox", "true"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /Invalid container name \(bad\/name\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
    ok(t, ["rm", "taken"]);
  });

  test("ENTRYPOINT, CMD and arguments compose as Docker's rules say", () => {
    assert.equal(ok(t, ["run", "--rm", "busybox", "echo", "a", "b"]), "a b\n");
    assert.equal(ok(t, ["run", "--rm", "--entrypoint", "echo", "busybox", "x"]), "x\n");
    assert.equal(ok(t, ["run", "--rm", "--entrypoint", "echo", "busybox"]), "\n", "--entrypoint clears the image's CMD");
    assert.equal(ok(t, ["run", "--rm", "--entrypoint", "", "busybox", "echo", "y"]), "y\n");
    const none = t.berth(["run", "--rm", "--entrypoint", "", "busybox"]);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /No command specified/);
    ok(t, ["import", "-c", 'ENTRYPOINT ["/bin/echo", "ep"]', "-c", 'CMD ["default"]', busyboxRootfsTar(), "epimg"]);
    assert.equal(ok(t, ["run", "--rm", "epimg"]), "ep default\n");
    assert.equal(ok(t, ["run", "--rm", "epimg", "given"]), "ep given\n");
  });

  test("env, workdir, user and hostname reach the process", () => {
    fs.writeFileSync(`${t.dir}/env.list`, "# comment\nFROM_FILE=1\nHOST_VAR\n");
    const out = ok(t, [
      "run",
      "--rm",
      "-e",
      "A=1",
      "-e",
      "PATH=/bin",
      "--env-file",
      `${t.dir}/env.list`,
      "-w",
      "/tmp",
      "-u",
      "nobody",
      "-h",
      "box",
      "busybox",
      "sh",
      "-c",
      "echo $A $PATH $FROM_FILE $HOST_VAR; pwd; id -u; hostname; echo $HOSTNAME",
    ]);
    assert.equal(out, "1 /bin 1\n/tmp\n65534\nbox\nbox\n");
    const byId = ok(t, ["run", "--rm", "-u", "1234:5678", "busybox", "id"]);
    assert.match(byId, /^uid=1234 gid=5678/);
    const noUser = t.berth(["run", "--rm", "-u", "nosuchuser", "busybox", "true"]);
    assert.notEqual(noUser.code, 0);
    assert.match(noUser.stderr, /unable to find user nosuchuser: no matching entries in passwd file/);
  });

  test("run -it gives a real terminal: size, input, and the exit code", () => {
    const r = withTty(
      t,
      ["run", "-it", "--rm", "busybox", "sh"],
      [
        { after: 1.5, text: "stty size; echo tty-$((6*7))\r" },
        { after: 0.7, text: "exit 5\r" },
      ],
    );
    assert.match(r.output, /30 100/);
    assert.match(r.output, /tty-42/);
    assert.equal(r.code, 5);
  });

  test("Ctrl-P Ctrl-Q detaches; attach comes back; logs show a detached container's output", () => {
    withTty(
      t,
      ["run", "-it", "--name", "det", "busybox", "sh"],
      [
        { after: 1.5, text: "echo before-detach\r" },
        { after: 0.5, text: "\u0010\u0011" },
        { after: 0.5, text: "" },
      ],
    );
    assert.match(ok(t, ["ps", "--format", "{{.Names}} {{.State}}"]), /^det running$/m);
    const back = withTty(
      t,
      ["attach", "det"],
      [
        { after: 1, text: "echo again\r" },
        { after: 0.5, text: "exit 7\r" },
      ],
    );
    assert.match(back.output, /again/);
    assert.equal(back.code, 7);
    assert.match(ok(t, ["logs", "det"]), /before-detach/);
    ok(t, ["rm", "det"]);
  });

  test("a detached container keeps running after berth exits, and its exit is recorded without berth", async () => {
    // It runs until the test opens its gate: `ps` (a whole Node process on a loaded CI machine) sees
    // it running, and no fixed sleep is longer than needed.
    const gate = gateDir(t, "bg");
    const id = ok(t, [
      "run",
      "-d",
      "--name",
      "bg",
      "-v",
      `${gate}:/gate`,
      "busybox",
      "sh",
      "-c",
      `echo started; ${AWAIT_GATE}; echo done; exit 9`,
    ]).trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    assert.match(ok(t, ["ps", "-q", "--no-trunc"]), new RegExp(id));
    fs.writeFileSync(`${gate}/open`, "");
    await waitFor(() => ok(t, ["inspect", "-f", "{{.State.Running}}", "bg"]) === "false\n", 30_000);
    assert.equal(ok(t, ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "bg"]), "exited 9 false\n");
    assert.notEqual(ok(t, ["inspect", "-f", "{{.State.FinishedAt}}", "bg"]).trim(), "0001-01-01T00:00:00Z");
    assert.equal(ok(t, ["logs", "bg"]), "started\ndone\n");
    assert.equal(ok(t, ["logs", "--tail", "1", "bg"]), "done\n");
    assert.match(ok(t, ["logs", "-t", "bg"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z started\n/);
    assert.equal(ok(t, ["wait", "bg"]), "9\n");
    ok(t, ["rm", "bg"]);
  });

  test("a foreground run settles its own exit: conmon's exit command starts no second berth, and leaves nothing", () => {
    const follow = `${t.runroot}/follow`;
    // Earlier tests' detached runs may still hold theirs.
    const before = new Set(fs.existsSync(follow) ? fs.readdirSync(follow) : []);
    const mine = () => fs.readdirSync(follow).filter((name) => !before.has(name));
    ok(t, ["run", "--name", "fg", "busybox", "true"]);
    assert.equal(ok(t, ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "fg"]), "exited 0\n");
    ok(t, ["rm", "fg"]);
    ok(t, ["run", "--rm", "--name", "fg-rm", "busybox", "true"]);
    assert.equal(ok(t, ["ps", "-aq", "--filter", "name=^fg-rm$"]), "");
    // The gate removes the follower's file once it has read it, a moment after the run returned.
    for (const end = Date.now() + 10_000; mine().length && Date.now() < end;) spawnSync("sleep", ["0.05"]);
    assert.deepEqual(mine(), []);
  });

  for (const rm of [false, true]) {
    test(`a foreground run${rm ? " --rm" : ""} killed (SIGKILL) mid-run still gets its exit ${rm ? "and its removal" : "recorded"}`, async () => {
      const name = rm ? "killed-rm" : "killed";
      const gate = gateDir(t, name);
      const cli = t.spawnBerth([
        "run",
        ...(rm ? ["--rm"] : []),
        "--name",
        name,
        "-v",
        `${gate}:/gate`,
        "busybox",
        "sh",
        "-c",
        `echo up; ${AWAIT_GATE}; exit 7`,
      ]);
      await new Promise((resolve) => cli.stdout!.once("data", resolve));
      cli.kill("SIGKILL");
      await new Promise((resolve) => cli.once("exit", resolve));
      // The container ends only now, after its berth is gone.
      fs.writeFileSync(`${gate}/open`, "");
      if (rm) {
        await waitFor(() => ok(t, ["ps", "-aq", "--filter", `name=${name}`]) === "", 30_000);
      } else {
        await waitFor(() => ok(t, ["inspect", "-f", "{{.State.Status}}", name]) === "exited\n", 30_000);
        assert.equal(ok(t, ["inspect", "-f", "{{.State.ExitCode}} {{.State.Running}}", name]), "7 false\n");
        ok(t, ["rm", name]);
      }
      assert.deepEqual(mountsUnder(t.root), [], "the rootfs is unmounted");
    });
  }

  test("exec runs in a running container with its exit code, env, user and workdir", () => {
    ok(t, ["run", "-d", "--name", "ex", "-e", "BASE=1", "busybox", "sleep", "60"]);
    const r = t.berth([
      "exec",
      "-e",
      "EXTRA=2",
      "-u",
      "nobody",
      "-w",
      "/tmp",
      "ex",
      "sh",
      "-c",
      "echo $BASE $EXTRA $(id -u) $(pwd); exit 4",
    ]);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, "1 2 65534 /tmp\n");
    assert.equal(ok(t, ["exec", "-i", "ex", "cat"], "piped\n"), "piped\n");
    const missing = t.berth(["exec", "ex", "nosuchcmd"]);
    assert.equal(missing.code, 127);
    const top = ok(t, ["top", "ex"]);
    assert.match(top, /sleep 60/);
    ok(t, ["pause", "ex"]);
    assert.match(ok(t, ["ps", "--format", "{{.Names}} {{.Status}}"]), /^ex Up .* \(Paused\)$/m);
    ok(t, ["unpause", "ex"]);
    ok(t, ["rename", "ex", "ex2"]);
    assert.equal(ok(t, ["kill", "ex2"]), "ex2\n");
    assert.equal(ok(t, ["wait", "ex2"]), "137\n");
    const stopped = t.berth(["exec", "ex2", "true"]);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /Container [a-f0-9]{64} is not running/);
    ok(t, ["rm", "ex2"]);
  });

  test("stop sends the stop signal, then kills; rm refuses a running container unless forced", () => {
    ok(t, ["run", "-d", "--name", "st", "busybox", "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"]);
    const running = t.berth(["rm", "st"]);
    assert.equal(running.code, 1);
    assert.match(
      running.stderr,
      /You cannot remove a running container [a-f0-9]{64}\. Stop the container before attempting removal or force remove/,
    );
    assert.equal(ok(t, ["stop", "st"]), "st\n");
    assert.equal(ok(t, ["inspect", "-f", "{{.State.ExitCode}}", "st"]), "42\n");
    ok(t, ["start", "st"]);
    assert.match(ok(t, ["ps", "--format", "{{.Names}}"]), /^st$/m);
    ok(t, ["restart", "-t", "1", "st"]);
    ok(t, ["rm", "-f", "st"]);
    assert.equal(t.berth(["inspect", "st"]).code, 1);
  });

  test("volumes: named ones outlive containers, anonymous ones start with the image's content and go with rm -v", async () => {
    ok(t, ["run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f"]);
    assert.equal(ok(t, ["run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/f"]), "kept\n");
    const ro = t.berth(["run", "--rm", "-v", "data:/data:ro", "busybox", "touch", "/data/g"]);
    assert.notEqual(ro.code, 0);
    ok(t, ["import", ...BUSYBOX_CHANGES, "-c", "VOLUME /etc", busyboxRootfsTar(), "volimg"]);
    ok(t, ["create", "--name", "anon", "volimg", "true"]);
    const [mount] = JSON.parse(ok(t, ["inspect", "anon"]))[0].Mounts;
    assert.equal(mount.Type, "volume");
    assert.equal(mount.Destination, "/etc");
    ok(t, ["start", "anon"]);
    ok(t, ["wait", "anon"]);
    assert.match(fs.readFileSync(`${mount.Source}/passwd`, "utf8"), /^root:/, "copied from the image on first mount");
    assert.match(ok(t, ["volume", "ls", "-q"]), new RegExp(mount.Name));
    ok(t, ["rm", "-v", "anon"]);
    assert.doesNotMatch(ok(t, ["volume", "ls", "-q"]), new RegExp(mount.Name));
    assert.match(ok(t, ["volume", "ls", "-q"]), /^data$/m);
    fs.mkdirSync(`${t.dir}/bind`);
    fs.writeFileSync(`${t.dir}/bind/host.txt`, "host\n");
    assert.equal(
      ok(t, ["run", "--rm", "--mount", `type=bind,source=${t.dir}/bind,target=/b,readonly`, "busybox", "cat", "/b/host.txt"]),
      "host\n",
    );
    const inUse = t.berth(["volume", "rm", "data"]);
    assert.equal(inUse.code, 0, "no container uses it any more");
  });

  test("security and resource flags reach the runtime", () => {
    const caps = ok(t, ["run", "--rm", "busybox", "grep", "CapEff", "/proc/self/status"]);
    assert.match(caps, /CapEff:\s+00000000a80425fb/, "Docker's 14 default capabilities");
    const dropped = ok(t, ["run", "--rm", "--cap-drop", "ALL", "busybox", "grep", "CapEff", "/proc/self/status"]);
    assert.match(dropped, /CapEff:\s+0000000000000000/);
    const readOnly = t.berth([
      "run",
      "--rm",
      "--read-only",
      "--tmpfs",
      "/scratch",
      "busybox",
      "sh",
      "-c",
      "touch /scratch/ok && touch /nope",
    ]);
    assert.notEqual(readOnly.code, 0);
    assert.match(readOnly.stderr, /Read-only file system/);
    assert.equal(ok(t, ["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net"]), "lo\n");
    assert.match(ok(t, ["run", "--rm", "--init", "busybox", "ps", "-o", "pid,comm"]), /^\s*1 docker-init$/m, "tini at Docker's path");
    assert.match(ok(t, ["run", "--rm", "--memory", "64m", "busybox", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]), /^67108864$/m);
    assert.match(ok(t, ["run", "--rm", "--ulimit", "nofile=256:512", "busybox", "sh", "-c", "ulimit -n"]), /^256$/m);
    const masked = ok(t, ["run", "--rm", "busybox", "sh", "-c", "cat /proc/kcore 2>&1 | head -c 0; ls /dev"]);
    assert.doesNotMatch(masked, /\bsda\b|\bvda\b/, "no host device is visible");
  });

  test("/etc/hosts, /etc/hostname and /etc/resolv.conf are the container's own and diff-free", () => {
    const out = ok(t, [
      "run",
      "--rm",
      "-h",
      "myhost",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      "cat /etc/hostname; grep -c localhost /etc/hosts",
    ]);
    assert.equal(out.split("\n")[0], "myhost");
  });

  test("a container's cleanup waits for an export that is reading its rootfs", async () => {
    // The race CI once lost: `run` returns, conmon's exit command unmounts the rootfs while the
    // next command exports it. A stalled reader must keep the tree mounted until it is done.
    const id = ok(t, ["create", "busybox", "true"]).trim();
    const merged = `${t.root}/containers/${id}/merged`;
    const exporter = t.spawnBerth(["export", id]);
    const chunks: Buffer[] = [];
    // Read nothing yet: once the pipe is full, export stalls in the middle of the tree.
    exporter.stdout!.pause();
    await waitFor(() => mountsUnder(t.root).includes(merged));
    await new Promise((r) => setTimeout(r, 300));
    const cleanup = t.spawnBerth(["container", "cleanup", id]);
    const cleanupDone = new Promise<number | null>((r) => cleanup.on("exit", (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(cleanup.exitCode, null, "cleanup must wait for the export");
    assert.ok(mountsUnder(t.root).includes(merged), "the rootfs stays mounted while export reads it");
    exporter.stdout!.on("data", (c: Buffer) => chunks.push(c));
    exporter.stdout!.resume();
    const exportCode = await new Promise<number | null>((r) => exporter.on("exit", (code) => r(code)));
    assert.equal(exportCode, 0);
    assert.equal(await cleanupDone, 0);
    const listing = spawnSync("tar", ["-t"], { input: Buffer.concat(chunks) });
    assert.equal(listing.status, 0, listing.stderr.toString());
    assert.ok(listing.stdout.toString().split("\n").includes("bin/busybox"));
    assert.ok(!mountsUnder(t.root).includes(merged), "the last user unmounts");
    ok(t, ["rm", id]);
  });

  test("--pid, --ipc and --uts: the host's namespaces, or another container's", () => {
    const procs = (args: string[]) => Number(ok(t, ["run", "--rm", ...args, "busybox", "sh", "-c", "ls /proc | grep -c '^[0-9]'"]).trim());
    assert.ok(procs(["--pid", "host"]) > procs([]) + 5, "the host's processes are visible with --pid host");
    assert.equal(ok(t, ["run", "--rm", "--uts", "host", "busybox", "hostname"]).trim(), spawnSync("hostname").stdout.toString().trim());
    const target = ok(t, ["run", "-d", "--name", "ns-target", "busybox", "sleep", "300"]).trim();
    assert.match(ok(t, ["run", "--rm", "--pid", "container:ns-target", "busybox", "ps"]), /^ +1 root +sleep 300$/m);
    const marker = `/dev/shm/berth-test-${process.pid}`;
    fs.writeFileSync(marker, "shared\n");
    try {
      assert.equal(ok(t, ["run", "--rm", "--ipc", "host", "busybox", "cat", marker]), "shared\n");
      assert.notEqual(t.berth(["run", "--rm", "busybox", "cat", marker]).code, 0, "a private /dev/shm by default");
    } finally {
      fs.rmSync(marker);
    }
    assert.equal(
      ok(t, ["inspect", "-f", "{{.HostConfig.PidMode}}|{{.HostConfig.IpcMode}}|{{.HostConfig.UTSMode}}", target]).trim(),
      "|private|",
    );
    ok(t, ["rm", "-f", target]);
    const stopped = ok(t, ["create", "--name", "ns-stopped", "busybox", "true"]).trim();
    const join = t.berth(["run", "--rm", "--pid", "container:ns-stopped", "busybox", "true"]);
    assert.equal(join.code, 125);
    assert.match(join.stderr, /cannot join PID of a non running container/);
    ok(t, ["rm", stopped]);
    assert.match(t.berth(["run", "--pid", "bogus", "busybox", "true"]).stderr, /--pid: invalid PID mode/);
    assert.match(t.berth(["run", "--uts", "host", "-h", "x", "busybox", "true"]).stderr, /Conflicting options: hostname and the UTS mode/);
  });

  test("events: the log of what happened, filtered, and followed live from another process", async () => {
    const since = String(Date.now() / 1000);
    assert.equal(t.berth(["run", "--name", "ev1", "-l", "team=blue", "busybox", "sh", "-c", "exit 4"]).code, 4);
    ok(t, ["rm", "ev1"]);
    ok(t, ["tag", "busybox", "ev-tag"]);
    ok(t, ["rmi", "ev-tag"]);
    const until = String(Date.now() / 1000);
    const past = ok(t, ["events", "--since", since, "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"]);
    assert.equal(
      past,
      "container create ev1\ncontainer start ev1\ncontainer die ev1\ncontainer destroy ev1\nimage tag ev-tag:latest\nimage untag ev-tag:latest\n",
    );
    const filtered = ok(t, ["events", "--since", since, "--until", until, "--filter", "event=die", "--filter", "label=team=blue"]);
    assert.match(
      filtered,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container die [0-9a-f]{64} \(exitCode=4, image=busybox, name=ev1, team=blue\)\n$/,
    );
    const bad = t.berth(["events", "--until", "0s", "--filter", "colour=red"]);
    assert.match(bad.stderr, /Invalid filter 'colour'/);

    // Followed: a second berth process's run shows up as it happens.
    const follower = t.spawnBerth(["events", "--filter", "type=container", "--format", "{{.Action}}"]);
    let seen = "";
    follower.stdout!.on("data", (c: Buffer) => (seen += c.toString()));
    await new Promise((r) => setTimeout(r, 800));
    ok(t, ["run", "--rm", "busybox", "true"]);
    await waitFor(() => seen.includes("destroy"), 10_000);
    follower.kill("SIGINT");
    assert.equal(seen, "create\nstart\ndie\ndestroy\n");
  });

  test("stats reads the container's cgroups: its memory limit, its processes, a busy CPU", () => {
    const busy = ok(t, ["run", "-d", "--name", "stats-busy", "--memory", "64m", "busybox", "sh", "-c", "while true; do :; done"]).trim();
    const line = ok(t, [
      "stats",
      "--no-stream",
      "--format",
      "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.PIDs}}",
      "stats-busy",
    ]).trim();
    const [name, cpu, mem, , pids] = line.split("|");
    assert.equal(name, "stats-busy");
    assert.ok(Number(cpu!.replace("%", "")) > 30, `a busy loop uses a CPU: ${line}`);
    assert.match(mem!, /^[\d.]+(B|KiB|MiB) \/ 64MiB$/);
    assert.equal(pids, "1");
    const table = ok(t, ["stats", "--no-stream"]);
    assert.match(table, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n/);
    assert.match(table, new RegExp(`^${busy.slice(0, 12)} +stats-busy `, "m"));
    ok(t, ["rm", "-f", busy]);
    const missing = t.berth(["stats", "--no-stream", "no-such-container"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: no-such-container/);
  });

  test("restart policies: on-failure counts its retries, always restarts until a user stops it, --rm conflicts", async () => {
    // One events follower watches the restarts: an inspect per poll would cost a Node start each.
    // An exit is stored with its restart decision and its die event in one write (recordExit).
    const events = followContainerEvents(t);
    const id = ok(t, ["run", "-d", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3"]).trim();
    const state = () => ok(t, ["inspect", "-f", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", id]).trim();
    await waitFor(() => events.count(id, "die") >= 3, 20_000);
    assert.equal(state(), "2 exited 3");
    // A third restart would come 400 ms after the exit (100 ms, doubling): wait longer than that.
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(state(), "2 exited 3", "no third restart");
    assert.equal(ok(t, ["logs", id]), "run\nrun\nrun\n", "the first run and two restarts");
    assert.equal(ok(t, ["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", id]).trim(), '{"Name":"on-failure","MaximumRetryCount":2}');
    // A clean exit is not a failure.
    const clean = ok(t, ["run", "-d", "--restart", "on-failure", "busybox", "true"]).trim();
    // The exit is recorded with its decision: a restart would read "restarting" (then running) and count 1.
    await waitFor(() => events.count(clean, "die") >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ok(t, ["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", clean]).trim(), "0 exited");

    const always = ok(t, ["run", "-d", "--restart", "always", "busybox", "sh", "-c", "sleep 0.3"]).trim();
    const count = () => Number(ok(t, ["inspect", "-f", "{{.RestartCount}}", always]).trim());
    // Each die before the stop is a restart counted.
    await waitFor(() => events.count(always, "die") >= 2, 20_000);
    assert.ok(count() >= 2);
    ok(t, ["stop", always]);
    const stoppedAt = count();
    // Longer than the back-off a next restart would have waited (100 ms, doubling per restart).
    await new Promise((r) => setTimeout(r, 100 * 2 ** stoppedAt + 400));
    assert.equal(count(), stoppedAt, "a stopped container stays stopped");
    assert.match(ok(t, ["inspect", "-f", "{{.State.Status}}", always]), /^exited/);
    // A start by a user resets the count (and at most one restart fits before the next stop).
    ok(t, ["start", always]);
    ok(t, ["stop", "-t", "0", always]);
    assert.ok(count() < stoppedAt, `count ${count()} after a user's start, ${stoppedAt} before`);
    ok(t, ["rm", "-f", always, id, clean]);
    events.stop();

    const conflict = t.berth(["run", "--rm", "--restart", "always", "busybox", "true"]);
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /Conflicting options: --restart and --rm/);
    const bogus = t.berth(["run", "--restart", "sometimes", "busybox", "true"]);
    assert.equal(bogus.code, 125);
    assert.match(bogus.stderr, /invalid restart policy 'sometimes'/);
    const counted = t.berth(["run", "--restart", "always:3", "busybox", "true"]);
    assert.match(counted.stderr, /maximum retry count can only be used with 'on-failure'/);
  });

  test("containers removed leave no mounts or processes, and system check is clean", () => {
    for (const name of ok(t, ["ps", "-a", "-q"]).trim().split("\n").filter(Boolean)) {
      const r = t.berth(["rm", "-f", name]);
      // A --rm container may finish removing itself meanwhile.
      assert.ok(r.code === 0 || /No such container/.test(r.stderr), r.stderr);
    }
    assert.deepEqual(mountsUnder(t.root), []);
    assert.deepEqual(
      processesUsing(t.dir).filter((pid) => !String(fs.readFileSync(`/proc/${pid}/cmdline`)).includes("node")),
      [],
    );
    assert.equal(ok(t, ["system", "check"]), "No problems found\n");
  });
});

describe("faults", { skip }, () => {
  test("kill -9 of conmon: the container reads as exited, and rm cleans up", () => {
    const t = createTempRoot();
    try {
      ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
      ok(t, ["run", "-d", "--name", "victim", "busybox", "sleep", "60"]);
      for (const pid of processesUsing(t.dir)) {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("/usr/bin/conmon")) process.kill(pid, "SIGKILL");
      }
      spawnSync("runc", ["--root", `${t.runroot}/runc`, "kill", JSON.parse(ok(t, ["inspect", "victim"]))[0].Id, "KILL"]);
      spawnSync("sleep", ["0.5"]);
      assert.match(ok(t, ["ps", "-a", "--format", "{{.Names}} {{.State}}"]), /^victim exited$/m);
      ok(t, ["rm", "victim"]);
      assert.deepEqual(mountsUnder(t.root), []);
      assert.equal(ok(t, ["system", "check"]), "No problems found\n");
    } finally {
      t.cleanup();
    }
  });

  test("a 300-layer image runs (Docker stops at 125)", async () => {
    const t = createTempRoot();
    try {
      ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
      const archive = await manyLayerArchive(t, 300);
      assert.match(ok(t, ["load", "-i", archive]), /Loaded image: deep:latest/);
      assert.equal(JSON.parse(ok(t, ["image", "inspect", "deep"]))[0].RootFS.Layers.length, 300);
      assert.equal(ok(t, ["run", "--rm", "deep", "/bin/busybox", "cat", "/layers/f1", "/layers/f300"]), "1\n300\n");
      assert.deepEqual(mountsUnder(t.root), []);
    } finally {
      t.cleanup();
    }
  });
});

/** A docker-save archive: busybox as the first layer, then N-1 layers of one file each. */
async function manyLayerArchive(t: TempRoot, n: number): Promise<string> {
  const { createHash } = await import("node:crypto");
  const dir = `${t.dir}/deep`;
  fs.mkdirSync(dir, { recursive: true });
  const layers: string[] = [];
  const diffIds: string[] = [];
  const add = (name: string, data: Buffer) => {
    fs.writeFileSync(`${dir}/${name}`, data);
    layers.push(name);
    diffIds.push(`sha256:${createHash("sha256").update(data).digest("hex")}`);
  };
  add("base.tar", fs.readFileSync(busyboxRootfsTar()));
  for (let i = 1; i <= n - 1; i++)
    add(
      `l${i}.tar`,
      await buildTar([
        { type: "directory", name: "layers/" },
        { type: "file", name: `layers/f${i + 1 === n ? n : i}`, body: `${i + 1 === n ? n : i}\n` },
      ]),
    );
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    created: "2026-01-01T00:00:00Z",
    config: { Env: ["PATH=/bin"], Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: diffIds.map(() => ({ created: "2026-01-01T00:00:00Z", created_by: "test layer" })),
  });
  fs.writeFileSync(`${dir}/config.json`, config);
  fs.writeFileSync(`${dir}/manifest.json`, JSON.stringify([{ Config: "config.json", RepoTags: ["deep:latest"], Layers: layers }]));
  const archive = `${t.dir}/deep.tar`;
  const r = spawnSync("tar", ["-C", dir, "-cf", archive, "."]);
  assert.equal(r.status, 0);
  return archive;
}
