// What `docker info` and GET /info report, computed once for the CLI and the API: the fields of
// Docker's system.Info, filled with what berth itself has (its store driver, its runtimes, its log
// format, the host's cgroups) and nothing it lacks (no containerd, no swarm, no bridge).
import * as fs from "node:fs";
import * as os from "node:os";
import { createHash } from "node:crypto";
import type { Engine } from "../engine.js";
import { SERVER_VERSION } from "../../version.js";
import { DEFAULT_LOG_DRIVER, LOG_DRIVERS } from "../containers/log-config.js";
import { INACTIVE_SWARM_INFO } from "./swarm.js";

export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  Plugins: { Volume: string[]; Network: string[]; Authorization: null; Log: string[] };
  MemoryLimit: boolean;
  SwapLimit: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
  IPv4Forwarding: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSVersion: string;
  OSType: string;
  Architecture: string;
  IndexServerAddress: string;
  RegistryConfig: {
    AllowNondistributableArtifactsCIDRs: string[];
    AllowNondistributableArtifactsHostnames: string[];
    InsecureRegistryCIDRs: string[];
    IndexConfigs: Record<string, { Name: string; Mirrors: string[]; Secure: boolean; Official: boolean }>;
    Mirrors: string[];
  };
  NCPU: number;
  MemTotal: number;
  GenericResources: null;
  DockerRootDir: string;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Name: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  ServerVersion: string;
  Runtimes: Record<string, { path: string }>;
  DefaultRuntime: string;
  Swarm: { NodeID: string; NodeAddr: string; LocalNodeState: string; ControlAvailable: boolean; Error: string; RemoteManagers: null };
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  ContainerdCommit: { ID: string; Expected: string };
  RuncCommit: { ID: string; Expected: string };
  InitCommit: { ID: string; Expected: string };
  SecurityOptions: string[];
  Warnings: string[] | null;
}

/** Docker always allows plain HTTP to loopback (registry.go's default InsecureRegistryCIDRs). */
const LOOPBACK_CIDR = "127.0.0.0/8";

export function systemInfo(engine: Engine, opts: { debug?: boolean } = {}): SystemInfo {
  const containers = engine.store.containers.list();
  const running = containers.filter((c) => c.state.Running && !c.state.Paused).length;
  const paused = containers.filter((c) => c.state.Paused).length;
  const cgroups = cgroupSupport();
  const { defaultRuntime, runtimes, init } = engine.runtimes.inventory();
  return {
    ID: engineId(engine.config.root),
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: engine.store.images.list().length,
    // Layers are kernel overlay lower dirs and inspect calls the driver overlay2, as Docker's.
    Driver: "overlay2",
    DriverStatus: [
      ["Backing Filesystem", backingFilesystem(engine.config.root)],
      // overlay refuses upper dirs without d_type, so a working berth store has it.
      ["Supports d_type", "true"],
      // diff and commit read the container's upper dir, not a walk of the whole tree.
      ["Native Overlay Diff", "true"],
      // berth mounts with trusted.* xattrs as root, not with the userxattr option.
      ["userxattr", "false"],
    ],
    Plugins: { Volume: ["local"], Network: ["host", "null"], Authorization: null, Log: [...LOG_DRIVERS] },
    ...cgroups.flags,
    IPv4Forwarding: readTrimmed("/proc/sys/net/ipv4/ip_forward") === "1",
    Debug: opts.debug ?? false,
    NFd: countOpenFiles(),
    // Node has no goroutines; the field stays for clients that read it.
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: DEFAULT_LOG_DRIVER,
    CgroupDriver: "cgroupfs",
    CgroupVersion: cgroups.version,
    NEventsListener: 0,
    KernelVersion: os.release(),
    ...operatingSystem(),
    OSType: "linux",
    Architecture: os.machine(),
    IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: registryConfig(engine.config.registry?.insecureRegistries ?? []),
    NCPU: os.cpus().length,
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: engine.config.root,
    HttpProxy: "",
    HttpsProxy: "",
    NoProxy: "",
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: SERVER_VERSION,
    Runtimes: runtimes,
    DefaultRuntime: defaultRuntime?.name ?? "",
    Swarm: { ...INACTIVE_SWARM_INFO },
    // Containers run under conmon and outlive the berth process that started them.
    LiveRestoreEnabled: true,
    Isolation: "",
    InitBinary: init?.name ?? "",
    // berth drives the OCI runtime itself: there is no containerd.
    ContainerdCommit: { ID: "", Expected: "" },
    RuncCommit: commit(defaultRuntime?.commit ?? ""),
    InitCommit: commit(init?.commit ?? ""),
    SecurityOptions: ["name=seccomp,profile=default"],
    Warnings: cgroups.warnings.length ? cgroups.warnings : null,
  };
}

/** A stable ID per store, in the shape of Docker's engine ID (12 groups of 4). */
function engineId(root: string): string {
  return createHash("sha256")
    .update(root)
    .digest("hex")
    .slice(0, 48)
    .toUpperCase()
    .replace(/(.{4})(?!$)/g, "$1:");
}

function commit(id: string): { ID: string; Expected: string } {
  return { ID: id, Expected: id };
}

// statfs f_type values (linux/magic.h), named as Docker's fsutils names backing filesystems.
const FILESYSTEM_NAMES: ReadonlyMap<number, string> = new Map([
  [0xef53, "extfs"],
  [0x58465342, "xfs"],
  [0x9123683e, "btrfs"],
  [0x01021994, "tmpfs"],
  [0x2fc12fc1, "zfs"],
  [0x794c7630, "overlayfs"],
  [0xf2f52010, "f2fs"],
  [0x6969, "nfs"],
]);

function backingFilesystem(root: string): string {
  try {
    const type = fs.statfsSync(root).type;
    return FILESYSTEM_NAMES.get(type) ?? `<unknown> (0x${type.toString(16)})`;
  } catch {
    return "<unknown>";
  }
}

interface CgroupSupport {
  version: "1" | "2";
  flags: Pick<SystemInfo, "MemoryLimit" | "SwapLimit" | "CpuCfsPeriod" | "CpuCfsQuota" | "CPUShares" | "CPUSet" | "PidsLimit">;
  warnings: string[];
}

/** What the host's cgroups let `run` limit, and dockerd's warnings for what they do not. */
function cgroupSupport(): CgroupSupport {
  const base = "/sys/fs/cgroup";
  let version: "1" | "2";
  let flags: CgroupSupport["flags"];
  if (fs.existsSync(`${base}/cgroup.controllers`)) {
    version = "2";
    const controllers = new Set((readTrimmed(`${base}/cgroup.controllers`) ?? "").split(/\s+/));
    flags = {
      MemoryLimit: controllers.has("memory"),
      SwapLimit: controllers.has("memory"),
      CpuCfsPeriod: controllers.has("cpu"),
      CpuCfsQuota: controllers.has("cpu"),
      CPUShares: controllers.has("cpu"),
      CPUSet: controllers.has("cpuset"),
      PidsLimit: controllers.has("pids"),
    };
  } else {
    version = "1";
    flags = {
      MemoryLimit: fs.existsSync(`${base}/memory/memory.limit_in_bytes`),
      SwapLimit: fs.existsSync(`${base}/memory/memory.memsw.limit_in_bytes`),
      CpuCfsPeriod: fs.existsSync(`${base}/cpu/cpu.cfs_period_us`),
      CpuCfsQuota: fs.existsSync(`${base}/cpu/cpu.cfs_quota_us`),
      CPUShares: fs.existsSync(`${base}/cpu/cpu.shares`),
      CPUSet: fs.existsSync(`${base}/cpuset/cpuset.cpus`),
      PidsLimit: fs.existsSync(`${base}/pids`),
    };
  }
  // dockerd's daemon/info_unix.go words, in its order.
  const warnings = [
    [flags.MemoryLimit, "WARNING: No memory limit support"],
    [flags.SwapLimit, "WARNING: No swap limit support"],
    [flags.CpuCfsQuota, "WARNING: No cpu cfs quota support"],
    [flags.CpuCfsPeriod, "WARNING: No cpu cfs period support"],
    [flags.CPUShares, "WARNING: No cpu shares support"],
    [flags.CPUSet, "WARNING: No cpuset support"],
  ]
    .filter(([supported]) => !supported)
    .map(([, text]) => text as string);
  return { version, flags, warnings };
}

function operatingSystem(): { OperatingSystem: string; OSVersion: string } {
  const release = readTrimmed("/etc/os-release") ?? "";
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?`, "m").exec(release)?.[1];
  return { OperatingSystem: field("PRETTY_NAME") ?? "Linux", OSVersion: field("VERSION_ID") ?? "" };
}

/** Docker's RegistryConfig: loopback and the CIDRs given are insecure; named hosts get index entries. */
function registryConfig(insecure: readonly string[]): SystemInfo["RegistryConfig"] {
  const cidrs = [LOOPBACK_CIDR, ...insecure.filter((e) => e.includes("/") && e !== LOOPBACK_CIDR)];
  const indexConfigs: SystemInfo["RegistryConfig"]["IndexConfigs"] = {
    "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true },
  };
  for (const host of insecure.filter((e) => !e.includes("/")))
    indexConfigs[host] = { Name: host, Mirrors: [], Secure: false, Official: false };
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: cidrs,
    IndexConfigs: indexConfigs,
    Mirrors: [],
  };
}

function countOpenFiles(): number {
  try {
    return fs.readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

function readTrimmed(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}
