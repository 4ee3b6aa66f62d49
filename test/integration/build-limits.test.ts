// The resource flags of `docker build` (-m, --memory-swap, -c, --cpu-period, --cpu-quota,
// --cpuset-cpus, --cpuset-mems, --cgroup-parent, --security-opt, --isolation): every RUN step's
// container gets them, as dockerd's classic builder gives them (measured on dockerd 20.10 with
// docker CLI 28: `-m 64m --memory-swap 128m` reads 67108864 and 134217728 in the RUN's cgroup).
// Through `berth build` and through the docker CLI against `berth serve` (POST /build's query).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import { isRoot, outputOf, type RunResult } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";
import { useApiServer } from "../helpers/api-server.js";
import { writeContext } from "../helpers/build-context.js";

const skip = isRoot() ? false : "needs root";
const V2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");
const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));

/** A RUN that writes what its cgroup and /proc say into /limits, for the image to show. */
const PROBE = V2
  ? `FROM busybox
RUN cd /sys/fs/cgroup; cat memory.max memory.swap.max cpu.weight cpu.max cpuset.cpus cpuset.mems > /limits; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status >> /limits; cat /proc/self/cgroup >> /limits
`
  : `FROM busybox
RUN cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes cpu/cpu.shares cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us cpuset/cpuset.cpus cpuset/cpuset.mems > /limits; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status >> /limits; cat /proc/self/cgroup >> /limits
`;

/** What PROBE's file starts with for `-m 64m --memory-swap 128m -c 512 --cpu-period 50000 --cpu-quota 25000 --cpuset-cpus 0 --cpuset-mems 0`. */
const LIMITED = V2
  ? "67108864\n67108864\n20\n25000 50000\n0\n0\n" // runc: swap.max is memsw minus memory; shares 512 → weight 20
  : "67108864\n134217728\n512\n50000\n25000\n0\n0\n";

const FLAGS = [
  "-m",
  "64m",
  "--memory-swap",
  "128m",
  "-c",
  "512",
  "--cpu-period",
  "50000",
  "--cpu-quota",
  "25000",
  "--cpuset-cpus",
  "0",
  "--cpuset-mems",
  "0",
];

/** Removes a cgroup parent the test's steps were put under (the parent stays after rm, as with Docker). */
function removeCgroupParent(parent: string): void {
  for (const c of fs.readdirSync("/sys/fs/cgroup"))
    if (fs.existsSync(`/sys/fs/cgroup/${c}${parent}`)) fs.rmdirSync(`/sys/fs/cgroup/${c}${parent}`);
}

describe("berth build: the RUN steps' limits", { skip }, () => {
  const root = useBusyboxRoot();
  const ok = root.ok;
  const build = (args: string[], env?: NodeJS.ProcessEnv) =>
    root.t.berth(["build", "--progress", "plain", "--network", "none", ...args], env ? { env } : {});

  test("-m, --memory-swap, -c, --cpu-*, --cpuset-*, --cgroup-parent and --security-opt reach the RUN's container", (t) => {
    const parent = `/berth-build-parent-${process.pid}`;
    t.after(() => removeCgroupParent(parent));
    const dir = writeContext(root.t.dir, { Dockerfile: PROBE });
    const r = build([
      ...FLAGS,
      "--cgroup-parent",
      parent,
      "--security-opt",
      "no-new-privileges,seccomp=unconfined",
      "--isolation",
      "default",
      "-t",
      "limited",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const limits = ok(["run", "--rm", "--network", "none", "limited", "cat", "/limits"]);
    assert.ok(limits.startsWith(LIMITED), limits);
    assert.match(limits, /^NoNewPrivs:\t1\nSeccomp:\t0\n/m);
    assert.match(limits, new RegExp(`^\\d+:memory:${parent}/[0-9a-f]{64}$`, "m"), "the step's cgroup is under --cgroup-parent");
    assert.equal(ok(["ps", "-aq"]), "", "no step container is left");
  });

  test("without the flags a RUN has no limits", () => {
    const dir = writeContext(root.t.dir, { Dockerfile: PROBE });
    const r = build(["--no-cache", "-t", "unlimited", dir]);
    assert.equal(r.code, 0, r.stderr);
    const limits = ok(["run", "--rm", "--network", "none", "unlimited", "cat", "/limits"]);
    assert.ok(!limits.startsWith(LIMITED), limits);
    assert.match(limits, V2 ? /^max\n/ : /^\d+\n\d+\n1024\n100000\n-1\n/);
    assert.match(limits, /^NoNewPrivs:\t0\nSeccomp:\t2\n/m, "the default seccomp profile");
  });

  test("refusals: run's words for the limits, dockerd's for the isolation; nothing is built", () => {
    const dir = writeContext(root.t.dir, { Dockerfile: "FROM busybox\nRUN touch /x\n" });
    const cases: [string[], string][] = [
      [["-m", "1k"], "Minimum memory limit allowed is 6MB"],
      [["-m", "64m", "--memory-swap", "32m"], "Minimum memoryswap limit should be larger than memory limit, see usage"],
      [["--memory-swap", "128m"], "You should always set the Memory limit when using Memoryswap limit, see usage"],
      [["--cpu-period", "999"], "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"],
      [["--cpuset-cpus", "99"], "Requested CPUs are not available - requested 99, available: "],
      [["--isolation", "hyperv"], 'Unsupported isolation: "hyperv"'],
    ];
    for (const [flags, message] of cases) {
      const r = build([...flags, dir]);
      assert.equal(r.code, 1, `${flags.join(" ")}: ${r.stderr}`);
      assert.ok(r.stderr.includes(message), `${flags.join(" ")}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /RUN touch/, `${flags.join(" ")}: refused before any step`);
    }
    // A runc refusal comes when the step starts, as with dockerd (RUN-FLAGS §3).
    const shares = build(["-c", "1", dir]);
    assert.equal(shares.code, 1);
    assert.match(shares.stderr, /the minimum allowed cpu-shares is 2/);
    assert.equal(ok(["ps", "-aq"]), "", "the failed step's container is removed");
  });

  test("--disable-content-trust and DOCKER_CONTENT_TRUST: the FROM images need a Notary server, as with run", () => {
    const dir = writeContext(root.t.dir, { Dockerfile: "FROM busybox\n" });
    const refusal = /content trust needs a Notary server to verify image tags, and berth has no Notary client/;
    const off = build(["--disable-content-trust=false", dir]);
    assert.equal(off.code, 1);
    assert.match(off.stderr, refusal);
    const env = build([dir], { DOCKER_CONTENT_TRUST: "1" });
    assert.equal(env.code, 1);
    assert.match(env.stderr, refusal);
    assert.equal(build(["--disable-content-trust", dir], { DOCKER_CONTENT_TRUST: "1" }).code, 0);
    assert.equal(build(["--disable-content-trust", dir]).code, 0);
  });
});

/** Runs a client without blocking this process (the server answers in it). */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return outputOf(spawn(cmd, args, { env, stdio: "pipe" }));
}

describe("docker build's limits through berth serve (POST /build's query)", { skip: skip || (!DOCKER && "no docker CLI") }, () => {
  const served = useApiServer();
  const docker = (args: string[]) =>
    run(DOCKER!, args, {
      ...process.env,
      DOCKER_HOST: served.server.dockerHost,
      DOCKER_CONFIG: `${served.server.t.dir}/docker-config`,
    });

  test("docker build -m 64m --memory-swap 128m -c 512 ...: the RUN sees them", async (t) => {
    const parent = `/berth-build-api-parent-${process.pid}`;
    t.after(() => removeCgroupParent(parent));
    const dir = writeContext(served.server.t.dir, { Dockerfile: PROBE });
    const r = await docker([
      "build",
      "--network",
      "none",
      ...FLAGS,
      "--cgroup-parent",
      parent,
      "--security-opt",
      "no-new-privileges",
      "-t",
      "api-limited",
      dir,
    ]);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}\nserver: ${served.server.log().slice(-3000)}`);
    const out = await docker(["run", "--rm", "--network", "none", "api-limited", "cat", "/limits"]);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(out.stdout.startsWith(LIMITED), out.stdout);
    assert.match(out.stdout, /^NoNewPrivs:\t1\n/m);
    assert.match(out.stdout, new RegExp(`:memory:${parent}/[0-9a-f]{64}$`, "m"));
  });

  test("refusals as the docker CLI prints them: a bad limit ends the build's stream, a bad isolation is a 400", async () => {
    const dir = writeContext(served.server.t.dir, { Dockerfile: "FROM busybox\nRUN true\n" });
    const small = await docker(["build", "-m", "1k", dir]);
    assert.equal(small.code, 1);
    assert.match(small.stderr + small.stdout, /Minimum memory limit allowed is 6MB\n/);
    const isolation = await docker(["build", "--isolation", "hyperv", dir]);
    assert.equal(isolation.code, 1);
    assert.match(isolation.stderr, /Error response from daemon: Unsupported isolation: "hyperv"\n/);
    const flag = await docker(["build", "-m", "bogus", dir]);
    assert.equal(flag.code, 125);
    assert.match(flag.stderr, /invalid argument "bogus" for "-m, --memory" flag: invalid size: 'bogus'/);
  });
});
