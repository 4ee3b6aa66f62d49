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
    assert.equal(ok(["run", "--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "echo x > /dev/mynull && echo wrote"]), "wrote\n");
    assert.match(ok(["run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status"]), /NoNewPrivs:\s+1/);
    assert.match(ok(["run", "--rm", "busybox", "grep", "Seccomp:", "/proc/self/status"]), /Seccomp:\s+2/, "the default seccomp profile is on");
    assert.match(ok(["run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "Seccomp:", "/proc/self/status"]), /Seccomp:\s+0/);
    assert.match(ok(["run", "--rm", "--cpus", "0.5", "busybox", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"]), /^50000$/m);
    assert.match(ok(["run", "--rm", "--pids-limit", "32", "busybox", "cat", "/sys/fs/cgroup/pids/pids.max"]), /^32$/m);
    ok(["run", "-d", "--name", "sig", "--stop-signal", "USR1", "--stop-timeout", "5", "busybox", "sh", "-c", "trap 'exit 11' USR1; while true; do sleep 0.1; done"]);
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
    const stamps = ok(["logs", "-t", "lg"]).trim().split("\n").map((l) => l.split(" ")[0]!);
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
    assert.equal(ok(["ps", "-a", "--filter", "status=created", "--filter", "name=p", "--format", "{{.Names}}"]).split("\n").filter(Boolean).sort().join(","), "p1,p2");
    assert.match(ok(["ps", "-a", "-s", "--filter", "name=p1"]), /SIZE\n.*\(virtual 1\.98MB\)\n$/);
    ok(["run", "--name", "p3", "busybox", "sh", "-c", "echo 12345 > /five"]);
    const df = ok(["system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}"]);
    assert.match(df, /^Containers\|(\d+)\|0\|6B\|6B \(100%\)$/m, "stopped containers: their writable layers are reclaimable");
    assert.match(ok(["system", "df", "-v"]), /^[a-f0-9]{12} +busybox +"sh -c echo 12345 > …" +0 +6B +.* +p3$/m);
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
