// buildOciSpec() and friends against what dockerd 20.10.24 writes to config.json on these machines
// (captured with `docker run -d … bb sleep 1000` and the bundle's config.json), then one real run
// of a generated spec under runc.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { DEFAULT_CAPABILITIES, effectiveCapabilities, parseCapabilityMask } from "../../src/runtime/spec/capabilities.js";
import { buildOciSpec, formatOciSpec } from "../../src/runtime/spec/oci-spec.js";
import { parseProcLimits } from "../../src/runtime/spec/rlimits.js";
import type { OciSeccomp, OciSpec } from "../../src/runtime/spec/runtime-spec.js";
import { DEFAULT_SECCOMP_PROFILE_PATH, dockerSeccompToOci } from "../../src/runtime/spec/seccomp.js";
import type { BuildOciSpecOptions, RuntimeSpecInput } from "../../src/runtime/spec/spec-input.js";

const DOCKER_DEFAULT_CAPS = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** `docker run --cap-add ALL --cap-drop sys_resource` on Docker 20.10.24: bounding set, in order. */
const DOCKER_ALL_BUT_SYS_RESOURCE = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
];

/** A small Docker-format profile exercising every condition kind. */
const TEST_PROFILE = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 38,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
  ],
  syscalls: [
    { names: ["read", "write"], action: "SCMP_ACT_ALLOW", args: [], comment: "", includes: {}, excludes: {} },
    { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", args: null, includes: { arches: ["amd64", "x32"] }, excludes: {} },
    { names: ["breakpoint"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm", "arm64"] } },
    { names: ["bpf", "mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["bpf", "mount"], action: "SCMP_ACT_ERRNO", errnoRet: 1, errno: "EPERM", excludes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["ptrace"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4.8" } },
    { names: ["old_ptrace"], action: "SCMP_ACT_ALLOW", excludes: { minKernel: "4.8" } },
    {
      names: ["personality"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ" }],
    },
    { name: "reboot", action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_BOOT", "CAP_SYS_ADMIN"] } },
  ],
};

function baseInput(over: Partial<RuntimeSpecInput> = {}): RuntimeSpecInput {
  return {
    rootfs: "/var/lib/berth/c/rootfs",
    readonlyRootfs: false,
    args: ["sleep", "1000"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=ee9781d38b05"],
    cwd: "/",
    user: { uid: 0, gid: 0, additionalGids: [0] },
    terminal: false,
    hostname: "ee9781d38b05",
    privileged: false,
    capAdd: [],
    capDrop: [],
    noNewPrivileges: false,
    seccomp: { kind: "profile", profile: TEST_PROFILE },
    mounts: [],
    devices: [],
    network: { kind: "none" },
    resources: { shmSize: 67108864 },
    ulimits: [],
    cgroupsPath: "/berth/ee9781d38b05",
    ...over,
  };
}

const AMD64: BuildOciSpecOptions = { arch: "x64", kernelRelease: "6.1.0-13-amd64" };

function spec(over: Partial<RuntimeSpecInput> = {}, opts: BuildOciSpecOptions = AMD64): OciSpec {
  return buildOciSpec(baseInput(over), opts);
}

function mount(s: OciSpec, destination: string) {
  return s.mounts.find((m) => m.destination === destination);
}

function syscallNames(s: OciSpec): string[] {
  return seccompNames(s.linux.seccomp);
}

function seccompNames(seccomp: OciSeccomp | undefined): string[] {
  return (seccomp?.syscalls ?? []).flatMap((c) => c.names);
}

// ---------------------------------------------------------------------------------------------
// Capabilities

test("DEFAULT_CAPABILITIES is exactly Docker 20.10's list, in its order", () => {
  assert.deepEqual([...DEFAULT_CAPABILITIES], DOCKER_DEFAULT_CAPS);
});

test("effectiveCapabilities() adds and drops in any spelling", () => {
  assert.deepEqual(effectiveCapabilities([], [], false), DOCKER_DEFAULT_CAPS);
  const caps = effectiveCapabilities(["net_admin", "CAP_sys_admin"], ["chown", "CAP_MKNOD"], false);
  assert.deepEqual(caps, [...DOCKER_DEFAULT_CAPS.filter((c) => c !== "CAP_CHOWN" && c !== "CAP_MKNOD"), "CAP_NET_ADMIN", "CAP_SYS_ADMIN"]);
  assert.deepEqual(effectiveCapabilities(["CHOWN"], [], false), DOCKER_DEFAULT_CAPS, "no duplicate");
});

test("effectiveCapabilities() handles ALL on either side like Docker", () => {
  assert.deepEqual(effectiveCapabilities(["ALL"], ["sys_resource"], false), DOCKER_ALL_BUT_SYS_RESOURCE);
  assert.deepEqual(effectiveCapabilities(["chown"], ["all"], false), ["CAP_CHOWN"]);
  assert.deepEqual(effectiveCapabilities([], ["ALL"], false), []);
  assert.equal(effectiveCapabilities(["all"], [], false).length, 38);
});

test("effectiveCapabilities() rejects unknown capabilities with Docker's message", () => {
  assert.throws(() => effectiveCapabilities(["foo"], [], false), { message: 'invalid CapAdd: unknown capability: "CAP_FOO"' });
  assert.throws(() => effectiveCapabilities([], ["foo"], false), { message: 'invalid CapDrop: unknown capability: "CAP_FOO"' });
  // Docker 20.10 stops at CAP_AUDIT_READ.
  assert.throws(() => effectiveCapabilities(["BPF"], [], false), { message: 'invalid CapAdd: unknown capability: "CAP_BPF"' });
  assert.throws(() => effectiveCapabilities(["foo"], [], true), /unknown capability/, "validated even when privileged");
});

test("effectiveCapabilities() gives every capability to privileged containers", () => {
  const caps = effectiveCapabilities([], ["chown"], true);
  assert.equal(caps.length, 38);
  assert.ok(caps.includes("CAP_CHOWN") && caps.includes("CAP_SYS_ADMIN") && caps.includes("CAP_AUDIT_READ"));
});

test("buildOciSpec() sets all three sets for root and only bounding for other users", () => {
  const root = spec().process.capabilities;
  assert.deepEqual(root, { bounding: DOCKER_DEFAULT_CAPS, effective: DOCKER_DEFAULT_CAPS, permitted: DOCKER_DEFAULT_CAPS });
  const nobody = spec({ user: { uid: 65534, gid: 65534, additionalGids: [65534] }, capDrop: ["ALL"], capAdd: ["chown"] });
  assert.deepEqual(nobody.process.capabilities, { bounding: ["CAP_CHOWN"] });
});

test("buildOciSpec() limits privileged and ALL to the host's bounding set", () => {
  const host = parseCapabilityMask("000001fffeffffff"); // CapBnd here: no CAP_SYS_RESOURCE
  assert.ok(!host.includes("CAP_SYS_RESOURCE") && host.includes("CAP_BPF"));
  const priv = spec({ privileged: true }, { ...AMD64, hostCapabilities: host });
  assert.deepEqual(priv.process.capabilities.bounding, DOCKER_ALL_BUT_SYS_RESOURCE);
  const all = spec({ capAdd: ["ALL"] }, { ...AMD64, hostCapabilities: host });
  assert.deepEqual(all.process.capabilities.bounding, DOCKER_ALL_BUT_SYS_RESOURCE);
  const explicit = spec({ capAdd: ["SYS_RESOURCE"] }, { ...AMD64, hostCapabilities: host });
  assert.ok(explicit.process.capabilities.bounding.includes("CAP_SYS_RESOURCE"), "explicit adds are left to runc");
});

test("parseCapabilityMask() decodes CapEff of Docker's defaults", () => {
  assert.deepEqual(new Set(parseCapabilityMask("00000000a80425fb")), new Set(DOCKER_DEFAULT_CAPS));
});

// ---------------------------------------------------------------------------------------------
// Mounts, paths, namespaces

test("buildOciSpec() writes Docker's default mounts with the shm size", () => {
  assert.deepEqual(spec({ resources: { shmSize: 33554432 } }).mounts, [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=33554432"] },
  ]);
  assert.deepEqual(mount(spec({ resources: { shmSize: 0 } }), "/dev/shm")?.options.at(-1), "size=67108864");
});

test("buildOciSpec() lets user mounts replace defaults and sorts them parents first", () => {
  const s = spec({
    mounts: [
      { destination: "/data/sub", type: "bind", source: "/v/sub", options: ["rbind", "rprivate"] },
      { destination: "/data", type: "bind", source: "/v", options: ["rbind", "rprivate"] },
      { destination: "/dev/shm", type: "bind", source: "/host/shm", options: ["rbind"] },
    ],
  });
  assert.deepEqual(
    s.mounts.filter((m) => m.destination === "/dev/shm").map((m) => m.source),
    ["/host/shm"],
  );
  assert.deepEqual(
    s.mounts.slice(-3).map((m) => m.destination),
    ["/data", "/data/sub", "/dev/shm"],
  );
  const dev = spec({ mounts: [{ destination: "/dev", type: "bind", source: "/dev", options: ["rbind"] }] });
  assert.deepEqual(
    dev.mounts.map((m) => m.destination),
    ["/proc", "/sys", "/sys/fs/cgroup", "/dev"],
  );
});

test("buildOciSpec() masks and protects Docker's paths by default", () => {
  const s = spec();
  for (const p of [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
  ]) {
    assert.ok(s.linux.maskedPaths?.includes(p), p);
  }
  assert.deepEqual(s.linux.readonlyPaths, ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]);
  assert.deepEqual(spec({ maskedPaths: ["/x"], readonlyPaths: [] }).linux.maskedPaths, ["/x"]);
  assert.equal(spec({ readonlyPaths: [] }).linux.readonlyPaths, undefined);
});

test("buildOciSpec() for --privileged: no masks, no seccomp, writable /sys, any device", () => {
  const s = spec({ privileged: true });
  assert.equal(s.linux.maskedPaths, undefined);
  assert.equal(s.linux.readonlyPaths, undefined);
  assert.equal(s.linux.seccomp, undefined);
  assert.deepEqual(mount(s, "/sys")?.options, ["nosuid", "noexec", "nodev"]);
  assert.deepEqual(mount(s, "/sys/fs/cgroup")?.options, ["nosuid", "noexec", "nodev"]);
  assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: "rwm" }]);
});

test("buildOciSpec() for --read-only marks the root and the remaining default mounts", () => {
  const s = spec({ readonlyRootfs: true, mounts: [{ destination: "/run", type: "tmpfs", source: "tmpfs", options: ["rprivate"] }] });
  assert.deepEqual(s.root, { path: "/var/lib/berth/c/rootfs", readonly: true });
  assert.deepEqual(mount(s, "/proc")?.options, ["nosuid", "noexec", "nodev"]);
  assert.deepEqual(mount(s, "/dev/shm")?.options.includes("ro"), false);
  assert.deepEqual(mount(s, "/sys")?.options, ["nosuid", "noexec", "nodev", "ro"]);
  assert.deepEqual(mount(s, "/run")?.options, ["rprivate"], "user mounts keep their own options");
  assert.deepEqual(spec().root, { path: "/var/lib/berth/c/rootfs" });
});

test("buildOciSpec() gives --network none a fresh netns and host none", () => {
  const none = spec({ network: { kind: "none" } });
  assert.deepEqual(none.linux.namespaces, [{ type: "mount" }, { type: "network" }, { type: "uts" }, { type: "pid" }, { type: "ipc" }]);
  assert.deepEqual(none.linux.sysctl, { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647" });
  const host = spec({ network: { kind: "host" } });
  assert.deepEqual(
    host.linux.namespaces.map((n) => n.type),
    ["mount", "uts", "pid", "ipc"],
  );
  assert.equal(host.linux.sysctl, undefined, "net sysctls would touch the host");
  const joined = spec({ network: { kind: "path", path: "/run/berth/netns/x" }, sysctls: { "net.ipv4.ping_group_range": "0 0" } });
  assert.deepEqual(joined.linux.namespaces[1], { type: "network", path: "/run/berth/netns/x" });
  assert.equal(joined.linux.sysctl?.["net.ipv4.ping_group_range"], "0 0");
  assert.equal(spec({ cgroupns: "private" }).linux.namespaces.at(-1)?.type, "cgroup");
});

// ---------------------------------------------------------------------------------------------
// Process, resources, devices

test("buildOciSpec() fills the process like Docker", () => {
  const s = spec({ terminal: true, noNewPrivileges: true, cwd: "" });
  assert.equal(s.ociVersion, "1.0.2-dev");
  assert.equal(s.process.terminal, true);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.process.cwd, "/");
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(s.hostname, "ee9781d38b05");
  assert.equal(s.linux.cgroupsPath, "/berth/ee9781d38b05");
  const plain = spec();
  assert.equal(plain.process.terminal, undefined);
  assert.equal(plain.process.noNewPrivileges, undefined);
  assert.equal(plain.process.rlimits, undefined, "Docker sets no rlimits by default");
});

test("buildOciSpec() runs --init as /sbin/docker-init with a read-only bind", () => {
  const s = spec({ init: "/usr/bin/tini-static" });
  assert.deepEqual(s.process.args, ["/sbin/docker-init", "--", "sleep", "1000"]);
  assert.deepEqual(mount(s, "/sbin/docker-init"), {
    destination: "/sbin/docker-init",
    type: "bind",
    source: "/usr/bin/tini-static",
    options: ["bind", "ro"],
  });
});

test("buildOciSpec() maps memory, cpus and pids as dockerd 20.10 does", () => {
  // docker run --memory 64m --cpus 1.5 --pids-limit 100
  const s = spec({ resources: { memory: 67108864, nanoCpus: 1_500_000_000, pidsLimit: 100, shmSize: 67108864 } });
  assert.deepEqual(s.linux.resources.memory, { limit: 67108864, swap: 134217728 });
  assert.deepEqual(s.linux.resources.cpu, { quota: 150000, period: 100000 });
  assert.deepEqual(s.linux.resources.pids, { limit: 100 });
  const unlimitedSwap = spec({ resources: { memory: 67108864, memorySwap: -1, shmSize: 0 } });
  assert.deepEqual(unlimitedSwap.linux.resources.memory, { limit: 67108864 });
  assert.deepEqual(spec({ resources: { pidsLimit: 0, shmSize: 0 } }).linux.resources.pids, { limit: -1 });
  const none = spec().linux.resources;
  assert.equal(none.memory, undefined);
  assert.equal(none.cpu, undefined);
  assert.equal(none.pids, undefined);
  assert.deepEqual(spec({ resources: { memory: 67108864, shmSize: 0 } }, { ...AMD64, swapAccounting: false }).linux.resources.memory, {
    limit: 67108864,
  });
});

test("buildOciSpec() rejects memory settings with Docker's messages", () => {
  const r = (memory: number, memorySwap?: number) => () =>
    spec({ resources: memorySwap === undefined ? { memory, shmSize: 0 } : { memory, memorySwap, shmSize: 0 } });
  assert.throws(r(1 << 20), { message: "Minimum memory limit allowed is 6MB" });
  assert.throws(r(0, 10 << 20), { message: "You should always set the Memory limit when using Memoryswap limit, see usage" });
  assert.throws(r(10 << 20, 5 << 20), { message: "Minimum memoryswap limit should be larger than memory limit, see usage" });
});

test("buildOciSpec() keeps Docker's device cgroup rules and appends --device ones", () => {
  const s = spec({ devices: [{ pathOnHost: "/dev/null", pathInContainer: "/dev/mynull", permissions: "rw" }] });
  assert.deepEqual(s.linux.resources.devices, [
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 5, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 9, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 8, access: "rwm" },
    { allow: true, type: "c", major: 5, minor: 0, access: "rwm" },
    { allow: true, type: "c", major: 5, minor: 1, access: "rwm" },
    { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 3, access: "rw" },
  ]);
  assert.deepEqual(s.linux.devices, [{ path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
  assert.equal(spec().linux.devices, undefined);
});

test("buildOciSpec() reports bad --device paths with Docker's messages", () => {
  const dev =
    (pathOnHost: string, permissions = "rwm") =>
    () =>
      spec({ devices: [{ pathOnHost, pathInContainer: pathOnHost, permissions }] });
  assert.throws(dev("/dev/nope"), {
    message: 'error gathering device information while adding custom device "/dev/nope": no such file or directory',
  });
  assert.throws(dev("/etc/passwd"), {
    message: 'error gathering device information while adding custom device "/etc/passwd": not a device node',
  });
  assert.throws(dev("/dev/null", "rwx"), { message: "invalid device mode: rwx" });
});

test("buildOciSpec() clamps ulimits to the host's hard limits", () => {
  const hostRlimits = parseProcLimits(
    [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             96365                96365                processes ",
      "Max open files            20000                20000                files     ",
      "Max core file size        0                    unlimited            bytes     ",
    ].join("\n"),
  );
  assert.deepEqual(hostRlimits, { nproc: 96365, nofile: 20000, core: Infinity });
  const s = spec(
    {
      ulimits: [
        { name: "nofile", soft: 1000, hard: 2000 },
        { name: "nproc", soft: 1048576, hard: 1048576 },
        { name: "core", soft: -1, hard: -1 },
      ],
    },
    { ...AMD64, hostRlimits },
  );
  assert.deepEqual(s.process.rlimits, [
    { type: "RLIMIT_NOFILE", hard: 2000, soft: 1000 },
    { type: "RLIMIT_NPROC", hard: 96365, soft: 96365 },
    { type: "RLIMIT_CORE", hard: -1, soft: -1 },
  ]);
  const unlimitedHost = spec({ ulimits: [{ name: "nofile", soft: -1, hard: -1 }] }, { ...AMD64, hostRlimits });
  assert.deepEqual(unlimitedHost.process.rlimits, [{ type: "RLIMIT_NOFILE", hard: 20000, soft: 20000 }]);
  assert.throws(() => spec({ ulimits: [{ name: "nofiles", soft: 1, hard: 1 }] }), { message: "invalid ulimit type: nofiles" });
  assert.throws(() => spec({ ulimits: [{ name: "nofile", soft: 2, hard: 1 }] }), /soft limit must be less than or equal to hard limit/);
});

test("formatOciSpec() writes unlimited rlimits as runc's uint64 RLIM_INFINITY", () => {
  const s = spec({
    args: ["-1", "rlim-infinity"],
    ulimits: [
      { name: "core", soft: -1, hard: -1 },
      { name: "nofile", soft: 10, hard: 20 },
    ],
  });
  const text = formatOciSpec(s);
  assert.match(text, /"type": "RLIMIT_CORE",\s*"hard": 18446744073709551615,\s*"soft": 18446744073709551615/);
  assert.match(text, /"type": "RLIMIT_NOFILE",\s*"hard": 20,\s*"soft": 10/);
  assert.deepEqual(JSON.parse(text).process.args, ["-1", "rlim-infinity"]);
  assert.deepEqual(JSON.parse(formatOciSpec(spec())), spec());
});

// ---------------------------------------------------------------------------------------------
// Seccomp

test("dockerSeccompToOci() keeps cap-conditional rules only when the cap is in the set", () => {
  const plain = dockerSeccompToOci(TEST_PROFILE, { capabilities: DOCKER_DEFAULT_CAPS, arch: "amd64", kernelRelease: "6.1.0" });
  const allowMount = plain?.syscalls?.find((c) => c.names.includes("mount"));
  assert.deepEqual(allowMount, { names: ["bpf", "mount"], action: "SCMP_ACT_ERRNO", errnoRet: 1 });
  const admin = dockerSeccompToOci(TEST_PROFILE, {
    capabilities: [...DOCKER_DEFAULT_CAPS, "CAP_SYS_ADMIN"],
    arch: "amd64",
    kernelRelease: "6.1.0",
  });
  assert.deepEqual(
    admin?.syscalls?.find((c) => c.names.includes("mount")),
    { names: ["bpf", "mount"], action: "SCMP_ACT_ALLOW" },
  );
  assert.ok(!syscallNames(spec()).includes("reboot"), "every listed cap must be present");
  assert.ok(syscallNames(spec({ capAdd: ["SYS_BOOT", "SYS_ADMIN"] })).includes("reboot"));
});

test("dockerSeccompToOci() filters by architecture and picks the archMap entry", () => {
  const amd = dockerSeccompToOci(TEST_PROFILE, { capabilities: [], arch: "x64", kernelRelease: "6.1" });
  assert.deepEqual(amd?.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  assert.ok(seccompNames(amd).includes("arch_prctl"));
  assert.ok(!seccompNames(amd).includes("breakpoint"));
  const arm = dockerSeccompToOci(TEST_PROFILE, { capabilities: [], arch: "arm64", kernelRelease: "6.1" });
  assert.deepEqual(arm?.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  const armNames = seccompNames(arm);
  assert.ok(armNames.includes("breakpoint") && !armNames.includes("arch_prctl"));
  const s390 = dockerSeccompToOci(TEST_PROFILE, { capabilities: [], arch: "s390x", kernelRelease: "6.1" });
  assert.equal(s390?.architectures, undefined, "no archMap entry: libseccomp's native arch");
});

test("dockerSeccompToOci() evaluates minKernel and passes errno fields through", () => {
  const names = (kernelRelease: string) =>
    seccompNames(dockerSeccompToOci(TEST_PROFILE, { capabilities: [], arch: "amd64", kernelRelease }));
  assert.ok(names("4.8.0-generic").includes("ptrace") && !names("4.8.0").includes("old_ptrace"));
  assert.ok(!names("4.4.0").includes("ptrace") && names("4.4.0").includes("old_ptrace"));
  const out = dockerSeccompToOci(TEST_PROFILE, { capabilities: [], arch: "amd64", kernelRelease: "6.1" });
  assert.equal(out?.defaultAction, "SCMP_ACT_ERRNO");
  assert.equal(out?.defaultErrnoRet, 38);
  assert.deepEqual(
    out?.syscalls?.find((c) => c.names[0] === "personality"),
    {
      names: ["personality"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }],
    },
  );
  assert.deepEqual(
    out?.syscalls?.find((c) => c.names[0] === "reboot"),
    undefined,
  );
});

test("dockerSeccompToOci() rejects contradictory profiles and disables on empty ones", () => {
  const ctx = { capabilities: [], arch: "amd64", kernelRelease: "6.1" };
  assert.equal(dockerSeccompToOci({}, ctx), undefined);
  assert.throws(
    () => dockerSeccompToOci({ ...TEST_PROFILE, architectures: ["SCMP_ARCH_X86_64"] }, ctx),
    /use either 'architectures' or 'archMap'/,
  );
  assert.throws(
    () => dockerSeccompToOci({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ name: "a", names: ["b"], action: "SCMP_ACT_ALLOW" }] }, ctx),
    /use either 'name' or 'names'/,
  );
  assert.throws(() => dockerSeccompToOci({ defaultAction: 1 }, ctx), /Decoding seccomp profile failed/);
  assert.throws(() => dockerSeccompToOci("nope", ctx), /Decoding seccomp profile failed/);
});

test("buildOciSpec() reads the default profile file, and names the package when it is missing", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-seccomp-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "seccomp.json");
  fs.writeFileSync(file, JSON.stringify(TEST_PROFILE));
  const s = spec({ seccomp: { kind: "default" } }, { ...AMD64, seccompProfilePath: file });
  assert.equal(s.linux.seccomp?.defaultErrnoRet, 38);
  assert.equal(spec({ seccomp: { kind: "unconfined" } }).linux.seccomp, undefined);
  assert.throws(
    () => spec({ seccomp: { kind: "default" } }, { ...AMD64, seccompProfilePath: path.join(dir, "missing.json") }),
    /golang-github-containers-common/,
  );
});

test(
  "buildOciSpec() converts the installed containers-common profile",
  { skip: !fs.existsSync(DEFAULT_SECCOMP_PROFILE_PATH) && `${DEFAULT_SECCOMP_PROFILE_PATH} is not installed` },
  () => {
    const s = spec({ seccomp: { kind: "default" } }, { arch: "x64", kernelRelease: "6.1.0" });
    const names = syscallNames(s);
    assert.ok(names.includes("read") && names.includes("arch_prctl") && names.includes("chroot"));
    assert.ok(!names.includes("s390_pci_mmio_read"));
    const allowed = (s.linux.seccomp?.syscalls ?? []).filter((c) => c.action === "SCMP_ACT_ALLOW").flatMap((c) => c.names);
    assert.ok(!allowed.includes("bpf"), "bpf is allowed only with CAP_SYS_ADMIN");
    assert.ok(JSON.stringify(s.linux.seccomp).indexOf('"errno"') === -1, "containers-common's errno names are not OCI");
  },
);

// ---------------------------------------------------------------------------------------------
// The real thing: runc runs what buildOciSpec() writes.

function buildBusyboxBundle(dir: string): string {
  const rootfs = path.join(dir, "rootfs");
  fs.mkdirSync(path.join(rootfs, "bin"), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(rootfs, "bin/busybox"));
  fs.chmodSync(path.join(rootfs, "bin/busybox"), 0o755);
  for (const applet of ["sh", "true", "echo", "cat", "id", "grep"]) fs.symlinkSync("busybox", path.join(rootfs, "bin", applet));
  return rootfs;
}

function hostOptions(): BuildOciSpecOptions {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0";
  return { hostCapabilities: parseCapabilityMask(capBnd), hostRlimits: parseProcLimits(fs.readFileSync("/proc/self/limits", "utf8")) };
}

function runInRunc(
  t: { after(fn: () => void): void },
  over: Partial<RuntimeSpecInput>,
): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-runc-"));
  const id = `berth-oci-test-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const state = path.join(dir, "state");
  t.after(() => {
    spawnSync("runc", ["--root", state, "delete", "-f", id]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const rootfs = buildBusyboxBundle(dir);
  const config = buildOciSpec(
    baseInput({
      rootfs,
      args: [
        "/bin/sh",
        "-c",
        "echo ok; cat /proc/self/status | grep -E 'CapEff|Seccomp:|NoNewPrivs'; id; echo core=$(ulimit -c) nofile=$(ulimit -n)",
      ],
      env: ["PATH=/bin"],
      hostname: "berthtest",
      cgroupsPath: `/${id}`,
      seccomp: { kind: "default" },
      // 1048576 is above these hosts' hard limit: clamped, or runc would fail (DESIGN.md).
      ulimits: [
        { name: "nofile", soft: 1024, hard: 1048576 },
        { name: "core", soft: -1, hard: -1 },
      ],
      resources: { memory: 64 << 20, pidsLimit: 64, shmSize: 0 },
      ...over,
    }),
    hostOptions(),
  );
  fs.writeFileSync(path.join(dir, "config.json"), formatOciSpec(config));
  const result = spawnSync("runc", ["--root", state, "run", "--bundle", dir, id], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const runcSkip =
  process.getuid?.() !== 0
    ? "runc needs root"
    : !fs.existsSync("/usr/sbin/runc")
      ? "runc is not installed"
      : !fs.existsSync("/bin/busybox")
        ? "busybox-static is not installed"
        : !fs.existsSync(DEFAULT_SECCOMP_PROFILE_PATH)
          ? `${DEFAULT_SECCOMP_PROFILE_PATH} is not installed`
          : false;

test("runc runs a default buildOciSpec() config with Docker's capabilities and seccomp", { skip: runcSkip }, (t) => {
  const r = runInRunc(t, {});
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok$/m);
  assert.match(r.stdout, /^CapEff:\s+00000000a80425fb$/m);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  assert.match(r.stdout, /^NoNewPrivs:\s+0$/m);
  assert.match(r.stdout, /uid=0 gid=0 groups=0/);
  const coreHard = hostOptions().hostRlimits?.["core"] ?? Infinity;
  assert.match(r.stdout, new RegExp(`^core=${coreHard === Infinity ? "unlimited" : "\\d+"} nofile=1024$`, "m"));
});

test("runc runs a privileged config on a host without CAP_SYS_RESOURCE", { skip: runcSkip }, (t) => {
  const r = runInRunc(t, { privileged: true, noNewPrivileges: true, user: { uid: 0, gid: 0, additionalGids: [0, 10] } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok$/m);
  assert.match(r.stdout, /^Seccomp:\s+0$/m);
  assert.match(r.stdout, /^NoNewPrivs:\s+1$/m);
  assert.match(r.stdout, /groups=0,10/);
});
