// The create body's fields berth does not implement yet, refused when a client sets them instead
// of dropped: a container made without the sysctl, CPU share or volumes of another its user asked for
// starts, and fails later, far from the cause. Clients send most of them on every create with
// Go's zero value (the docker CLI all, docker-compose `VolumesFrom: []`), which
// means "not set" and passes. The CLI refuses the same settings as flags (src/cli/unsupported.ts).
// Remove an entry when berth gains the field.
import { NotImplementedError } from "../errors.js";

/** HostConfig field → the docker run flag that sets it. */
const HOST_FIELDS: Readonly<Record<string, string>> = {
  VolumeDriver: "--volume-driver",
  Cgroup: "--cgroup",
  Isolation: "--isolation",
  OomScoreAdj: "--oom-score-adj",
  OomKillDisable: "--oom-kill-disable",
  CpuShares: "--cpu-shares",
  CpuPeriod: "--cpu-period",
  CpuQuota: "--cpu-quota",
  CpuRealtimePeriod: "--cpu-rt-period",
  CpuRealtimeRuntime: "--cpu-rt-runtime",
  CpusetCpus: "--cpuset-cpus",
  CpusetMems: "--cpuset-mems",
  CpuCount: "--cpu-count",
  CpuPercent: "--cpu-percent",
  BlkioWeight: "--blkio-weight",
  BlkioWeightDevice: "--blkio-weight-device",
  BlkioDeviceReadBps: "--device-read-bps",
  BlkioDeviceWriteBps: "--device-write-bps",
  BlkioDeviceReadIOps: "--device-read-iops",
  BlkioDeviceWriteIOps: "--device-write-iops",
  IOMaximumBandwidth: "--io-maxbandwidth",
  IOMaximumIOps: "--io-maxiops",
  MemoryReservation: "--memory-reservation",
  MemorySwappiness: "--memory-swappiness",
  KernelMemory: "--kernel-memory",
  DeviceCgroupRules: "--device-cgroup-rule",
  DeviceRequests: "--gpus",
  MaskedPaths: "--security-opt systempaths=unconfined",
  ReadonlyPaths: "--security-opt systempaths=unconfined",
};

/** container.Config fields. */
const CONFIG_FIELDS: Readonly<Record<string, string>> = {
  NetworkDisabled: "HostConfig.NetworkMode none does the same",
};

/** Throws NotImplementedError naming the first field of the body that is set and that berth lacks. */
export function refuseUnsupportedCreateFields(body: Record<string, unknown>, host: Record<string, unknown>): void {
  for (const [key, flag] of Object.entries(CONFIG_FIELDS)) {
    if (isSet(key, body[key])) throw new NotImplementedError(`berth does not implement ${key} (${flag}) yet`);
  }
  for (const [key, flag] of Object.entries(HOST_FIELDS)) {
    if (isSet(key, host[key])) throw new NotImplementedError(`berth does not implement HostConfig.${key} (${flag}) yet`);
  }
}

/**
 * Anything but Go's zero value; -1 is the docker CLI's "unset" of MemorySwappiness, and an empty
 * MaskedPaths or ReadonlyPaths is set: it is how the CLI sends systempaths=unconfined (mask nothing).
 */
function isSet(key: string, value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return false;
  if (key === "MemorySwappiness" && value === -1) return false;
  if (key === "MaskedPaths" || key === "ReadonlyPaths") return true;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
