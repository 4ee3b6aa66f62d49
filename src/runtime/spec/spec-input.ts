// What the OCI runtime spec is built from: a container's settings, already resolved by the engine
// (image config merged, mounts and devices chosen), and the host facts the engine probed. A leaf
// module, so that every part of the spec can take these types without importing the entry.

import type { Mount } from "../../sys/mount.js";

/** A mount of the runtime spec: sys's Mount, made by the runtime at `destination` inside the container. */
export interface OciMount extends Mount {
  readonly destination: string;
}

export type SeccompSetting =
  { kind: "default" } | { kind: "unconfined" } | { kind: "profile"; profile: unknown /* Docker-format JSON, already parsed */ };

export type NamespaceMode = { kind: "private" } | { kind: "host" } | { kind: "path"; path: string };

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
  mounts: OciMount[];
  /** --device; `permissions` is a subset of "rwm". */
  devices: { pathOnHost: string; pathInContainer: string; permissions: string }[];
  network: { kind: "host" } | { kind: "none" } | { kind: "path"; path: string };
  resources: { memory?: number; memorySwap?: number; nanoCpus?: number; pidsLimit?: number; shmSize: number };
  /** CPU shares and sets, memory reservation and OOM settings, block I/O, device cgroup rules. */
  tuning?: CgroupTuning;
  /** --ulimit, by Docker's names ("nofile", "nproc", …); -1 means unlimited, as in Docker's API. */
  ulimits: { name: string; soft: number; hard: number }[];
  /** e.g. "/berth/<id>" */
  cgroupsPath: string;
  /** Overrides (HostConfig.MaskedPaths/ReadonlyPaths); Docker's lists when absent. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctls?: Record<string, string>;
  /** --annotation: the spec's annotations, for the runtime and its hooks. */
  annotations?: Record<string, string>;
  /** --init: host path of a static init (tini-static), bound at /sbin/docker-init as in Docker. */
  init?: string;
  /** Docker 20.10 makes the cgroup namespace private only on cgroup v2 hosts; these hosts are v1. */
  cgroupns?: "host" | "private";
  /** --pid, --ipc, --uts: a new namespace (the default), the host's, or another container's (its /proc/PID/ns path). */
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: NamespaceMode;
}

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

export interface DeviceRate {
  path: string;
  rate: number;
}

/** Zero, empty or absent means "not set", as in Docker's HostConfig. */
export interface CgroupTuning {
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: number;
  /** undefined or null: the kernel's default. */
  memorySwappiness?: number | null;
  kernelMemory?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  blkioWeight?: number;
  blkioWeightDevice?: { path: string; weight: number }[];
  throttleReadBps?: DeviceRate[];
  throttleWriteBps?: DeviceRate[];
  throttleReadIops?: DeviceRate[];
  throttleWriteIops?: DeviceRate[];
  /** --device-cgroup-rule, e.g. "c 42:* rmw". */
  deviceCgroupRules?: string[];
}
