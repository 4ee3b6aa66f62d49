// Turns a container's settings into the OCI runtime spec (config.json) that runc 1.1 runs, with
// Docker 20.10's defaults: moby v20.10.24 oci/defaults.go, oci/caps, daemon/oci_linux.go,
// daemon/daemon_unix.go and profiles/seccomp, checked against the config.json dockerd 20.10.24
// writes on these machines. Reads only the seccomp profile file and --device nodes.
//
// berth's --privileged gives every capability the host's bounding set holds, no seccomp, no masked
// or read-only paths, a writable /sys and /sys/fs/cgroup and an allow-all device cgroup; unlike
// Docker it does not copy the host's device nodes into the container (only --device ones).
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InvalidArgumentError, UnavailableError } from "../errors.js";

export interface Mount { destination: string; type: string; source: string; options: string[] }

export type SeccompSetting =
  | { kind: "default" }
  | { kind: "unconfined" }
  | { kind: "profile"; profile: unknown /* Docker-format JSON, already parsed */ };

export interface RuntimeSpecInput {
  /** Absolute path of the already-mounted rootfs. */
  rootfs: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  hostname: string;
  privileged: boolean;
  /** Docker spellings: "NET_ADMIN", "cap_net_admin", "ALL". */
  capAdd: string[];
  capDrop: string[];
  noNewPrivileges: boolean;
  seccomp: SeccompSetting;
  /**
   * User mounts (binds, tmpfs, volumes) and the /etc/hosts|hostname|resolv.conf binds, with their
   * final options ("ro" under --read-only included). A user mount replaces the default mount at
   * the same destination; one at /dev replaces every default below /dev, as in Docker.
   */
  mounts: Mount[];
  /** --device; `permissions` is a subset of "rwm". */
  devices: { pathOnHost: string; pathInContainer: string; permissions: string }[];
  network: { kind: "host" } | { kind: "none" } | { kind: "path"; path: string };
  resources: { memory?: number; memorySwap?: number; nanoCpus?: number; pidsLimit?: number; shmSize: number };
  /** --ulimit, by Docker's names ("nofile", "nproc", …); -1 means unlimited, as in Docker's API. */
  ulimits: { name: string; soft: number; hard: number }[];
  /** e.g. "/berth/<id>" */
  cgroupsPath: string;
  /** Overrides (HostConfig.MaskedPaths/ReadonlyPaths); Docker's lists when absent. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctls?: Record<string, string>;
  /** --init: host path of a static init (tini-static), bound at /sbin/docker-init as in Docker. */
  init?: string;
  /** Docker 20.10 makes the cgroup namespace private only on cgroup v2 hosts; these hosts are v1. */
  cgroupns?: "host" | "private";
  /** --pid, --ipc, --uts: a new namespace (the default), the host's, or another container's (its /proc/PID/ns path). */
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: NamespaceMode;
}

export type NamespaceMode = { kind: "private" } | { kind: "host" } | { kind: "path"; path: string };

export interface BuildOciSpecOptions {
  /** Docker-format profile used for `seccomp: { kind: "default" }`. */
  seccompProfilePath?: string;
  /**
   * Hard limits of the engine's own process by ulimit name (see parseProcLimits). A container
   * cannot raise a hard limit without CAP_SYS_RESOURCE, which these hosts lack, so requested
   * ulimits are clamped to them instead of failing in runc ("error setting rlimit type 7").
   */
  hostRlimits?: Readonly<Record<string, number>>;
  /**
   * The engine's bounding set (see parseCapabilityMask). runc cannot grant a capability outside
   * it, so the ones implied by --privileged or --cap-add ALL are limited to it; without this,
   * Docker 20.10's --privileged fails here with "unable to apply caps: operation not permitted".
   */
  hostCapabilities?: readonly string[];
  /** Whether the memory cgroup has memsw files; without them Docker drops the swap limit. */
  swapAccounting?: boolean;
  /** Node's process.arch (default) or a libseccomp name such as "amd64". */
  arch?: string;
  /** For the profile's minKernel conditions; os.release() by default. */
  kernelRelease?: string;
}

// ---------------------------------------------------------------------------------------------
// The emitted spec (the subset of runtime-spec 1.0.2 berth writes).

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: OciLinux;
}

export interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective?: string[]; permitted?: string[] };
  /** -1 is RLIM_INFINITY; formatOciSpec writes it as the uint64 runc expects. */
  rlimits?: { type: string; hard: number; soft: number }[];
  noNewPrivileges?: boolean;
  oomScoreAdj: number;
}

export interface OciLinux {
  sysctl?: Record<string, string>;
  resources: OciResources;
  cgroupsPath: string;
  namespaces: { type: string; path?: string }[];
  seccomp?: OciSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  devices?: OciDevice[];
}

export interface OciResources {
  devices: OciDeviceRule[];
  memory?: { limit?: number; swap?: number };
  cpu?: { quota: number; period: number };
  pids?: { limit: number };
}

export interface OciDeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access: string }
export interface OciDevice { path: string; type: string; major: number; minor: number; fileMode: number; uid: number; gid: number }

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: OciSyscall[];
}
export interface OciSyscall { names: string[]; action: string; errnoRet?: number; args?: OciSeccompArg[] }
export interface OciSeccompArg { index: number; value: number; valueTwo?: number; op: string }

// ---------------------------------------------------------------------------------------------
// Docker 20.10's defaults.

/** What dockerd 20.10 writes (runc 1.1.5 reports spec "1.0.2-dev"). */
const OCI_VERSION = "1.0.2-dev";

export const DEFAULT_SECCOMP_PROFILE_PATH = "/usr/share/containers/seccomp.json";

/** daemon/config DefaultShmSize: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** daemon_unix.go linuxMinMemory. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** oci/caps/defaults.go, in Docker's order (CapEff 0xa80425fb). */
export const DEFAULT_CAPABILITIES: readonly string[] = Object.freeze([
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]);

/**
 * Every capability by bit number. Docker 20.10 stops at CAP_AUDIT_READ (37): caps.GetAllCapabilities
 * leaves out PERFMON, BPF and CHECKPOINT_RESTORE, so "ALL" means bits 0..37 and `--cap-add BPF`
 * is an unknown capability, as on the reference engine.
 */
const CAPABILITY_BITS: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];
const LAST_DOCKER_CAP = CAPABILITY_BITS.indexOf("CAP_AUDIT_READ");
const ALL_CAPABILITIES: readonly string[] = CAPABILITY_BITS.slice(0, LAST_DOCKER_CAP + 1);

/**
 * Docker 20.10.24's list plus what later releases mask for the same reasons: powercap (20.10.27,
 * GHSA-jq35-85cj-fj4p) and /proc/interrupts (GHSA-6fw5-f8r9-fgfm). SECURITY-NOTES (b2) picks the
 * newer list for berth; master's per-CPU thermal_throttle entries need a host probe and are left out.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = Object.freeze([
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
  "/proc/interrupts",
]);

export const DEFAULT_READONLY_PATHS: readonly string[] = Object.freeze([
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
]);

/** oci/defaults.go Mounts; /dev/shm gets size= appended (oci_linux.go WithMounts). */
function defaultMounts(shmSize: number): Mount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    {
      destination: "/dev/pts", type: "devpts", source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/dev/shm", type: "tmpfs", source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${shmSize > 0 ? shmSize : DEFAULT_SHM_SIZE}`],
    },
  ];
}

/**
 * oci/defaults.go device cgroup: deny all, allow zero, null, urandom, random, tty, console, and deny
 * fuse explicitly. runc creates the default nodes (null, zero, full, random, urandom, tty, ptmx) and
 * adds its own allow rules for them, so the spec lists no devices.
 */
function defaultDeviceRules(): OciDeviceRule[] {
  const allow = (major: number, minor: number): OciDeviceRule => ({ allow: true, type: "c", major, minor, access: "rwm" });
  return [
    { allow: false, access: "rwm" },
    allow(1, 5), allow(1, 3), allow(1, 9), allow(1, 8), allow(5, 0), allow(5, 1),
    { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
  ];
}

/** Where Docker binds --init's binary (daemonconfig.DefaultInitBinary under /sbin). */
const IN_CONTAINER_INIT_PATH = "/sbin/docker-init";

// ---------------------------------------------------------------------------------------------
// The spec.

/** Builds config.json for runc from the container's settings; see the file comment for sources. */
export function buildOciSpec(input: RuntimeSpecInput, opts: BuildOciSpecOptions = {}): OciSpec {
  const capabilities = containerCapabilities(input, opts.hostCapabilities);
  const seccomp = seccompFor(input, capabilities, opts);
  const devices = input.devices.flatMap((d) => devicesFromPath(d.pathOnHost, d.pathInContainer, d.permissions));

  const sysctl = buildSysctls(input);
  const linux: OciLinux = {
    ...(Object.keys(sysctl).length > 0 ? { sysctl } : {}),
    resources: buildResources(input, devices, opts.swapAccounting ?? true),
    cgroupsPath: input.cgroupsPath,
    namespaces: buildNamespaces(input),
  };
  if (seccomp) linux.seccomp = seccomp;
  // moby clears both lists for --privileged, but an explicit override is applied after that.
  const masked = input.maskedPaths ?? (input.privileged ? [] : [...DEFAULT_MASKED_PATHS]);
  const readonly = input.readonlyPaths ?? (input.privileged ? [] : [...DEFAULT_READONLY_PATHS]);
  if (masked.length > 0) linux.maskedPaths = masked;
  if (readonly.length > 0) linux.readonlyPaths = readonly;
  if (devices.length > 0) linux.devices = devices.map((d) => d.device);

  return {
    ociVersion: OCI_VERSION,
    process: buildProcess(input, capabilities, opts.hostRlimits),
    root: input.readonlyRootfs ? { path: input.rootfs, readonly: true } : { path: input.rootfs },
    // A hostname needs a UTS namespace of the container's own.
    ...((input.uts ?? { kind: "private" }).kind === "private" ? { hostname: input.hostname } : {}),
    mounts: buildMounts(input),
    linux,
  };
}

function buildProcess(input: RuntimeSpecInput, capabilities: string[], hostRlimits: BuildOciSpecOptions["hostRlimits"]): OciProcess {
  const rlimits = input.ulimits.map((u) => toRlimit(u, hostRlimits));
  // Keys in runtime-spec's (and so dockerd's) order, to keep config.json diffable against Docker's.
  return {
    ...(input.terminal ? { terminal: true } : {}),
    user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
    args: input.init ? [IN_CONTAINER_INIT_PATH, "--", ...input.args] : [...input.args],
    env: [...input.env],
    cwd: input.cwd === "" ? "/" : input.cwd,
    // oci.SetCapabilities: a non-root user gets only the bounding set, as execve would leave it.
    capabilities: input.user.uid === 0
      ? { bounding: capabilities, effective: [...capabilities], permitted: [...capabilities] }
      : { bounding: capabilities },
    ...(rlimits.length > 0 ? { rlimits } : {}),
    ...(input.noNewPrivileges ? { noNewPrivileges: true } : {}),
    oomScoreAdj: 0,
  };
}

/** RLIM_INFINITY as runc decodes it (uint64); JavaScript numbers cannot print it exactly. */
const RLIM_INFINITY_JSON = "18446744073709551615";

/**
 * config.json text for a spec: JSON.stringify, except that an rlimit of -1 is written as
 * RLIM_INFINITY (runc's rlimits are uint64 and reject -1). Use this, not JSON.stringify, to write
 * the bundle.
 */
export function formatOciSpec(spec: OciSpec): string {
  const rlimits = spec.process.rlimits;
  if (!rlimits?.some((r) => r.hard < 0 || r.soft < 0)) return JSON.stringify(spec, null, 2);
  // A per-call marker cannot collide with any string in the spec (args, env, paths).
  const marker = `rlim-infinity-${randomUUID()}`;
  const mark = (n: number) => (n < 0 ? marker : n);
  const marked = { ...spec, process: { ...spec.process, rlimits: rlimits.map((r) => ({ type: r.type, hard: mark(r.hard), soft: mark(r.soft) })) } };
  return JSON.stringify(marked, null, 2).replaceAll(JSON.stringify(marker), RLIM_INFINITY_JSON);
}

// ---------------------------------------------------------------------------------------------
// Mounts.

/**
 * Docker's defaults minus those a user mount replaces, then the --init bind, then the user mounts
 * with parents before children (moby sorts them by path depth).
 */
function buildMounts(input: RuntimeSpecInput): Mount[] {
  const userMounts = sortByDepth(input.mounts).map(copyMount);
  const userDestinations = new Set(userMounts.map((m) => path.posix.normalize(m.destination)));
  const replacesDev = userDestinations.has("/dev");
  const defaults = defaultMounts(input.resources.shmSize)
    .filter((m) => !userDestinations.has(m.destination) && !(replacesDev && m.destination.startsWith("/dev/")))
    .map((m) => adjustDefaultMount(m, input));
  const init: Mount[] = input.init
    ? [{ destination: IN_CONTAINER_INIT_PATH, type: "bind", source: input.init, options: ["bind", "ro"] }]
    : [];
  return [...defaults, ...init, ...userMounts];
}

/**
 * --read-only adds "ro" to the defaults that are not kernel filesystems a process must write;
 * --privileged makes /sys and the cgroup mount writable (oci_linux.go WithMounts).
 */
function adjustDefaultMount(m: Mount, input: RuntimeSpecInput): Mount {
  const writableUnderReadonly = ["/proc", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev"];
  let options = m.options;
  if (input.readonlyRootfs && !writableUnderReadonly.includes(m.destination) && !options.includes("ro")) {
    options = [...options, "ro"];
  }
  if (input.privileged && (m.destination === "/sys" || m.type === "cgroup")) {
    options = options.filter((o) => o !== "ro");
  }
  return { ...m, options };
}

function sortByDepth(mounts: readonly Mount[]): Mount[] {
  const depth = (m: Mount) => path.posix.normalize(m.destination).split("/").length;
  return [...mounts].sort((a, b) => depth(a) - depth(b)); // stable: equal depths keep the caller's order
}

function copyMount(m: Mount): Mount {
  return { destination: m.destination, type: m.type, source: m.source, options: [...m.options] };
}

// ---------------------------------------------------------------------------------------------
// Namespaces and sysctls.

function buildNamespaces(input: RuntimeSpecInput): { type: string; path?: string }[] {
  const namespaces: { type: string; path?: string }[] = [{ type: "mount" }];
  if (input.network.kind === "path") namespaces.push({ type: "network", path: input.network.path });
  // "none" is a fresh namespace: runc brings up only its loopback.
  if (input.network.kind === "none") namespaces.push({ type: "network" });
  for (const [type, mode] of [["uts", input.uts], ["pid", input.pid], ["ipc", input.ipc]] as const) {
    const m = mode ?? { kind: "private" };
    if (m.kind === "private") namespaces.push({ type });
    else if (m.kind === "path") namespaces.push({ type, path: m.path });
    // "host": no entry, so the container stays in the host's namespace.
  }
  if (input.cgroupns === "private") namespaces.push({ type: "cgroup" });
  return namespaces;
}

/**
 * oci_linux.go WithCommonOptions: in a private network namespace, unprivileged ports and ping
 * sockets are open to every user (busybox's ping depends on the latter). Both sysctls exist on
 * every kernel these machines run (≥ 4.11). User sysctls win.
 */
function buildSysctls(input: RuntimeSpecInput): Record<string, string> {
  const defaults: Record<string, string> = input.network.kind === "host"
    ? {}
    : { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647" };
  return { ...defaults, ...input.sysctls };
}

// ---------------------------------------------------------------------------------------------
// Resources.

function buildResources(input: RuntimeSpecInput, devices: readonly DeviceFromPath[], swapAccounting: boolean): OciResources {
  const resources: OciResources = { devices: deviceRules(input.privileged, devices) };
  const memory = memoryResources(input.resources, swapAccounting);
  if (memory) resources.memory = memory;
  const cpu = cpuResources(input.resources.nanoCpus);
  if (cpu) resources.cpu = cpu;
  if (input.resources.pidsLimit !== undefined) {
    // The API takes 0 and negatives as "unlimited"; runc needs -1 for that (daemon_unix.go getPidsLimit).
    resources.pids = { limit: input.resources.pidsLimit > 0 ? input.resources.pidsLimit : -1 };
  }
  return resources;
}

/** Privileged containers may use any device (Docker adds all host nodes too; berth does not). */
function deviceRules(privileged: boolean, devices: readonly DeviceFromPath[]): OciDeviceRule[] {
  if (privileged) return [{ allow: true, access: "rwm" }];
  return [...defaultDeviceRules(), ...devices.map((d) => d.rule)];
}

/**
 * daemon_unix.go verifyPlatformContainerResources and getMemoryResources: swap (memory+swap, as
 * cgroup v1's memsw) defaults to twice the memory; -1 means unlimited swap and is left unset.
 */
function memoryResources(
  r: RuntimeSpecInput["resources"],
  swapAccounting: boolean,
): { limit?: number; swap?: number } | undefined {
  const memory = r.memory ?? 0;
  let swap = r.memorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new InvalidArgumentError("Minimum memory limit allowed is 6MB");
  if (memory === 0 && swap > 0) {
    throw new InvalidArgumentError("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (memory > 0 && swap === 0) swap = memory * 2;
  if (memory > 0 && !swapAccounting) swap = -1;
  if (memory > 0 && swap > 0 && swap < memory) {
    throw new InvalidArgumentError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  const out: { limit?: number; swap?: number } = {};
  if (memory > 0) out.limit = memory;
  if (swap > 0) out.swap = swap;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** --cpus: a CFS quota over Docker's fixed 100 ms period (daemon_unix.go getCPUResources). */
function cpuResources(nanoCpus: number | undefined): { quota: number; period: number } | undefined {
  if (nanoCpus === undefined || nanoCpus <= 0) return undefined;
  const period = 100_000;
  return { quota: Math.trunc((nanoCpus * period) / 1e9), period };
}

// ---------------------------------------------------------------------------------------------
// Rlimits.

const ULIMIT_NAMES = new Set([
  "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
  "rtprio", "rttime", "sigpending", "stack",
]);

/**
 * --ulimit → RLIMIT_*, clamped to the engine's own hard limit: without CAP_SYS_RESOURCE runc's
 * setrlimit fails above it ("error setting rlimit type 7: operation not permitted" from Docker
 * here), and these hosts never grant 1048576 (DESIGN.md). Unlimited stays -1 only if the host's
 * hard limit is unlimited too.
 */
function toRlimit(
  u: { name: string; soft: number; hard: number },
  hostRlimits: BuildOciSpecOptions["hostRlimits"],
): { type: string; hard: number; soft: number } {
  if (!ULIMIT_NAMES.has(u.name)) throw new InvalidArgumentError(`invalid ulimit type: ${u.name}`);
  const soft = u.soft < 0 ? Infinity : u.soft;
  const requestedHard = u.hard < 0 ? Infinity : u.hard;
  if (soft > requestedHard) {
    throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
  }
  const hard = Math.min(requestedHard, hostRlimits?.[u.name] ?? Infinity);
  const finite = (n: number) => (n === Infinity ? -1 : n);
  return { type: `RLIMIT_${u.name.toUpperCase()}`, hard: finite(hard), soft: finite(Math.min(soft, hard)) };
}

/** Names /proc/self/limits uses, by Docker's ulimit names. */
const PROC_LIMIT_NAMES: Readonly<Record<string, string>> = {
  "Max cpu time": "cpu", "Max file size": "fsize", "Max data size": "data", "Max stack size": "stack",
  "Max core file size": "core", "Max resident set": "rss", "Max processes": "nproc", "Max open files": "nofile",
  "Max locked memory": "memlock", "Max address space": "as", "Max file locks": "locks",
  "Max pending signals": "sigpending", "Max msgqueue size": "msgqueue", "Max nice priority": "nice",
  "Max realtime priority": "rtprio", "Max realtime timeout": "rttime",
};

/** Hard limits from the text of /proc/self/limits, for BuildOciSpecOptions.hostRlimits. */
export function parseProcLimits(text: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = match?.[1] === undefined ? undefined : PROC_LIMIT_NAMES[match[1]];
    const hard = match?.[3];
    if (name === undefined || hard === undefined) continue;
    limits[name] = hard === "unlimited" ? Infinity : Number(hard);
  }
  return limits;
}

// ---------------------------------------------------------------------------------------------
// Capabilities.

/**
 * Docker 20.10's rules (oci/caps TweakCapabilities): privileged → every capability; otherwise the
 * defaults minus drops plus adds, where "ALL" in adds means every capability minus drops and "ALL"
 * in drops means exactly the adds. Names are case-insensitive, "CAP_" optional. Both lists are
 * validated first, as daemon/container.go does, even when privileged.
 */
export function effectiveCapabilities(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): string[] {
  const adds = normalizeCapabilities(capAdd, "CapAdd");
  const drops = normalizeCapabilities(capDrop, "CapDrop");
  if (privileged) return [...ALL_CAPABILITIES];
  let caps: string[];
  if (adds.includes("ALL")) caps = ALL_CAPABILITIES.filter((c) => !drops.includes(c));
  else if (drops.includes("ALL")) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)]; // Docker repeats a default that is also added; the kernel sees one
}

/** NormalizeLegacyCapabilities: upper case, "CAP_" prefix, known names only. */
function normalizeCapabilities(caps: readonly string[], field: "CapAdd" | "CapDrop"): string[] {
  return caps.map((raw) => {
    const upper = raw.toUpperCase();
    if (upper === "ALL") return upper;
    const name = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
    if (!ALL_CAPABILITIES.includes(name)) {
      throw new InvalidArgumentError(`invalid ${field}: unknown capability: ${JSON.stringify(name)}`);
    }
    return name;
  });
}

/** Docker's set, then limited to the host's bounding set where berth grants "everything". */
function containerCapabilities(input: RuntimeSpecInput, hostCapabilities: readonly string[] | undefined): string[] {
  const caps = effectiveCapabilities(input.capAdd, input.capDrop, input.privileged);
  const grantsAll = input.privileged || input.capAdd.some((c) => c.toUpperCase() === "ALL");
  if (!grantsAll || hostCapabilities === undefined) return caps;
  return caps.filter((c) => hostCapabilities.includes(c));
}

/** Capability names for a hex mask such as CapBnd in /proc/self/status, for hostCapabilities. */
export function parseCapabilityMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return CAPABILITY_BITS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

// ---------------------------------------------------------------------------------------------
// Seccomp.

/** Docker's WithSeccomp: nothing for unconfined or privileged, else the given or default profile. */
function seccompFor(input: RuntimeSpecInput, capabilities: readonly string[], opts: BuildOciSpecOptions): OciSeccomp | undefined {
  if (input.privileged || input.seccomp.kind === "unconfined") return undefined;
  const profile = input.seccomp.kind === "profile"
    ? input.seccomp.profile
    : readSeccompProfile(opts.seccompProfilePath ?? DEFAULT_SECCOMP_PROFILE_PATH);
  const ctx: { capabilities: readonly string[]; arch: string; kernelRelease?: string } = {
    capabilities,
    arch: opts.arch ?? process.arch,
  };
  if (opts.kernelRelease !== undefined) ctx.kernelRelease = opts.kernelRelease;
  return dockerSeccompToOci(profile, ctx);
}

function readSeccompProfile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UnavailableError(
        `default seccomp profile ${file} not found: install it with \`apt-get install -y golang-github-containers-common\`, ` +
          "or run with --security-opt seccomp=unconfined",
      );
    }
    throw new UnavailableError(`reading seccomp profile ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Node's process.arch → the libseccomp names Docker profiles use in includes/excludes.arches. */
const NODE_TO_NATIVE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64", ia32: "x86", arm: "arm", arm64: "arm64", ppc: "ppc", ppc64: "ppc64le", s390: "s390",
  s390x: "s390x", mips: "mips", mipsel: "mipsel", mips64el: "mipsel64", riscv64: "riscv64", loong64: "loong64",
};

/** libseccomp names → SCMP_ARCH_* (profiles/seccomp nativeToSeccomp). */
const NATIVE_TO_SCMP_ARCH: Readonly<Record<string, string>> = {
  x86: "SCMP_ARCH_X86", amd64: "SCMP_ARCH_X86_64", arm: "SCMP_ARCH_ARM", arm64: "SCMP_ARCH_AARCH64",
  mips: "SCMP_ARCH_MIPS", mips64: "SCMP_ARCH_MIPS64", mips64n32: "SCMP_ARCH_MIPS64N32", mipsel64: "SCMP_ARCH_MIPSEL64",
  mips3l64n32: "SCMP_ARCH_MIPSEL64N32", mipsel: "SCMP_ARCH_MIPSEL", ppc: "SCMP_ARCH_PPC", ppc64: "SCMP_ARCH_PPC64",
  ppc64le: "SCMP_ARCH_PPC64LE", riscv64: "SCMP_ARCH_RISCV64", s390: "SCMP_ARCH_S390", s390x: "SCMP_ARCH_S390X",
  loong64: "SCMP_ARCH_LOONGARCH64",
};

/** The shape of a Docker seccomp profile (profiles/seccomp/seccomp.go), after validation. */
interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: DockerSyscallRule[];
}
interface DockerSyscallRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args: OciSeccompArg[];
  includes: SeccompFilter;
  excludes: SeccompFilter;
}
interface SeccompFilter { caps: string[]; arches: string[]; minKernel?: [number, number] }

/**
 * Evaluates a Docker-format profile for one container, as moby's setupSeccomp does at create time:
 * picks the archMap entry of the host's architecture (plus its sub-architectures), and keeps a
 * syscall rule only if its `includes` all hold (every listed cap in `capabilities`, the arch
 * listed, the kernel at least minKernel) and no `excludes` holds. Returns undefined for a profile
 * with neither a default action nor rules (Docker's "seccomp disabled").
 * `defaultErrnoRet`, `flags` and the listener fields pass through as in moby master; runc ≥ 1.1 reads them.
 */
export function dockerSeccompToOci(
  profile: unknown,
  ctx: { capabilities: readonly string[]; arch: string; kernelRelease?: string },
): OciSeccomp | undefined {
  const p = parseDockerProfile(profile);
  if (p.defaultAction === "" && p.syscalls.length === 0) return undefined;
  const arch = NODE_TO_NATIVE_ARCH[ctx.arch] ?? ctx.arch;
  const kernel = parseKernelVersion(ctx.kernelRelease ?? os.release(), "kernel release");

  const out: OciSeccomp = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  const architectures = seccompArchitectures(p, arch);
  if (architectures.length > 0) out.architectures = architectures;
  if (p.flags !== undefined) out.flags = p.flags;
  if (p.listenerPath !== undefined) out.listenerPath = p.listenerPath;
  if (p.listenerMetadata !== undefined) out.listenerMetadata = p.listenerMetadata;

  const env = { capabilities: ctx.capabilities, arch, kernel };
  out.syscalls = p.syscalls.filter((rule) => ruleApplies(rule, env)).map(toOciSyscall);
  return out;
}

function seccompArchitectures(p: DockerSeccompProfile, arch: string): string[] {
  if (p.architectures && p.archMap) {
    throw new InvalidArgumentError(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  if (p.architectures) return [...p.architectures];
  const scmp = NATIVE_TO_SCMP_ARCH[arch];
  const entry = p.archMap?.find((a) => a.architecture === scmp);
  // No entry for this arch: leave the list empty and let libseccomp use the native one.
  return entry ? [entry.architecture, ...entry.subArchitectures] : [];
}

function ruleApplies(rule: DockerSyscallRule, env: { capabilities: readonly string[]; arch: string; kernel: [number, number] }): boolean {
  const { includes, excludes } = rule;
  if (excludes.arches.includes(env.arch)) return false;
  if (excludes.caps.some((c) => env.capabilities.includes(c))) return false;
  if (excludes.minKernel && kernelAtLeast(env.kernel, excludes.minKernel)) return false;
  if (includes.arches.length > 0 && !includes.arches.includes(env.arch)) return false;
  if (!includes.caps.every((c) => env.capabilities.includes(c))) return false;
  if (includes.minKernel && !kernelAtLeast(env.kernel, includes.minKernel)) return false;
  return true;
}

function toOciSyscall(rule: DockerSyscallRule): OciSyscall {
  const call: OciSyscall = { names: [...rule.names], action: rule.action };
  if (rule.errnoRet !== undefined) call.errnoRet = rule.errnoRet;
  if (rule.args.length > 0) call.args = rule.args.map((a) => ({ ...a }));
  return call;
}

function kernelAtLeast(current: [number, number], min: [number, number]): boolean {
  return current[0] > min[0] || (current[0] === min[0] && current[1] >= min[1]);
}

/** "<kernel>.<major>[anything]" → [kernel, major]; only these two count, as in moby. */
function parseKernelVersion(text: string, what: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(text);
  if (!match) throw new InvalidArgumentError(`invalid ${what}: ${JSON.stringify(text)}, expected "<kernel>.<major>"`);
  return [Number(match[1]), Number(match[2])];
}

// Validation of the untyped profile JSON. Unknown fields (comment, containers-common's "errno"
// names) are ignored, as Go's json.Unmarshal ignores them.

function parseDockerProfile(raw: unknown): DockerSeccompProfile {
  const obj = asObject(raw, "profile");
  const p: DockerSeccompProfile = {
    defaultAction: optionalString(obj.defaultAction, "defaultAction") ?? "",
    syscalls: optionalArray(obj.syscalls, "syscalls").map((s, i) => parseSyscallRule(s, `syscalls[${i}]`)),
  };
  const defaultErrnoRet = optionalNumber(obj.defaultErrnoRet, "defaultErrnoRet");
  if (defaultErrnoRet !== undefined) p.defaultErrnoRet = defaultErrnoRet;
  if (obj.architectures != null) p.architectures = stringArray(obj.architectures, "architectures");
  if (obj.archMap != null) {
    p.archMap = optionalArray(obj.archMap, "archMap").map((a, i) => {
      const entry = asObject(a, `archMap[${i}]`);
      return {
        architecture: optionalString(entry.architecture, `archMap[${i}].architecture`) ?? "",
        subArchitectures: entry.subArchitectures == null ? [] : stringArray(entry.subArchitectures, `archMap[${i}].subArchitectures`),
      };
    });
  }
  if (obj.flags != null) p.flags = stringArray(obj.flags, "flags");
  const listenerPath = optionalString(obj.listenerPath, "listenerPath");
  if (listenerPath) p.listenerPath = listenerPath;
  const listenerMetadata = optionalString(obj.listenerMetadata, "listenerMetadata");
  if (listenerMetadata) p.listenerMetadata = listenerMetadata;
  return p;
}

function parseSyscallRule(raw: unknown, where: string): DockerSyscallRule {
  const obj = asObject(raw, where);
  const name = optionalString(obj.name, `${where}.name`) ?? "";
  const names = obj.names == null ? [] : stringArray(obj.names, `${where}.names`);
  if (name !== "" && names.length > 0) {
    throw new InvalidArgumentError("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  }
  const rule: DockerSyscallRule = {
    names: name !== "" ? [name] : names,
    action: optionalString(obj.action, `${where}.action`) ?? "",
    args: optionalArray(obj.args, `${where}.args`).map((a, i) => parseArg(a, `${where}.args[${i}]`)),
    includes: parseFilter(obj.includes, `${where}.includes`),
    excludes: parseFilter(obj.excludes, `${where}.excludes`),
  };
  const errnoRet = optionalNumber(obj.errnoRet, `${where}.errnoRet`);
  if (errnoRet !== undefined) rule.errnoRet = errnoRet;
  return rule;
}

function parseArg(raw: unknown, where: string): OciSeccompArg {
  const obj = asObject(raw, where);
  const arg: OciSeccompArg = {
    index: optionalNumber(obj.index, `${where}.index`) ?? 0,
    value: optionalNumber(obj.value, `${where}.value`) ?? 0,
    op: optionalString(obj.op, `${where}.op`) ?? "",
  };
  const valueTwo = optionalNumber(obj.valueTwo, `${where}.valueTwo`);
  if (valueTwo) arg.valueTwo = valueTwo; // runtime-spec omits a zero valueTwo
  return arg;
}

function parseFilter(raw: unknown, where: string): SeccompFilter {
  if (raw == null) return { caps: [], arches: [] };
  const obj = asObject(raw, where);
  const filter: SeccompFilter = {
    caps: obj.caps == null ? [] : stringArray(obj.caps, `${where}.caps`),
    arches: obj.arches == null ? [] : stringArray(obj.arches, `${where}.arches`),
  };
  const minKernel = optionalString(obj.minKernel, `${where}.minKernel`);
  if (minKernel) filter.minKernel = parseKernelVersion(minKernel, "kernel version");
  return filter;
}

function profileError(where: string, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(`Decoding seccomp profile failed: ${where}: expected ${expected}`);
}

function asObject(raw: unknown, where: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw profileError(where, "an object");
  return raw as Record<string, unknown>;
}

function optionalString(raw: unknown, where: string): string | undefined {
  if (raw == null) return undefined;
  if (typeof raw !== "string") throw profileError(where, "a string");
  return raw;
}

function optionalNumber(raw: unknown, where: string): number | undefined {
  if (raw == null) return undefined;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) throw profileError(where, "an unsigned integer");
  return raw;
}

function optionalArray(raw: unknown, where: string): unknown[] {
  if (raw == null) return [];
  if (!Array.isArray(raw)) throw profileError(where, "an array");
  return raw;
}

function stringArray(raw: unknown, where: string): string[] {
  const arr = optionalArray(raw, where);
  if (!arr.every((s) => typeof s === "string")) throw profileError(where, "an array of strings");
  return arr as string[];
}

// ---------------------------------------------------------------------------------------------
// --device.

interface DeviceFromPath { device: OciDevice; rule: OciDeviceRule }

/**
 * oci/devices_linux.go DevicesFromPath: a device node (symlinks on the host resolved), or every
 * device below a directory, each with an allow rule for `permissions`.
 */
function devicesFromPath(pathOnHost: string, pathInContainer: string, permissions: string): DeviceFromPath[] {
  if (!/^[rwm]{1,3}$/.test(permissions) || new Set(permissions).size !== permissions.length) {
    throw new InvalidArgumentError(`invalid device mode: ${permissions}`);
  }
  const fail = (reason: string) =>
    new InvalidArgumentError(`error gathering device information while adding custom device ${JSON.stringify(pathOnHost)}: ${reason}`);
  let resolved: string;
  let stat: fs.BigIntStats;
  try {
    resolved = fs.realpathSync(pathOnHost);
    stat = fs.statSync(resolved, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === "ENOENT" ? "no such file or directory" : (err as Error).message);
  }
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    return [deviceEntry(stat, pathInContainer, permissions)];
  }
  const found = stat.isDirectory() ? devicesUnder(resolved, pathInContainer, permissions) : [];
  if (found.length === 0) throw fail("not a device node");
  return found;
}

function devicesUnder(dirOnHost: string, dirInContainer: string, permissions: string): DeviceFromPath[] {
  const found: DeviceFromPath[] = [];
  for (const entry of fs.readdirSync(dirOnHost, { withFileTypes: true })) {
    const hostPath = path.join(dirOnHost, entry.name);
    const containerPath = path.posix.join(dirInContainer, entry.name);
    if (entry.isDirectory()) found.push(...devicesUnder(hostPath, containerPath, permissions));
    else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
      found.push(deviceEntry(fs.lstatSync(hostPath, { bigint: true }), containerPath, permissions));
    }
  }
  return found;
}

function deviceEntry(stat: fs.BigIntStats, pathInContainer: string, permissions: string): DeviceFromPath {
  const type = stat.isCharacterDevice() ? "c" : "b";
  // glibc's major()/minor() on a 64-bit dev_t.
  const major = Number(((stat.rdev >> 8n) & 0xfffn) | ((stat.rdev >> 32n) & 0xfffff000n));
  const minor = Number((stat.rdev & 0xffn) | ((stat.rdev >> 12n) & 0xffffff00n));
  return {
    device: {
      path: pathInContainer, type, major, minor,
      fileMode: Number(stat.mode & 0o7777n), uid: Number(stat.uid), gid: Number(stat.gid),
    },
    rule: { allow: true, type, major, minor, access: permissions },
  };
}
