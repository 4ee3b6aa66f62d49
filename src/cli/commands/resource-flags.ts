// The resource flags of run, create and update (CPU, memory, OOM, block I/O, device cgroup rules),
// checked as docker/cli's opts checks them (opts/throttledevice.go, opts/weightdevice.go,
// cli/command/container/opts.go), into HostConfig's resource fields under Docker's names.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import {
  checkDeviceCgroupRule,
  type ResourceSettings,
  type ThrottleDevice,
  type WeightDevice,
} from "../../engine/containers/resource-checks.js";
import { ClientArgumentError, ClientError } from "../errors.js";

/** The flags run and create share with update. */
export function addSharedResourceFlags(cmd: Command): Command {
  return cmd
    .option("--blkio-weight <uint16>", "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)", parseUint16)
    .option("--cpu-period <int>", "Limit CPU CFS (Completely Fair Scheduler) period", parseInt64)
    .option("--cpu-quota <int>", "Limit CPU CFS (Completely Fair Scheduler) quota", parseInt64)
    .option("--cpu-rt-period <int>", "Limit CPU real-time period in microseconds", parseInt64)
    .option("--cpu-rt-runtime <int>", "Limit CPU real-time runtime in microseconds", parseInt64)
    .option("-c, --cpu-shares <int>", "CPU shares (relative weight)", parseInt64)
    .option("--cpuset-cpus <string>", "CPUs in which to allow execution (0-3, 0,1)")
    .option("--cpuset-mems <string>", "MEMs in which to allow execution (0-3, 0,1)")
    .option("--memory-reservation <bytes>", "Memory soft limit", ramInBytes);
}

/** The flags only run and create have. */
export function addCreateResourceFlags(cmd: Command): Command {
  return addSharedResourceFlags(cmd)
    .option("--blkio-weight-device <list>", "Block IO weight (relative device weight)", collectWith(parseWeightDevice), [])
    .option("--device-read-bps <list>", "Limit read rate (bytes per second) from a device", collectWith(parseBpsDevice), [])
    .option("--device-read-iops <list>", "Limit read rate (IO per second) from a device", collectWith(parseIopsDevice), [])
    .option("--device-write-bps <list>", "Limit write rate (bytes per second) to a device", collectWith(parseBpsDevice), [])
    .option("--device-write-iops <list>", "Limit write rate (IO per second) to a device", collectWith(parseIopsDevice), [])
    .option("--device-cgroup-rule <list>", "Add a rule to the cgroup allowed devices list", collectWith(checkCgroupRule), [])
    .option("--kernel-memory <bytes>", "Kernel memory limit", ramInBytes)
    .option("--memory-swappiness <int>", "Tune container memory swappiness (0 to 100) (default -1)", parseInt64)
    .option("--oom-kill-disable", "Disable OOM Killer")
    .option("--oom-score-adj <int>", "Tune host's OOM preferences (-1000 to 1000)", parseInt64)
    .option("--cpu-count <int>", "CPU count (Windows only)", parseInt64)
    .option("--cpu-percent <int>", "CPU percent (Windows only)", parseInt64)
    .option("--io-maxbandwidth <bytes>", "Maximum IO bandwidth limit for the system drive (Windows only)", ramInBytes)
    .option("--io-maxiops <uint>", "Maximum IOps limit for the system drive (Windows only)", parseUint64);
}

/** The shared flags' values; unset ones are left out, so that update leaves them as they are. */
export function sharedResourceSettings(opts: Record<string, unknown>): Partial<ResourceSettings> {
  const out: Partial<ResourceSettings> = {};
  const num = (key: string): number | undefined => opts[key] as number | undefined;
  if (num("blkioWeight") !== undefined) out.BlkioWeight = num("blkioWeight")!;
  if (num("cpuPeriod") !== undefined) out.CpuPeriod = num("cpuPeriod")!;
  if (num("cpuQuota") !== undefined) out.CpuQuota = num("cpuQuota")!;
  if (num("cpuRtPeriod") !== undefined) out.CpuRealtimePeriod = num("cpuRtPeriod")!;
  if (num("cpuRtRuntime") !== undefined) out.CpuRealtimeRuntime = num("cpuRtRuntime")!;
  if (num("cpuShares") !== undefined) out.CpuShares = num("cpuShares")!;
  if (opts.cpusetCpus !== undefined) out.CpusetCpus = opts.cpusetCpus as string;
  if (opts.cpusetMems !== undefined) out.CpusetMems = opts.cpusetMems as string;
  if (num("memoryReservation") !== undefined) out.MemoryReservation = num("memoryReservation")!;
  return out;
}

/**
 * run and create: every resource field as the docker CLI sends it. The Windows-only flags stop
 * the CLI before any request (exit 1), as docker/cli's daemon-OS gate does against a Linux daemon.
 */
export function createResourceSettings(opts: Record<string, unknown>): Partial<ResourceSettings> {
  for (const [key, flag] of [
    ["cpuCount", "--cpu-count"],
    ["cpuPercent", "--cpu-percent"],
    ["ioMaxbandwidth", "--io-maxbandwidth"],
    ["ioMaxiops", "--io-maxiops"],
  ] as const) {
    if (opts[key] !== undefined) {
      throw Object.assign(
        new ClientError(`"${flag}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux`),
        { exitCode: 1 },
      );
    }
  }
  const swappiness = (opts.memorySwappiness as number | undefined) ?? -1;
  if (swappiness < -1 || swappiness > 100) {
    throw new ClientArgumentError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  }
  const rules = opts.deviceCgroupRule as string[];
  return {
    CpuShares: 0,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: "",
    CpusetMems: "",
    MemoryReservation: 0,
    BlkioWeight: 0,
    ...sharedResourceSettings(opts),
    BlkioWeightDevice: opts.blkioWeightDevice as WeightDevice[],
    BlkioDeviceReadBps: opts.deviceReadBps as ThrottleDevice[],
    BlkioDeviceWriteBps: opts.deviceWriteBps as ThrottleDevice[],
    BlkioDeviceReadIOps: opts.deviceReadIops as ThrottleDevice[],
    BlkioDeviceWriteIOps: opts.deviceWriteIops as ThrottleDevice[],
    DeviceCgroupRules: rules.length ? rules : null,
    KernelMemory: (opts.kernelMemory as number | undefined) ?? 0,
    MemorySwappiness: swappiness === -1 ? null : swappiness,
    OomKillDisable: Boolean(opts.oomKillDisable),
    OomScoreAdj: (opts.oomScoreAdj as number | undefined) ?? 0,
  };
}

/** go-units RAMInBytes: binary multipliers, an optional "b". */
function ramInBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`invalid size: '${value}'`);
  const power = " kmgtp".indexOf((m[2] || " ").toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}

/** pflag's int64: strconv.ParseInt's words. */
export function parseInt64(value: string): number {
  if (!/^[-+]?\d+$/.test(value)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  return n;
}

function parseUint(value: string, max: number): number {
  if (!/^\+?\d+$/.test(value)) throw new InvalidArgumentError(`strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = Number(value);
  if (n > max) throw new InvalidArgumentError(`strconv.ParseUint: parsing ${JSON.stringify(value)}: value out of range`);
  return n;
}

const parseUint16 = (value: string): number => parseUint(value, 0xffff);
const parseUint64 = (value: string): number => parseUint(value, Number.MAX_SAFE_INTEGER);

function collectWith<T>(parse: (value: string) => T): (value: string, previous?: T[]) => T[] {
  return (value, previous = []) => [...previous, parse(value)];
}

/** opts/weightdevice.go ValidateWeightDevice. */
function parseWeightDevice(value: string): WeightDevice {
  const parts = value.split(":");
  if (parts.length !== 2 || !parts[0]!.startsWith("/dev/")) throw new InvalidArgumentError(`bad format for device path: ${value}`);
  const weight = /^\d+$/.test(parts[1]!) ? Number(parts[1]) : NaN;
  if (!(weight <= 0xffff) || (weight > 0 && (weight < 10 || weight > 1000))) {
    throw new InvalidArgumentError(`invalid weight for device: ${value}`);
  }
  return { Path: parts[0]!, Weight: weight };
}

/** opts/throttledevice.go ValidateThrottleBpsDevice. */
function parseBpsDevice(value: string): ThrottleDevice {
  const [path, rate] = devicePair(value);
  let bytes: number;
  try {
    bytes = ramInBytes(rate);
  } catch {
    bytes = -1;
  }
  if (bytes < 0) {
    throw new InvalidArgumentError(
      `invalid rate for device: ${value}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
    );
  }
  return { Path: path, Rate: bytes };
}

/** opts/throttledevice.go ValidateThrottleIOpsDevice. */
function parseIopsDevice(value: string): ThrottleDevice {
  const [path, rate] = devicePair(value);
  if (!/^\d+$/.test(rate)) {
    throw new InvalidArgumentError(
      `invalid rate for device: ${value}. The correct format is <device-path>:<number>. Number must be a positive integer`,
    );
  }
  return { Path: path, Rate: Number(rate) };
}

function devicePair(value: string): [string, string] {
  const parts = value.split(":");
  if (parts.length !== 2) throw new InvalidArgumentError(`bad format: ${value}`);
  if (!parts[0]!.startsWith("/dev/")) throw new InvalidArgumentError(`bad format for device path: ${value}`);
  return [parts[0]!, parts[1]!];
}

function checkCgroupRule(value: string): string {
  try {
    checkDeviceCgroupRule(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}
