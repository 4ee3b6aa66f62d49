// The daemon's checks of a container's resources, at create and at update, with dockerd 20.10's
// words (moby v20.10.24 daemon/daemon_unix.go verifyPlatformContainerResources, measured in
// /work/shared/RUN-FLAGS.md §3-5, §8). What the host cannot do is discarded with Docker's warning.
import * as fs from "node:fs";
import { InvalidArgumentError, SystemError } from "../../errors.js";
import type { ResourceSettings } from "../../store/resource-settings.js";
import { parseDeviceCgroupRule } from "../../runtime/spec/cgroup-tuning.js";

export type { ResourceSettings, ThrottleDevice, WeightDevice } from "../../store/resource-settings.js";

/** daemon_unix.go linuxMinMemory. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** What a create or update asks for: the stored settings plus the fields dockerd discards on Linux. */
export interface ResourceRequest extends Partial<ResourceSettings> {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuPercent?: number;
  IOMaximumIOps?: number;
  IOMaximumBandwidth?: number;
}

/** The cgroup facts the checks need; read from /sys unless a test gives them. */
export interface CgroupSupport {
  cpus: string;
  mems: string;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
}

/**
 * Throws InvalidArgumentError (400) in dockerd's words; returns the settings to store (weights the
 * kernel lacks and CPU percent dropped) and the warnings dockerd answers with.
 */
export function checkResources(
  r: ResourceRequest,
  opts: { update: boolean; support?: CgroupSupport },
): { settings: Partial<ResourceSettings>; warnings: string[] } {
  const support = opts.support ?? cgroupSupport();
  const warnings: string[] = [];
  const settings: Partial<ResourceSettings> = { ...r };
  delete (settings as ResourceRequest).Memory;
  delete (settings as ResourceRequest).MemorySwap;
  delete (settings as ResourceRequest).NanoCpus;
  delete (settings as ResourceRequest).CpuPercent;
  delete (settings as ResourceRequest).IOMaximumIOps;
  delete (settings as ResourceRequest).IOMaximumBandwidth;
  const memory = r.Memory ?? 0;
  const swap = r.MemorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new InvalidArgumentError("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap > 0 && swap < memory) {
    throw new InvalidArgumentError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (memory === 0 && swap > 0 && !opts.update) {
    throw new InvalidArgumentError("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  const swappiness = r.MemorySwappiness;
  if (swappiness !== undefined && swappiness !== null && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new InvalidArgumentError(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (swappiness === -1) settings.MemorySwappiness = null;
  const reservation = r.MemoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) throw new InvalidArgumentError("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new InvalidArgumentError("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  const kernel = r.KernelMemory ?? 0;
  if (kernel > 0) warnings.push("Specifying a kernel memory limit is deprecated and will be removed in a future release.");
  if (kernel > 0 && kernel < MIN_MEMORY) throw new InvalidArgumentError("Minimum kernel memory limit allowed is 6MB");
  if (r.OomKillDisable && memory === 0 && !opts.update) {
    warnings.push(
      "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
    );
  }
  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (r.CpuPeriod ?? 0) > 0)
    throw new InvalidArgumentError("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano > 0 && (r.CpuQuota ?? 0) > 0) throw new InvalidArgumentError("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  const period = r.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw new InvalidArgumentError("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  const quota = r.CpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw new InvalidArgumentError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if ((r.CpuPercent ?? 0) > 0) warnings.push(`linux does not support CPU percent. Percent discarded.`);
  checkCpuset(r.CpusetCpus ?? "", support.cpus, "cpus", "Requested CPUs are not available");
  checkCpuset(r.CpusetMems ?? "", support.mems, "mems", "Requested memory nodes are not available");
  if ((r.BlkioWeight ?? 0) > 0 && !support.blkioWeight) {
    warnings.push("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
    settings.BlkioWeight = 0;
  }
  if ((settings.BlkioWeight ?? 0) > 0 && (settings.BlkioWeight! < 10 || settings.BlkioWeight! > 1000)) {
    throw new InvalidArgumentError("Range of blkio weight is from 10 to 1000");
  }
  if ((r.BlkioWeightDevice ?? []).length > 0 && !support.blkioWeightDevice) {
    warnings.push("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.");
    settings.BlkioWeightDevice = [];
  }
  if ((r.IOMaximumIOps ?? 0) !== 0 || (r.IOMaximumBandwidth ?? 0) !== 0) {
    // Measured: create answers 500 per field, update 400 naming both.
    if (opts.update) throw new InvalidArgumentError(`Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps`);
    const what = (r.IOMaximumIOps ?? 0) !== 0 ? "maximum IOPs" : "maximum bandwidth";
    throw new SystemError(`Invalid QoS settings: linux does not support configuration of ${what}`);
  }
  const adj = r.OomScoreAdj ?? 0;
  if (adj < -1000 || adj > 1000) throw new InvalidArgumentError(`Invalid value ${adj}, range for oom score adj is [-1000, 1000]`);
  const rtPeriod = r.CpuRealtimePeriod ?? 0;
  const rtRuntime = r.CpuRealtimeRuntime ?? 0;
  if (rtPeriod !== 0 && rtRuntime !== 0 && rtRuntime > rtPeriod) {
    throw new InvalidArgumentError("cpu real-time runtime cannot be higher than cpu real-time period");
  }
  return { settings, warnings };
}

/** parsers.ParseUintList: "0-2,4"; every listed one must be among the host's. */
function checkCpuset(value: string, available: string, kind: "cpus" | "mems", notAvailable: string): void {
  if (value === "") return;
  const wanted = parseUintList(value);
  if (!wanted) throw new InvalidArgumentError(`Invalid value ${value} for cpuset ${kind}: invalid format: ${value}`);
  const have = parseUintList(available) ?? new Set<number>();
  for (const n of wanted) {
    if (!have.has(n)) throw new InvalidArgumentError(`${notAvailable} - requested ${value}, available: ${available}`);
  }
}

export function parseUintList(value: string): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of value.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let n = lo; n <= hi; n++) out.add(n);
  }
  return out;
}

/** cgroup v1 controllers each have their own mount; v2 has one tree with the same facts at its root. */
export function cgroupSupport(root = "/sys/fs/cgroup"): CgroupSupport {
  const v2 = fs.existsSync(`${root}/cgroup.controllers`);
  const read = (paths: string[], fallback: string): string => {
    for (const p of paths) {
      try {
        const text = fs.readFileSync(p, "utf8").trim();
        if (text) return text;
      } catch {
        // the next candidate
      }
    }
    return fallback;
  };
  const online = read(["/sys/devices/system/cpu/online"], "0");
  const cpus = v2 ? read([`${root}/cpuset.cpus.effective`], online) : read([`${root}/cpuset/cpuset.cpus`], online);
  const mems = v2 ? read([`${root}/cpuset.mems.effective`], "0") : read([`${root}/cpuset/cpuset.mems`], "0");
  const weight = v2
    ? fs.existsSync(`${root}/io.weight`) || fs.existsSync(`${root}/io.bfq.weight`)
    : fs.existsSync(`${root}/blkio/blkio.weight`) || fs.existsSync(`${root}/blkio/blkio.bfq.weight`);
  const weightDevice = v2
    ? fs.existsSync(`${root}/io.weight`) || fs.existsSync(`${root}/io.bfq.weight`)
    : fs.existsSync(`${root}/blkio/blkio.weight_device`) || fs.existsSync(`${root}/blkio/blkio.bfq.weight_device`);
  return { cpus, mems, blkioWeight: weight, blkioWeightDevice: weightDevice };
}

/** A --device-cgroup-rule as docker/cli checks it ("c 42:* rmw"); InvalidArgumentError in its words. */
export function checkDeviceCgroupRule(rule: string): string {
  parseDeviceCgroupRule(rule);
  return rule;
}
