// The run flags and list options the main container tests do not reach, and the faults of
// building from containers: a full disk under export, a commit racing a removal.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";

const skip = isRoot() ? false : "needs root";

describe("more run flags, list options and faults", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  test("--device, --security-opt, --cpus, --pids-limit and --stop-signal reach the container", () => {
    assert.equal(
      ok(["run", "--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "echo x > /dev/mynull && echo wrote"]),
      "wrote\n",
    );
    assert.match(
      ok(["run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status"]),
      /NoNewPrivs:\s+1/,
    );
    assert.match(
      ok(["run", "--rm", "busybox", "grep", "Seccomp:", "/proc/self/status"]),
      /Seccomp:\s+2/,
      "the default seccomp profile is on",
    );
    assert.match(
      ok(["run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "Seccomp:", "/proc/self/status"]),
      /Seccomp:\s+0/,
    );
    assert.match(ok(["run", "--rm", "--cpus", "0.5", "busybox", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"]), /^50000$/m);
    assert.match(ok(["run", "--rm", "--pids-limit", "32", "busybox", "cat", "/sys/fs/cgroup/pids/pids.max"]), /^32$/m);
    ok([
      "run",
      "-d",
      "--name",
      "sig",
      "--stop-signal",
      "USR1",
      "--stop-timeout",
      "5",
      "busybox",
      "sh",
      "-c",
      "trap 'exit 11' USR1; while true; do sleep 0.1; done",
    ]);
    spawnSync("sleep", ["0.3"]);
    ok(["stop", "sig"]);
    assert.equal(ok(["inspect", "-f", "{{.State.ExitCode}} {{.Config.StopSignal}} {{.Config.StopTimeout}}", "sig"]), "11 USR1 5\n");
  });

  test("-a picks the streams a foreground run attaches", () => {
    const r = root.t.berth(["run", "--rm", "-a", "stderr", "busybox", "sh", "-c", "echo out; echo err >&2"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "err\n");
  });

  test("logs --since, --until and -f", async () => {
    ok(["run", "-d", "--name", "lg", "busybox", "sh", "-c", "echo one; sleep 1.2; echo two; sleep 1.2; echo three"]);
    const follow = root.t.spawnBerth(["logs", "-f", "lg"]);
    let followed = "";
    follow.stdout!.on("data", (d: Buffer) => (followed += d));
    await once(follow, "exit");
    assert.equal(followed, "one\ntwo\nthree\n", "-f ends when the container does");
    const stamps = ok(["logs", "-t", "lg"])
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[0]!);
    assert.equal(ok(["logs", "--since", stamps[1]!, "lg"]), "two\nthree\n");
    assert.equal(ok(["logs", "--until", stamps[1]!, "lg"]), "one\ntwo\n");
    assert.equal(ok(["logs", "--since", "1h", "--tail", "2", "lg"]), "two\nthree\n");
  });

  test("ps -n, -l, -s, -f and container prune", () => {
    ok(["create", "--name", "p1", "-l", "team=a", "busybox", "true"]);
    ok(["create", "--name", "p2", "busybox", "true"]);
    assert.equal(ok(["ps", "-l", "--format", "{{.Names}}"]), "p2\n");
    assert.equal(ok(["ps", "-n", "2", "--format", "{{.Names}}"]), "p2\np1\n");
    assert.equal(ok(["ps", "-a", "--filter", "label=team=a", "--format", "{{.Names}}"]), "p1\n");
    assert.equal(
      ok(["ps", "-a", "--filter", "status=created", "--filter", "name=p", "--format", "{{.Names}}"])
        .split("\n")
        .filter(Boolean)
        .sort()
        .join(","),
      "p1,p2",
    );
    assert.match(ok(["ps", "-a", "-s", "--filter", "name=p1"]), /SIZE\n.*\(virtual 1\.98MB\)\n$/);
    ok(["run", "--name", "p3", "busybox", "sh", "-c", "echo 12345 > /five"]);
    const df = ok(["system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}"]);
    assert.match(df, /^Containers\|(\d+)\|0\|6B\|6B \(100%\)$/m, "stopped containers: their writable layers are reclaimable");
    assert.match(ok(["system", "df", "-v"]), /^[a-f0-9]{12} +busybox +"sh -c 'echo 12345 >…" +0 +6B +.* +p3$/m);
    const pruned = ok(["container", "prune", "-f"]);
    assert.match(pruned, /^Deleted Containers:\n([a-f0-9]{64}\n)+\nTotal reclaimed space: 6B\n$/, "what the writable layers held");
    assert.equal(ok(["ps", "-a", "-q"]), "");
  });

  test("volume inspect and prune keep named volumes unless -a", () => {
    ok(["volume", "create", "--label", "x=y", "named"]);
    ok(["run", "--rm", "-v", "/anon", "busybox", "true"]);
    const [named] = JSON.parse(ok(["volume", "inspect", "named"]));
    assert.deepEqual(named.Labels, { x: "y" });
    assert.equal(named.Scope, "local");
    const pruned = ok(["volume", "prune", "-f"]);
    assert.doesNotMatch(pruned, /^named$/m);
    assert.match(ok(["volume", "ls", "-q"]), /^named$/m);
    ok(["volume", "prune", "-a", "-f"]);
    assert.equal(ok(["volume", "ls", "-q"]), "");
  });

  test("export to a full disk fails clearly and leaves no half archive", () => {
    ok(["run", "--name", "big", "busybox", "sh", "-c", "head -c 3000000 /dev/zero > /big"]);
    const disk = `${root.t.dir}/small-disk`;
    fs.mkdirSync(disk);
    assert.equal(spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk]).status, 0);
    try {
      const r = root.t.berth(["export", "-o", `${disk}/out.tar`, "big"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /ENOSPC|no space left on device/i);
      assert.deepEqual(fs.readdirSync(disk), [], "no archive, not even a partial one");
    } finally {
      spawnSync("umount", [disk]);
    }
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });

  test("a commit racing a removal of its container either makes a whole image or fails clearly", async () => {
    for (let round = 0; round < 3; round++) {
      ok(["run", "--name", "race", "busybox", "sh", "-c", "head -c 2000000 /dev/urandom > /data.bin"]);
      const commit = root.t.spawnBerth(["commit", "race", `raced:${round}`]);
      let stderr = "";
      commit.stderr!.on("data", (d: Buffer) => (stderr += d));
      const rm = root.t.spawnBerth(["rm", "-f", "race"]);
      const [[code]] = (await Promise.all([once(commit, "exit"), once(rm, "exit")])) as [[number], unknown];
      if (code === 0) {
        assert.equal(ok(["run", "--rm", `raced:${round}`, "sh", "-c", "wc -c < /data.bin"]).trim(), "2000000");
      } else {
        assert.match(stderr, /No such container|no such file|ENOENT/i);
        assert.equal(root.t.berth(["image", "inspect", `raced:${round}`]).code, 1);
      }
      root.t.berth(["rm", "-f", "race"]);
      const check = root.t.berth(["system", "check"]);
      assert.equal(check.code, 0, check.stdout);
    }
  });
});

describe("flags and names as the docker CLI takes them", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;

  test("-X=value and -Xvalue give value for short flags, as pflag does", () => {
    ok(["create", "--name", "short-eq", "-m=6m", "-e=A=1", "-eB=2", "-l=team=x", "busybox", "true"]);
    assert.equal(
      ok(["inspect", "-f", "{{.HostConfig.Memory}} {{json .Config.Env}} {{json .Config.Labels}}", "short-eq"]),
      '6291456 ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1","B=2"] {"team":"x"}\n',
    );
    ok(["rm", "short-eq"]);
  });

  test("tag and commit stop parsing flags at their first argument (docker's SetInterspersed(false))", () => {
    const tag = root.t.berth(["tag", "busybox", "-weird:tag"]);
    assert.deepEqual(tag, {
      code: 1,
      stdout: "",
      stderr: 'Error parsing reference: "-weird:tag" is not a valid repository/tag: invalid reference format\n',
    });
    ok(["create", "--name", "to-commit", "busybox", "true"]);
    assert.deepEqual(root.t.berth(["commit", "to-commit", "-x"]), { code: 1, stdout: "", stderr: "invalid reference format\n" });
    ok(["rm", "to-commit"]);
  });

  test("rm takes its flags after the names; rm -f reports missing names and exits 0", () => {
    ok(["run", "-d", "--name", "running", "busybox", "sleep", "100"]);
    assert.equal(ok(["rm", "running", "-f"]), "running\n");
    ok(["create", "--name", "k1", "busybox", "true"]);
    ok(["create", "--name", "k2", "busybox", "true"]);
    assert.deepEqual(root.t.berth(["rm", "-f", "nosuch1", "k1", "nosuch2", "k2"]), {
      code: 0,
      stdout: "k1\nk2\n",
      stderr: "Error response from daemon: No such container: nosuch1\nError response from daemon: No such container: nosuch2\n",
    });
    ok(["create", "--name", "k3", "busybox", "true"]);
    assert.deepEqual(root.t.berth(["rm", "nosuch1", "k3", "nosuch2"]), {
      code: 1,
      stdout: "k3\n",
      stderr: "Error response from daemon: No such container: nosuch1\nError response from daemon: No such container: nosuch2\n",
    });
    // Only "No such container" is forgiven; the other failures follow what -f forgave.
    assert.deepEqual(root.t.berth(["rm", "-f", "", "nosuch"]), {
      code: 1,
      stdout: "",
      stderr: "Error response from daemon: No such container: nosuch\ncontainer name cannot be empty\n",
    });
    assert.equal(ok(["ps", "-aq"]), "");
  });

  test("-w naming a file: Docker's message at create (run exits 125) and at start (the container records 128)", () => {
    const run = root.t.berth(["run", "--rm", "-w", "/bin/busybox", "busybox", "pwd"]);
    assert.deepEqual(run, {
      code: 125,
      stdout: "",
      stderr:
        "berth: Error response from daemon: Cannot mkdir: /bin/busybox is not a directory\n\nRun 'berth run --help' for more information\n",
    });
    const below = root.t.berth(["create", "-w", "/bin/busybox/sub", "busybox", "true"]);
    assert.match(below.stderr, /Error response from daemon: mkdir \/bin\/busybox\/sub: not a directory\n/);
    assert.equal(ok(["ps", "-aq"]), "", "nothing was created");

    ok(["create", "--name", "made", "-w", "/newdir/sub", "busybox", "pwd"]);
    assert.equal(ok(["diff", "made"]), "A /newdir\nA /newdir/sub\n", "create makes the working directory, as dockerd does");
    assert.equal(ok(["start", "-a", "made"]), "/newdir/sub\n");

    ok(["run", "--name", "became-file", "-w", "/w", "busybox", "sh", "-c", "cd / && rmdir /w && touch /w"]);
    const start = root.t.berth(["start", "became-file"]);
    assert.deepEqual(start, {
      code: 1,
      stdout: "",
      stderr: "Error response from daemon: Cannot mkdir: /w is not a directory\nError: failed to start containers: became-file\n",
    });
    assert.equal(
      ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{json .State.Error}}", "became-file"]),
      'exited 128 "Cannot mkdir: /w is not a directory"\n',
    );
    ok(["rm", "made", "became-file"]);
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });

  test("empty names get the docker client's words, before anything is looked up", () => {
    const emptyContainer = "invalid container name or ID: value is empty\n";
    const cases: [string[], string, string][] = [
      [["diff", ""], "", "Container name cannot be empty\n"],
      [["diff", " "], "", emptyContainer],
      [["rm", ""], "", "container name cannot be empty\n"],
      [["rm", "-f", "/"], "", "container name cannot be empty\n"],
      [["rm", " "], "", emptyContainer],
      [["inspect", ""], "[]\n", emptyContainer],
      [["container", "inspect", ""], "[]\n", emptyContainer],
      [["image", "inspect", ""], "[]\n", "Error: No such image: \n"],
      [["inspect", "--type", "image", ""], "[]\n", "Error: No such image: \n"],
      [["tag", "", "x"], "", 'Error parsing reference: "" is not a valid repository/tag: invalid reference format\n'],
      [["tag", "busybox", ""], "", 'Error parsing reference: "" is not a valid repository/tag: invalid reference format\n'],
      [["start", ""], "", emptyContainer + "Error: failed to start containers: \n"],
      [["stop", ""], "", emptyContainer],
      [["kill", ""], "", emptyContainer],
      [["pause", ""], "", emptyContainer],
      [["wait", ""], "", emptyContainer],
      [["logs", ""], "", emptyContainer],
      [["attach", ""], "", emptyContainer],
      [["exec", "", "true"], "", emptyContainer],
      [["top", ""], "", emptyContainer],
      [["export", ""], "", emptyContainer],
      [["commit", ""], "", emptyContainer],
      [["stats", "--no-stream", ""], "", emptyContainer],
      [["rename", "", "x"], "", "Error: Neither old nor new names may be empty\n"],
      [["rename", "busybox", " "], "", "Error: Neither old nor new names may be empty\n"],
      [["volume", "inspect", ""], "[]\n", "invalid volume name or ID: value is empty\n"],
      [["volume", "rm", ""], "", "invalid volume name or ID: value is empty\n"],
    ];
    for (const [argv, stdout, stderr] of cases) {
      assert.deepEqual(root.t.berth(argv), { code: 1, stdout, stderr }, `berth ${JSON.stringify(argv)}`);
    }
  });
});
