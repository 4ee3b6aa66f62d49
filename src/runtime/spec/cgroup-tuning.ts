// The cgroup settings beyond memory, --cpus and --pids-limit, as dockerd 20.10 writes them into
// linux.resources (moby v20.10.24 daemon/daemon_unix.go getCPUResources, getMemoryResources,
// getBlkioWeightDevices, getBlkioThrottleDevices; oci/defaults.go for the device rules), and as
// `runc update` takes them. Block devices are named by path and resolved to major:minor here, at
// start, as dockerd does: a missing one fails the start in its words.
import * as fs from "node:fs";
import { InvalidArgumentError, SystemError } from "../../errors.js";
import type { OciDeviceRule, OciResources } from "./runtime-spec.js";
import type { CgroupTuning, DeviceRate } from "./spec-input.js";

export type { CgroupTuning, DeviceRate };

/**
 * A throttled or weighted device that is missing at start. The docker CLI exits 127 for a start
 * failure that says "no such file or directory"; the container records 128, as dockerd's does.
 */
export class DeviceLookupError extends SystemError {
  readonly exitCode = 127;
}

const RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** docker/cli's check of a --device-cgroup-rule; the daemon's conversion into a device rule. */
export function parseDeviceCgroupRule(rule: string): OciDeviceRule {
  const m = RULE.exec(rule);
  if (!m) throw new InvalidArgumentError(`invalid device cgroup format '${rule}'`);
  const num = (s: string): number => (s === "*" ? -1 : Number(s));
  return { allow: true, type: m[1]!, major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
}

/** Adds the tuning to resources built from memory, --cpus and --pids-limit (whose cpu and memory keys it extends). */
export function applyTuning(resources: OciResources, t: CgroupTuning): void {
  const cpu = cpuTuning(t);
  if (cpu) resources.cpu = { ...resources.cpu, ...cpu };
  const memory = memoryTuning(t);
  if (memory) resources.memory = { ...resources.memory, ...memory };
  const blockIO = blockIoTuning(t);
  if (blockIO) resources.blockIO = blockIO;
  // Appended after Docker's defaults, so that a rule can allow what the defaults deny.
  if (t.deviceCgroupRules?.length && !isAllowAll(resources.devices)) {
    resources.devices = [...resources.devices, ...t.deviceCgroupRules.map(parseDeviceCgroupRule)];
  }
}

function isAllowAll(rules: readonly OciDeviceRule[]): boolean {
  return rules.length === 1 && rules[0]!.allow && rules[0]!.type === undefined;
}

function cpuTuning(t: CgroupTuning): NonNullable<OciResources["cpu"]> | undefined {
  const cpu: NonNullable<OciResources["cpu"]> = {};
  if (t.cpuShares) cpu.shares = t.cpuShares;
  if (t.cpuQuota) cpu.quota = t.cpuQuota;
  if (t.cpuPeriod) cpu.period = t.cpuPeriod;
  if (t.cpuRealtimeRuntime) cpu.realtimeRuntime = t.cpuRealtimeRuntime;
  if (t.cpuRealtimePeriod) cpu.realtimePeriod = t.cpuRealtimePeriod;
  if (t.cpusetCpus) cpu.cpus = t.cpusetCpus;
  if (t.cpusetMems) cpu.mems = t.cpusetMems;
  return Object.keys(cpu).length ? cpu : undefined;
}

function memoryTuning(t: CgroupTuning): NonNullable<OciResources["memory"]> | undefined {
  const memory: NonNullable<OciResources["memory"]> = {};
  if (t.memoryReservation) memory.reservation = t.memoryReservation;
  if (t.kernelMemory) memory.kernel = t.kernelMemory;
  if (t.memorySwappiness !== undefined && t.memorySwappiness !== null && t.memorySwappiness >= 0) memory.swappiness = t.memorySwappiness;
  if (t.oomKillDisable) memory.disableOOMKiller = true;
  return Object.keys(memory).length ? memory : undefined;
}

function blockIoTuning(t: CgroupTuning): NonNullable<OciResources["blockIO"]> | undefined {
  const io: NonNullable<OciResources["blockIO"]> = {};
  if (t.blkioWeight) io.weight = t.blkioWeight;
  if (t.blkioWeightDevice?.length) {
    io.weightDevice = t.blkioWeightDevice.map((d) => ({ ...deviceNumbers(d.path), weight: d.weight }));
  }
  const rates = (list: DeviceRate[] | undefined) => list?.map((d) => ({ ...deviceNumbers(d.path), rate: d.rate }));
  const readBps = rates(t.throttleReadBps);
  const writeBps = rates(t.throttleWriteBps);
  const readIops = rates(t.throttleReadIops);
  const writeIops = rates(t.throttleWriteIops);
  if (readBps?.length) io.throttleReadBpsDevice = readBps;
  if (writeBps?.length) io.throttleWriteBpsDevice = writeBps;
  if (readIops?.length) io.throttleReadIOPSDevice = readIops;
  if (writeIops?.length) io.throttleWriteIOPSDevice = writeIops;
  return Object.keys(io).length ? io : undefined;
}

/** The device's numbers as dockerd's stat gives them: "stat /dev/x: no such file or directory" when it is missing. */
function deviceNumbers(path: string): { major: number; minor: number } {
  let rdev: bigint;
  try {
    rdev = fs.statSync(path, { bigint: true }).rdev;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DeviceLookupError(`stat ${path}: no such file or directory`);
    throw new InvalidArgumentError(`stat ${path}: ${(err as Error).message}`);
  }
  // glibc's major()/minor() on a 64-bit dev_t.
  return {
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)),
  };
}
