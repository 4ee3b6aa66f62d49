// The docker CLI 28 commands and `run`/`create` flags berth does not have yet. A user who types one
// is told so, not that Docker's own command is "unknown". Remove an entry when berth gains it.

/** Command paths as docker CLI 28 lists them (`docker --help` and each management command's help). */
export const UNSUPPORTED_COMMANDS: readonly (readonly string[])[] = [
  ["build"],
  ["builder"],
  ["checkpoint"],
  ["config"],
  ["context"],
  ["manifest"],
  ["node"],
  ["plugin"],
  ["search"],
  ["secret"],
  ["service"],
  ["stack"],
  ["swarm"],
  ["trust"],
  ["update"],
  ["image", "build"],
  ["container", "update"],
  ["volume", "update"],
];

export interface UnsupportedFlag {
  long: string;
  short?: string;
}

/** `docker run --help` and `docker create --help` (CLI 28.2.2) less what berth's run and create take. */
const CONTAINER_CONFIG_FLAGS: readonly UnsupportedFlag[] = [
  { long: "blkio-weight" },
  { long: "blkio-weight-device" },
  { long: "cpu-count" },
  { long: "cpu-percent" },
  { long: "cpu-period" },
  { long: "cpu-quota" },
  { long: "cpu-rt-period" },
  { long: "cpu-rt-runtime" },
  { long: "cpu-shares", short: "c" },
  { long: "cpuset-cpus" },
  { long: "cpuset-mems" },
  { long: "device-cgroup-rule" },
  { long: "device-read-bps" },
  { long: "device-read-iops" },
  { long: "device-write-bps" },
  { long: "device-write-iops" },
  { long: "disable-content-trust" },
  { long: "gpus" },
  { long: "io-maxbandwidth" },
  { long: "io-maxiops" },
  { long: "isolation" },
  { long: "kernel-memory" },
  { long: "link-local-ip" },
  { long: "log-driver" },
  { long: "log-opt" },
  { long: "memory-reservation" },
  { long: "memory-swappiness" },
  { long: "oom-kill-disable" },
  { long: "oom-score-adj" },
  { long: "use-api-socket" },
  { long: "volume-driver" },
];

const UNSUPPORTED_FLAGS = new Map<string, readonly UnsupportedFlag[]>([
  ["container run", CONTAINER_CONFIG_FLAGS],
  ["container create", CONTAINER_CONFIG_FLAGS],
]);

/** By the command's own path (["container", "run"]), so that its aliases (`run`) share the list. */
export function unsupportedFlagsOf(path: readonly string[]): readonly UnsupportedFlag[] {
  return UNSUPPORTED_FLAGS.get(path.join(" ")) ?? [];
}
