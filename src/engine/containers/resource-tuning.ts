// A container's stored resource settings (Docker's HostConfig names) as the runtime's cgroup
// tuning: one mapping for the spec written at start and for `runc update`.
import type { CgroupTuning, DeviceRate } from "../../runtime/spec/cgroup-tuning.js";
import type { ResourceSettings, ThrottleDevice } from "../../store/resource-settings.js";

export function tuningOf(r: Partial<ResourceSettings>): CgroupTuning {
  const rates = (list: ThrottleDevice[] | undefined): DeviceRate[] => (list ?? []).map((d) => ({ path: d.Path, rate: d.Rate }));
  return {
    cpuShares: r.CpuShares ?? 0,
    cpuPeriod: r.CpuPeriod ?? 0,
    cpuQuota: r.CpuQuota ?? 0,
    cpuRealtimePeriod: r.CpuRealtimePeriod ?? 0,
    cpuRealtimeRuntime: r.CpuRealtimeRuntime ?? 0,
    cpusetCpus: r.CpusetCpus ?? "",
    cpusetMems: r.CpusetMems ?? "",
    memoryReservation: r.MemoryReservation ?? 0,
    memorySwappiness: r.MemorySwappiness ?? null,
    kernelMemory: r.KernelMemory ?? 0,
    oomKillDisable: r.OomKillDisable ?? false,
    oomScoreAdj: r.OomScoreAdj ?? 0,
    blkioWeight: r.BlkioWeight ?? 0,
    blkioWeightDevice: (r.BlkioWeightDevice ?? []).map((d) => ({ path: d.Path, weight: d.Weight })),
    throttleReadBps: rates(r.BlkioDeviceReadBps),
    throttleWriteBps: rates(r.BlkioDeviceWriteBps),
    throttleReadIops: rates(r.BlkioDeviceReadIOps),
    throttleWriteIops: rates(r.BlkioDeviceWriteIOps),
    deviceCgroupRules: r.DeviceCgroupRules ?? [],
  };
}
