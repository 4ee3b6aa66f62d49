// `container inspect`: Docker's ContainerJSON (API 1.41), from the record and its observed state.
import { NO_RESTART } from "./restart-policy.js";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerPaths } from "./container-paths.js";
import type { ContainerRecord, HostConfig } from "../../store/container-store.js";
import { treeSize } from "../tree-size.js";
import { networkSettingsJson } from "../network/network-settings.js";

export function inspectContainer(engine: Engine, idOrName: string, opts: { size?: boolean } = {}): Record<string, unknown> {
  const record = resolveContainer(engine, idOrName);
  const json = containerJson(engine, record);
  if (!opts.size) return json;
  const { rw, rootFs } = containerSizes(engine, record);
  // Docker puts them after GraphDriver.
  const entries = Object.entries(json);
  const at = entries.findIndex(([k]) => k === "GraphDriver") + 1;
  entries.splice(at, 0, ["SizeRw", rw], ["SizeRootFs", rootFs]);
  return Object.fromEntries(entries);
}

/** The writable layer's bytes, and those plus the image's (ps -s, inspect -s). */
export function containerSizes(engine: Engine, record: ContainerRecord): { rw: number; rootFs: number } {
  const rw = treeSize(engine.store.layers.upperDir(record.spec.id));
  const layers = record.spec.topLayer ? engine.store.layers.chain(record.spec.topLayer) : [];
  return { rw, rootFs: rw + layers.reduce((sum, l) => sum + l.size, 0) };
}

export function containerJson(engine: Engine, record: ContainerRecord): Record<string, unknown> {
  const { spec, state } = record;
  const paths = containerPaths(engine, spec.id);
  const snapshot = engine.store.layers.dirs(spec.id);
  const {
    conmonPid: _conmon,
    runId: _run,
    manuallyStopped: _manual,
    restartCount,
    restartDelayMs: _delay,
    runMonitor: _monitor,
    Health,
    ...stateFields
  } = state;
  // dockerd's key order: Health after FinishedAt, and absent for a container never probed.
  const shownState = { ...stateFields, ...(Health ? { Health } : {}) };
  void _monitor;
  void _conmon;
  void _run;
  void _manual;
  void _delay;
  const host = spec.hostConfig;
  return {
    Id: spec.id,
    Created: spec.created,
    Path: spec.path,
    Args: spec.args,
    State: shownState,
    Image: spec.imageId,
    ResolvConfPath: `${paths.userdata}/resolv.conf`,
    HostnamePath: `${paths.userdata}/hostname`,
    HostsPath: `${paths.userdata}/hosts`,
    LogPath: paths.logPath,
    Name: `/${spec.name}`,
    RestartCount: restartCount ?? 0,
    Driver: "overlay2",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    HostConfig: {
      Binds: host.Binds,
      ContainerIDFile: host.ContainerIDFile ?? "",
      LogConfig: host.LogConfig,
      NetworkMode: host.NetworkMode,
      PortBindings: host.PortBindings ?? {},
      RestartPolicy: host.RestartPolicy ?? NO_RESTART,
      AutoRemove: host.AutoRemove,
      VolumeDriver: host.VolumeDriver ?? "",
      VolumesFrom: host.VolumesFrom ?? null,
      CapAdd: host.CapAdd,
      CapDrop: host.CapDrop,
      CgroupnsMode: host.CgroupnsMode || "host",
      // Containers made before these options existed had none: shown as the CLI would have sent them.
      Dns: host.Dns === undefined ? [] : host.Dns,
      DnsOptions: host.DnsOptions === undefined ? [] : host.DnsOptions,
      DnsSearch: host.DnsSearch === undefined ? [] : host.DnsSearch,
      ExtraHosts: host.ExtraHosts ?? null,
      GroupAdd: host.GroupAdd ?? null,
      IpcMode: host.IpcMode || "private",
      Cgroup: "",
      Links: host.Links ?? null,
      OomScoreAdj: host.OomScoreAdj ?? 0,
      PidMode: host.PidMode ?? "",
      Privileged: host.Privileged,
      PublishAllPorts: host.PublishAllPorts ?? false,
      ReadonlyRootfs: host.ReadonlyRootfs,
      SecurityOpt: host.SecurityOpt,
      Tmpfs: host.Tmpfs ?? undefined,
      UTSMode: host.UTSMode ?? "",
      UsernsMode: host.UsernsMode ?? "",
      ShmSize: host.ShmSize,
      Sysctls: host.Sysctls,
      Runtime: host.Runtime,
      Isolation: host.Isolation ?? "",
      CpuShares: host.CpuShares ?? 0,
      Memory: host.Memory,
      NanoCpus: host.NanoCpus,
      CgroupParent: host.CgroupParent ?? "",
      ...blkioJson(host),
      CpuPeriod: host.CpuPeriod ?? 0,
      CpuQuota: host.CpuQuota ?? 0,
      CpuRealtimePeriod: host.CpuRealtimePeriod ?? 0,
      CpuRealtimeRuntime: host.CpuRealtimeRuntime ?? 0,
      CpusetCpus: host.CpusetCpus ?? "",
      CpusetMems: host.CpusetMems ?? "",
      Devices: host.Devices ?? [],
      DeviceCgroupRules: host.DeviceCgroupRules ?? null,
      DeviceRequests: host.DeviceRequests ?? null,
      KernelMemory: host.KernelMemory ?? 0,
      KernelMemoryTCP: 0,
      MemoryReservation: host.MemoryReservation ?? 0,
      MemorySwap: host.MemorySwap,
      MemorySwappiness: host.MemorySwappiness ?? null,
      OomKillDisable: host.OomKillDisable ?? false,
      PidsLimit: host.PidsLimit,
      Ulimits: host.Ulimits,
      CpuCount: host.CpuCount ?? 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      Init: host.Init ?? undefined,
      MaskedPaths: host.Privileged ? null : undefined,
      // Left out when empty, as dockerd does.
      Annotations: host.Annotations,
    },
    GraphDriver: {
      Data: {
        LowerDir: snapshot.lower.join(":"),
        MergedDir: paths.merged,
        UpperDir: snapshot.upper,
        WorkDir: snapshot.work,
      },
      Name: "overlay2",
    },
    Mounts: spec.mounts.map(({ options: _o, ...m }) => m),
    Config: spec.config,
    NetworkSettings: networkSettingsJson(engine, record),
  };
}

/** Block I/O settings in inspect's order; Docker shows the lists as [] when unset. */
function blkioJson(host: HostConfig): Record<string, unknown> {
  return {
    BlkioWeight: host.BlkioWeight ?? 0,
    BlkioWeightDevice: host.BlkioWeightDevice ?? [],
    BlkioDeviceReadBps: host.BlkioDeviceReadBps ?? [],
    BlkioDeviceWriteBps: host.BlkioDeviceWriteBps ?? [],
    BlkioDeviceReadIOps: host.BlkioDeviceReadIOps ?? [],
    BlkioDeviceWriteIOps: host.BlkioDeviceWriteIOps ?? [],
  };
}
