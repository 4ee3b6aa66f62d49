// The container's mounts with Docker 20.10's rules (moby v20.10.24 oci/defaults.go,
// daemon/oci_linux.go WithMounts): the default kernel filesystems, adjusted for --read-only and
// --privileged, the --init bind, and the user's mounts, which replace defaults at their paths.
import * as path from "node:path";
import type { OciMount, RuntimeSpecInput } from "./spec-input.js";

/** daemon/config DefaultShmSize: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** oci/defaults.go Mounts; /dev/shm gets size= appended (oci_linux.go WithMounts). */
function defaultMounts(shmSize: number): OciMount[] {
  return [
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
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${shmSize > 0 ? shmSize : DEFAULT_SHM_SIZE}`],
    },
  ];
}

/** Where Docker binds --init's binary (daemonconfig.DefaultInitBinary under /sbin). */
export const IN_CONTAINER_INIT_PATH = "/sbin/docker-init";

/**
 * Docker's defaults minus those a user mount replaces, then the --init bind, then the user mounts
 * with parents before children (moby sorts them by path depth).
 */
export function buildMounts(input: RuntimeSpecInput): OciMount[] {
  const userMounts = sortByDepth(input.mounts).map(copyMount);
  const userDestinations = new Set(userMounts.map((m) => path.posix.normalize(m.destination)));
  const replacesDev = userDestinations.has("/dev");
  const defaults = defaultMounts(input.resources.shmSize)
    .filter((m) => !userDestinations.has(m.destination) && !(replacesDev && m.destination.startsWith("/dev/")))
    .map((m) => adjustDefaultMount(m, input));
  const init: OciMount[] = input.init
    ? [{ destination: IN_CONTAINER_INIT_PATH, type: "bind", source: input.init, options: ["bind", "ro"] }]
    : [];
  return [...defaults, ...init, ...userMounts];
}

/**
 * --read-only adds "ro" to the defaults that are not kernel filesystems a process must write;
 * --privileged makes /sys and the cgroup mount writable (oci_linux.go WithMounts).
 */
function adjustDefaultMount(m: OciMount, input: RuntimeSpecInput): OciMount {
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

function sortByDepth(mounts: readonly OciMount[]): OciMount[] {
  const depth = (m: OciMount) => path.posix.normalize(m.destination).split("/").length;
  return [...mounts].sort((a, b) => depth(a) - depth(b)); // stable: equal depths keep the caller's order
}

function copyMount(m: OciMount): OciMount {
  return { destination: m.destination, type: m.type, source: m.source, options: [...m.options] };
}
