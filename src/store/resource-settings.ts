// The cgroup and OOM settings of Docker's HostConfig.Resources beyond memory, swap, --cpus and
// --pids-limit (those are HostConfig's own fields), kept under Docker's names so that inspect,
// the API and `update` share one shape. Absent in containers made before berth had them: zero.

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

export interface WeightDevice {
  Path: string;
  Weight: number;
}

export interface ResourceSettings {
  CpuShares: number;
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  MemoryReservation: number;
  /** null: the kernel's default (inspect shows null, the CLI sends -1). */
  MemorySwappiness: number | null;
  KernelMemory: number;
  OomKillDisable: boolean;
  OomScoreAdj: number;
  BlkioWeight: number;
  BlkioWeightDevice: WeightDevice[];
  BlkioDeviceReadBps: ThrottleDevice[];
  BlkioDeviceWriteBps: ThrottleDevice[];
  BlkioDeviceReadIOps: ThrottleDevice[];
  BlkioDeviceWriteIOps: ThrottleDevice[];
  DeviceCgroupRules: string[] | null;
  /** Windows only: kept, as dockerd on Linux keeps it, and without effect. */
  CpuCount: number;
}
