// The resource flags of run and create, and `update`, checked from inside the container through
// its cgroup files (cgroup v1 here; the v2 files where the host has the unified hierarchy) and
// against dockerd 20.10's measured words (RUN-FLAGS.md §3-5, §8, §11).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { useApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "needs root";
const V2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");
const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));

/** The first disk of the host (not a loop or RAM device), for the throttle flags. */
function hostDisk(): { path: string; numbers: string } | undefined {
  for (const name of fs.existsSync("/sys/block") ? fs.readdirSync("/sys/block") : []) {
    if (/^(loop|ram|zram)/.test(name) || !fs.existsSync(`/dev/${name}`)) continue;
    const numbers = fs.readFileSync(`/sys/block/${name}/dev`, "utf8").trim();
    return { path: `/dev/${name}`, numbers };
  }
  return undefined;
}

const RUN_USAGE = "\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n";

describe("resource flags and update", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;
  const run = (args: string[]) => root.t.berth(["run", "--rm", "--network", "none", ...args]);

  test("--cpu-shares, --cpu-period, --cpu-quota and --cpuset-cpus/-mems reach the container's cgroup", () => {
    const out = ok([
      "run",
      "--rm",
      "--network",
      "none",
      "--cpu-shares",
      "512",
      "--cpu-period",
      "50000",
      "--cpu-quota",
      "25000",
      "--cpuset-cpus",
      "0",
      "--cpuset-mems",
      "0",
      "busybox",
      "sh",
      "-c",
      V2
        ? "cat /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/cpuset.mems; grep Cpus_allowed_list /proc/self/status"
        : "cd /sys/fs/cgroup; cat cpu/cpu.shares cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us cpuset/cpuset.cpus cpuset/cpuset.mems; grep Cpus_allowed_list /proc/self/status",
    ]);
    // runc maps shares to cgroup v2's weight: 1 + (512 - 2) * 9999 / 262142.
    assert.equal(out, V2 ? "20\n25000 50000\n0\n0\nCpus_allowed_list:\t0\n" : "512\n50000\n25000\n0\n0\nCpus_allowed_list:\t0\n");
  });

  test("--memory-reservation, --memory-swappiness, --oom-kill-disable and --oom-score-adj reach the cgroup and /proc", () => {
    const out = ok([
      "run",
      "--rm",
      "--network",
      "none",
      "-m",
      "128m",
      "--memory-reservation",
      "64m",
      "--memory-swappiness",
      "10",
      "--oom-kill-disable",
      "--oom-score-adj",
      "300",
      "busybox",
      "sh",
      "-c",
      V2
        ? "cat /sys/fs/cgroup/memory.low /proc/1/oom_score_adj; sh -c 'cat /proc/self/oom_score_adj'"
        : "cd /sys/fs/cgroup/memory; cat memory.soft_limit_in_bytes memory.swappiness; grep oom_kill_disable memory.oom_control; cat /proc/1/oom_score_adj; sh -c 'cat /proc/self/oom_score_adj'",
    ]);
    assert.equal(out, V2 ? "67108864\n300\n300\n" : "67108864\n10\noom_kill_disable 1\n300\n300\n");
  });

  test("--device-read-bps/-iops and --device-write-bps/-iops throttle the device by its numbers", (t) => {
    const disk = hostDisk();
    if (!disk) return t.skip("the host has no disk device to throttle");
    const flags = ["--device-read-bps", `${disk.path}:1mb`, "--device-write-bps", `${disk.path}:2mb`];
    const iops = ["--device-read-iops", `${disk.path}:100`, "--device-write-iops", `${disk.path}:200`];
    const show = V2
      ? "cat /sys/fs/cgroup/io.max"
      : "cd /sys/fs/cgroup/blkio; cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device blkio.throttle.read_iops_device blkio.throttle.write_iops_device";
    const out = ok(["run", "--rm", "--network", "none", ...flags, ...iops, "busybox", "sh", "-c", show]);
    const n = disk.numbers;
    assert.equal(out, V2 ? `${n} rbps=1048576 wbps=2097152 riops=100 wiops=200\n` : `${n} 1048576\n${n} 2097152\n${n} 100\n${n} 200\n`);
  });

  test("--blkio-weight and --blkio-weight-device: set where the kernel has weights, else discarded with dockerd's warnings", (t) => {
    const disk = hostDisk();
    if (!disk) return t.skip("the host has no disk device to weigh");
    const weights = V2 ? fs.existsSync("/sys/fs/cgroup/io.bfq.weight") : fs.existsSync("/sys/fs/cgroup/blkio/blkio.weight");
    const r = root.t.berth([
      "create",
      "--network",
      "none",
      "--name",
      "weights",
      "--blkio-weight",
      "300",
      "--blkio-weight-device",
      `${disk.path}:400`,
      "busybox",
      "true",
    ]);
    assert.equal(r.code, 0, r.stderr);
    if (weights) {
      assert.equal(r.stderr, "");
      assert.equal(
        ok(["inspect", "-f", "{{.HostConfig.BlkioWeight}} {{json .HostConfig.BlkioWeightDevice}}", "weights"]),
        `300 [{"Path":"${disk.path}","Weight":400}]\n`,
      );
    } else {
      assert.equal(
        r.stderr,
        "WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n" +
          "WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.\n",
      );
      assert.equal(ok(["inspect", "-f", "{{.HostConfig.BlkioWeight}} {{json .HostConfig.BlkioWeightDevice}}", "weights"]), "0 []\n");
    }
    ok(["rm", "weights"]);
  });

  test("--device-cgroup-rule is appended to the default device rules", (t) => {
    if (V2) return t.skip("cgroup v2 enforces device rules with eBPF: there is no devices.list to read");
    const out = ok([
      "run",
      "--rm",
      "--network",
      "none",
      "--device-cgroup-rule",
      "c 42:* rmw",
      "--device-cgroup-rule",
      "b 7:0 r",
      "busybox",
      "cat",
      "/sys/fs/cgroup/devices/devices.list",
    ]);
    assert.match(out, /^c 42:\* rwm$/m);
    assert.match(out, /^b 7:0 r$/m);
    assert.doesNotMatch(ok(["run", "--rm", "--network", "none", "busybox", "cat", "/sys/fs/cgroup/devices/devices.list"]), /^c 42:/m);
  });

  test("inspect shows the resource settings under HostConfig, with Docker's defaults when unset", () => {
    ok(["create", "--network", "none", "--name", "plain", "busybox", "true"]);
    const plain = JSON.parse(ok(["inspect", "-f", "{{json .HostConfig}}", "plain"])) as Record<string, unknown>;
    assert.deepEqual(
      [
        plain.CpuShares,
        plain.CpuPeriod,
        plain.CpusetCpus,
        plain.BlkioDeviceReadBps,
        plain.DeviceCgroupRules,
        plain.KernelMemory,
        plain.MemorySwappiness,
        plain.OomKillDisable,
        plain.OomScoreAdj,
        plain.CpuCount,
        plain.IOMaximumIOps,
      ],
      [0, 0, "", [], null, 0, null, false, 0, 0, 0],
    );
    const r = root.t.berth([
      "create",
      "--network",
      "none",
      "--name",
      "tuned",
      "-c",
      "700",
      "--cpu-rt-period",
      "1000000",
      "--cpu-rt-runtime",
      "950000",
      "--memory-reservation",
      "32m",
      "--memory-swappiness",
      "0",
      "--kernel-memory",
      "64m",
      "--oom-score-adj",
      "-5",
      "--device-cgroup-rule",
      "c 42:* rmw",
      "busybox",
      "true",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release.\n");
    const host = JSON.parse(ok(["inspect", "-f", "{{json .HostConfig}}", "tuned"])) as Record<string, unknown>;
    assert.deepEqual(
      [
        host.CpuShares,
        host.CpuRealtimePeriod,
        host.CpuRealtimeRuntime,
        host.MemoryReservation,
        host.MemorySwappiness,
        host.KernelMemory,
        host.OomScoreAdj,
        host.DeviceCgroupRules,
      ],
      [700, 1000000, 950000, 32 << 20, 0, 64 << 20, -5, ["c 42:* rmw"]],
    );
    ok(["rm", "plain", "tuned"]);
  });

  test("bad values: the CLI's flag errors, dockerd's create errors, and the Windows-only flags' refusal", () => {
    const cases: [string[], number, string][] = [
      [
        ["--cpu-shares", "abc"],
        125,
        `invalid argument "abc" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "abc": invalid syntax${RUN_USAGE}`,
      ],
      [
        ["--blkio-weight", "70000"],
        125,
        `invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range${RUN_USAGE}`,
      ],
      [
        ["--blkio-weight-device", "/dev/vda:5"],
        125,
        `invalid argument "/dev/vda:5" for "--blkio-weight-device" flag: invalid weight for device: /dev/vda:5${RUN_USAGE}`,
      ],
      [
        ["--blkio-weight-device", "vda:300"],
        125,
        `invalid argument "vda:300" for "--blkio-weight-device" flag: bad format for device path: vda:300${RUN_USAGE}`,
      ],
      [
        ["--device-read-bps", "/dev/vda"],
        125,
        `invalid argument "/dev/vda" for "--device-read-bps" flag: bad format: /dev/vda${RUN_USAGE}`,
      ],
      [
        ["--device-read-bps", "/dev/vda:bogus"],
        125,
        `invalid argument "/dev/vda:bogus" for "--device-read-bps" flag: invalid rate for device: /dev/vda:bogus. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb${RUN_USAGE}`,
      ],
      [
        ["--device-cgroup-rule", "x 1:2 rwm"],
        125,
        `invalid argument "x 1:2 rwm" for "--device-cgroup-rule" flag: invalid device cgroup format 'x 1:2 rwm'${RUN_USAGE}`,
      ],
      [
        ["--memory-swappiness", "101"],
        125,
        "berth: invalid value: 101. Valid memory swappiness range is 0-100\n\nRun 'berth run --help' for more information\n",
      ],
      [
        ["--cpu-period", "999"],
        125,
        "berth: Error response from daemon: CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)\n\nRun 'berth run --help' for more information\n",
      ],
      [["--cpuset-cpus", "99"], 125, "berth: Error response from daemon: Requested CPUs are not available - requested 99, available: "],
      [
        ["--oom-score-adj", "1001"],
        125,
        "berth: Error response from daemon: Invalid value 1001, range for oom score adj is [-1000, 1000]\n\nRun 'berth run --help' for more information\n",
      ],
      [
        ["--memory-reservation", "1k"],
        125,
        "berth: Error response from daemon: Minimum memory reservation allowed is 6MB\n\nRun 'berth run --help' for more information\n",
      ],
      [
        ["--cpu-count", "2"],
        1,
        '"--cpu-count" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n',
      ],
      [
        ["--cpu-percent", "50"],
        1,
        '"--cpu-percent" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n',
      ],
      [
        ["--io-maxbandwidth", "10m"],
        1,
        '"--io-maxbandwidth" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n',
      ],
      [
        ["--io-maxiops", "100"],
        1,
        '"--io-maxiops" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n',
      ],
    ];
    for (const [flags, code, stderr] of cases) {
      const r = run([...flags, "busybox", "true"]);
      assert.equal(r.code, code, `${flags.join(" ")}: ${r.stderr}`);
      if (stderr.endsWith("\n")) assert.equal(r.stderr, stderr, flags.join(" "));
      else assert.ok(r.stderr.startsWith(stderr), `${flags.join(" ")}: ${r.stderr}`);
    }
    assert.equal(ok(["ps", "-aq"]), "", "nothing was created");
  });

  test("start failures: runc's cpu-shares minimum exits 125, a missing throttled device 127; both leave the container created", () => {
    const shares = root.t.berth(["run", "--network", "none", "--name", "shares1", "--cpu-shares", "1", "busybox", "true"]);
    assert.equal(shares.code, 125, shares.stderr);
    assert.match(shares.stderr, /the minimum allowed cpu-shares is 2: unknown/);
    assert.match(ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "shares1"]), /^created 128\n$/);
    const missing = root.t.berth([
      "run",
      "--network",
      "none",
      "--name",
      "nodev",
      "--device-read-bps",
      "/dev/nosuch:1mb",
      "busybox",
      "true",
    ]);
    assert.equal(missing.code, 127, missing.stderr);
    assert.equal(
      missing.stderr,
      "berth: Error response from daemon: stat /dev/nosuch: no such file or directory\n\nRun 'berth run --help' for more information\n",
    );
    assert.equal(
      ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "nodev"]),
      "created 128 stat /dev/nosuch: no such file or directory\n",
    );
    ok(["rm", "shares1", "nodev"]);
  });

  test("update changes a running container's cgroup at once, prints the names as typed, and stats shows the new limit", () => {
    const id = ok(["run", "-d", "--network", "none", "--name", "up1", "-m", "64m", "busybox", "sleep", "60"]).trim();
    const r = root.t.berth([
      "update",
      "--cpu-shares",
      "256",
      "--memory",
      "128m",
      "--memory-swap",
      "256m",
      "--pids-limit",
      "50",
      "--restart",
      "on-failure:3",
      "--cpus",
      "0.5",
      "up1",
      id.slice(0, 12),
      "nosuch",
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `up1\n${id.slice(0, 12)}\n`);
    assert.equal(r.stderr, "Error response from daemon: No such container: nosuch\n");
    assert.equal(
      ok([
        "inspect",
        "-f",
        "{{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{json .HostConfig.RestartPolicy}} {{.HostConfig.NanoCpus}}",
        "up1",
      ]),
      '256 134217728 268435456 50 {"Name":"on-failure","MaximumRetryCount":3} 500000000\n',
    );
    const files = V2
      ? "cd /sys/fs/cgroup; cat cpu.weight memory.max pids.max cpu.max"
      : "cd /sys/fs/cgroup; cat cpu/cpu.shares memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us";
    assert.equal(ok(["exec", "up1", "sh", "-c", files]), V2 ? "10\n134217728\n50\n50000 100000\n" : "256\n134217728\n50\n50000\n");
    assert.match(ok(["stats", "--no-stream", "--format", "{{.MemUsage}}", "up1"]), / \/ 128MiB\n$/);
    ok(["container", "update", "--pids-limit", "-1", "up1"]);
    assert.equal(ok(["exec", "up1", "cat", `/sys/fs/cgroup/${V2 ? "" : "pids/"}pids.max`]), "max\n");
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.PidsLimit}}", "up1"]), "0\n");
    ok(["rm", "-f", "up1"]);
  });

  test("update on a stopped container is stored and applied at its next start", () => {
    ok(["run", "-d", "--network", "none", "--name", "up2", "busybox", "sleep", "60"]);
    ok(["stop", "-t", "0", "up2"]);
    assert.equal(ok(["update", "--cpu-shares", "700", "--memory", "32m", "--memory-swap", "64m", "up2"]), "up2\n");
    ok(["start", "up2"]);
    const files = V2
      ? "cd /sys/fs/cgroup; cat cpu.weight memory.max"
      : "cd /sys/fs/cgroup; cat cpu/cpu.shares memory/memory.limit_in_bytes";
    assert.equal(ok(["exec", "up2", "sh", "-c", files]), V2 ? "27\n33554432\n" : "700\n33554432\n");
    ok(["rm", "-f", "up2"]);
  });

  test("update refuses as dockerd does and changes nothing", () => {
    const id = ok([
      "run",
      "-d",
      "--network",
      "none",
      "--name",
      "up3",
      "-m",
      "64m",
      "busybox",
      "sh",
      "-c",
      "dd if=/dev/zero of=/dev/shm/f bs=1M count=30 2>/dev/null; sleep 60",
    ]).trim();
    for (let i = 0; i < 50 && !ok(["exec", "up3", "ls", "-l", "/dev/shm/f"]).includes("31457280"); i++)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    const below = root.t.berth(["update", "-m", "10m", "--memory-swap", "20m", "up3"]);
    assert.equal(below.code, 1);
    assert.equal(below.stdout, "");
    assert.match(
      below.stderr,
      new RegExp(
        `^Error response from daemon: Cannot update container ${id}: runc did not terminate successfully: exit status 1: unable to set memory limit to 10485760 \\(current usage: \\d+, peak usage: \\d+\\)\\n: unknown\\n$`,
      ),
    );
    assert.equal(ok(["inspect", "-f", "{{.HostConfig.Memory}}", "up3"]), "67108864\n", "a refused update keeps the old settings");
    const cases: [string[], string][] = [
      [[], "you must provide one or more flags when using this command\n"],
      [
        ["-m", "256m"],
        `Error response from daemon: Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n`,
      ],
      [["-m", "1k"], "Error response from daemon: Minimum memory limit allowed is 6MB\n"],
      [
        ["--cpus", "1", "--cpu-quota", "1000"],
        "Error response from daemon: Conflicting options: Nano CPUs and CPU Quota cannot both be set\n",
      ],
      [["--cpuset-cpus", "99"], "Error response from daemon: Requested CPUs are not available - requested 99, available: "],
      [["--restart", "bogus"], "Error response from daemon: invalid restart policy 'bogus'\n"],
    ];
    for (const [flags, stderr] of cases) {
      const r = root.t.berth(["update", ...flags, "up3"]);
      assert.equal(r.code, 1, flags.join(" "));
      if (stderr.endsWith("\n")) assert.equal(r.stderr, stderr, flags.join(" "));
      else assert.ok(r.stderr.startsWith(stderr), r.stderr);
    }
    const rm = ok(["run", "-d", "--rm", "--network", "none", "busybox", "sleep", "60"]).trim();
    const auto = root.t.berth(["update", "--restart", "always", rm]);
    assert.equal(
      auto.stderr,
      `Error response from daemon: Cannot update container ${rm}: Restart policy cannot be updated because AutoRemove is enabled for the container\n`,
    );
    const weight = root.t.berth(["update", "--blkio-weight", "300", "up3"]);
    assert.equal(weight.code, 0);
    if (!fs.existsSync(V2 ? "/sys/fs/cgroup/io.bfq.weight" : "/sys/fs/cgroup/blkio/blkio.weight")) {
      assert.equal(weight.stdout, "up3\nYour kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n");
    }
    ok(["rm", "-f", "up3", rm]);
  });
});

describe("resource fields through the API", { skip }, () => {
  const served = useApiServer();
  const post = async (path: string, body: unknown) => {
    const res = await served.server.request("POST", path, { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    return { status: res.status, json: JSON.parse(res.body.toString() || "null") as Record<string, unknown> };
  };

  test("create keeps HostConfig's resource fields, answers dockerd's warnings, and refuses its errors", async () => {
    const created = await post("/v1.41/containers/create?name=api-res", {
      Image: "busybox",
      Cmd: ["sleep", "60"],
      HostConfig: {
        NetworkMode: "none",
        CpuShares: 512,
        CpusetCpus: "0",
        MemoryReservation: 64 << 20,
        OomScoreAdj: 200,
        KernelMemory: 64 << 20,
        CpuCount: 2,
        CpuPercent: 50,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.deepEqual(created.json.Warnings, [
      "Specifying a kernel memory limit is deprecated and will be removed in a future release.",
      "linux does not support CPU percent. Percent discarded.",
    ]);
    const inspect = JSON.parse((await served.server.request("GET", "/v1.41/containers/api-res/json")).body.toString()) as {
      HostConfig: Record<string, unknown>;
    };
    const h = inspect.HostConfig;
    assert.deepEqual(
      [h.CpuShares, h.CpusetCpus, h.MemoryReservation, h.OomScoreAdj, h.CpuCount, h.CpuPercent],
      [512, "0", 64 << 20, 200, 2, 0],
    );
    const errors: [Record<string, unknown>, number, string][] = [
      [{ OomScoreAdj: 1001 }, 400, "Invalid value 1001, range for oom score adj is [-1000, 1000]"],
      [{ MemorySwappiness: 101 }, 400, "Invalid value: 101, valid memory swappiness range is 0-100"],
      [{ CpusetCpus: "99" }, 400, "Requested CPUs are not available - requested 99, available: "],
      [{ IOMaximumIOps: 5 }, 500, "Invalid QoS settings: linux does not support configuration of maximum IOPs"],
      [{ CpuShares: "x" }, 400, "json: cannot unmarshal string into Go struct field container.HostConfig.CpuShares of type int64"],
    ];
    for (const [host, status, message] of errors) {
      const r = await post("/v1.41/containers/create", { Image: "busybox", HostConfig: { NetworkMode: "none", ...host } });
      assert.equal(r.status, status, JSON.stringify(host));
      assert.ok(String(r.json.message).startsWith(message), String(r.json.message));
    }
  });

  test('POST /containers/{id}/update answers {"Warnings":null}, applies to the running container, and refuses in dockerd\'s words', async () => {
    assert.equal((await served.server.request("POST", "/v1.41/containers/api-res/start")).status, 204);
    const updated = await post("/v1.41/containers/api-res/update", {
      CpuShares: 300,
      Memory: 96 << 20,
      MemorySwap: 192 << 20,
      RestartPolicy: { Name: "always" },
    });
    assert.deepEqual([updated.status, updated.json], [200, { Warnings: null }]);
    const inspect = JSON.parse((await served.server.request("GET", "/v1.41/containers/api-res/json")).body.toString()) as {
      HostConfig: Record<string, unknown>;
      State: { Pid: number };
    };
    assert.deepEqual(
      [inspect.HostConfig.CpuShares, inspect.HostConfig.Memory, inspect.HostConfig.RestartPolicy],
      [300, 96 << 20, { Name: "always", MaximumRetryCount: 0 }],
    );
    if (!V2) {
      const cgroup = fs.readFileSync(`/proc/${inspect.State.Pid}/cgroup`, "utf8");
      const cpu = /^\d+:cpu(?:,cpuacct)?:(.*)$/m.exec(cgroup)?.[1];
      assert.equal(fs.readFileSync(`/sys/fs/cgroup/cpu${cpu}/cpu.shares`, "utf8"), "300\n");
    }
    const weight = await post("/v1.41/containers/api-res/update", { BlkioWeight: 300 });
    assert.equal(weight.status, 200);
    if (!fs.existsSync(V2 ? "/sys/fs/cgroup/io.bfq.weight" : "/sys/fs/cgroup/blkio/blkio.weight")) {
      assert.deepEqual(weight.json, {
        Warnings: ["Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."],
      });
    }
    const io = await post("/v1.41/containers/api-res/update", { IOMaximumIOps: 5 });
    assert.deepEqual(
      [io.status, io.json],
      [400, { message: "Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps" }],
    );
    const missing = await post("/v1.41/containers/nosuch/update", { CpuShares: 300 });
    assert.deepEqual([missing.status, missing.json], [404, { message: "No such container: nosuch" }]);
    assert.equal((await served.server.request("DELETE", "/v1.41/containers/api-res?force=1")).status, 204);
  });

  test(
    "the docker CLI creates containers with the resource flags and updates them through berth serve",
    { skip: DOCKER ? false : "the docker CLI is not installed" },
    () => {
      const env = { ...process.env, DOCKER_HOST: served.server.dockerHost, DOCKER_CONFIG: `${served.server.t.dir}/docker-config` };
      const docker = (args: string[]) => {
        const r = spawnSync(DOCKER!, args, { env, encoding: "utf8", timeout: 60_000 });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const flags = [
        "--network",
        "none",
        "--cpu-shares",
        "512",
        "--cpu-quota",
        "30000",
        "--memory-reservation",
        "64m",
        "--oom-score-adj",
        "250",
        "--kernel-memory",
        "64m",
      ];
      const run = docker(["run", "-d", "--name", "dk-res", ...flags, "busybox", "sleep", "60"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release.\n");
      const show = V2
        ? "cd /sys/fs/cgroup; cat cpu.weight memory.low; cat /proc/1/oom_score_adj"
        : "cd /sys/fs/cgroup; cat cpu/cpu.shares cpu/cpu.cfs_quota_us memory/memory.soft_limit_in_bytes /proc/1/oom_score_adj";
      assert.equal(docker(["exec", "dk-res", "sh", "-c", show]).stdout, V2 ? "20\n67108864\n250\n" : "512\n30000\n67108864\n250\n");
      assert.equal(
        docker([
          "inspect",
          "-f",
          "{{.HostConfig.CpuShares}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}} {{.HostConfig.OomScoreAdj}}",
          "dk-res",
        ]).stdout,
        "512 30000 67108864 250\n",
      );
      const update = docker(["update", "--cpu-shares", "128", "--restart", "unless-stopped", "dk-res"]);
      assert.deepEqual([update.code, update.stdout, update.stderr], [0, "dk-res\n", ""]);
      assert.equal(
        docker(["exec", "dk-res", "cat", V2 ? "/sys/fs/cgroup/cpu.weight" : "/sys/fs/cgroup/cpu/cpu.shares"]).stdout,
        V2 ? "5\n" : "128\n",
      );
      assert.equal(docker(["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "dk-res"]).stdout, "unless-stopped\n");
      const refused = docker(["update", "--cpuset-cpus", "99", "dk-res"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^Error response from daemon: Requested CPUs are not available - requested 99, available: /);
      assert.equal(docker(["rm", "-f", "dk-res"]).code, 0);
    },
  );
});
