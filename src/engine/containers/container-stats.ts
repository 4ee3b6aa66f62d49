// `stats`: a container's resource use as Docker's StatsJSON (api/types/stats.go), sampled from its
// cgroups once a second; each sample carries the one before it (precpu_stats), from which CPU %
// is computed as Docker computes it.
import * as os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Engine } from "../engine.js";
import { resolveContainer } from "./container-state.js";
import { containerCgroupsPath } from "./share-options.js";
import { readCgroupStats, systemCpuUsageNs, type CgroupSample } from "../../runtime/cgroup-stats.js";
import { readNetworkStats, type NetworkStats } from "../../runtime/net-dev-stats.js";
import type { ContainerRecord } from "../../store/container-store.js";

export interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface StatsJson {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: { major: number; minor: number; op: string; value: number }[] | null;
    io_serviced_recursive: null;
    io_queue_recursive: null;
    io_service_time_recursive: null;
    io_wait_time_recursive: null;
    io_merged_recursive: null;
    io_time_recursive: null;
    sectors_recursive: null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; limit?: number };
  /** Per interface of the container's own network namespace; absent when it has none (host, none). */
  networks?: Record<string, NetworkStats>;
  name: string;
  id: string;
}

/** Go's zero time, which Docker sends for a sample that was not taken. */
const ZERO_TIME = "0001-01-01T00:00:00Z";
const INTERVAL_MS = 1000;

interface Sample {
  at: string;
  cgroup: CgroupSample | undefined;
  networks: Record<string, NetworkStats> | undefined;
  system: number;
}

function take(_engine: Engine, record: ContainerRecord): Sample {
  const cgroup = record.state.Running
    ? readCgroupStats(containerCgroupsPath(record.spec.id, record.spec.hostConfig.CgroupParent))
    : undefined;
  // dockerd counts a network's endpoints: --network none has none, even if a process adds a link.
  const networked = record.state.Running && record.state.Pid && record.spec.hostConfig.NetworkMode !== "none";
  const networks = networked ? readNetworkStats(record.state.Pid) : undefined;
  return { at: new Date().toISOString(), cgroup, networks, system: systemCpuUsageNs() };
}

function cpuStats(sample: Sample | undefined): CpuStats {
  const c = sample?.cgroup;
  const empty = { periods: 0, throttled_periods: 0, throttled_time: 0 };
  if (!sample || !c) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: empty };
  return {
    cpu_usage: {
      total_usage: c.cpuTotalNs,
      ...(c.cpuPerCpuNs.length ? { percpu_usage: c.cpuPerCpuNs } : {}),
      usage_in_kernelmode: c.cpuSystemNs,
      usage_in_usermode: c.cpuUserNs,
    },
    system_cpu_usage: sample.system,
    online_cpus: os.availableParallelism(),
    throttling_data: empty,
  };
}

function toJson(record: ContainerRecord, now: Sample, before: Sample | undefined): StatsJson {
  const c = now.cgroup;
  const machineMemory = os.totalmem();
  return {
    read: c ? now.at : ZERO_TIME,
    preread: before?.cgroup ? before.at : ZERO_TIME,
    pids_stats: c ? { current: c.pids, ...(c.pidsLimit ? { limit: c.pidsLimit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: c ? c.blkio : null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(c ? now : undefined),
    precpu_stats: cpuStats(before),
    // Without a limit the cgroup says "unlimited" with a huge number; Docker shows the machine's memory.
    memory_stats: c
      ? { usage: c.memoryUsage, max_usage: c.memoryMaxUsage, stats: c.memoryStats, limit: Math.min(c.memoryLimit, machineMemory) }
      : {},
    name: `/${record.spec.name}`,
    id: record.spec.id,
    // dockerd's `networks,omitempty`: no key when the namespace has no interface but loopback.
    ...(now.networks && Object.keys(now.networks).length ? { networks: now.networks } : {}),
  };
}

/**
 * Samples once a second until `signal` aborts or the container stops (a stopped container gives
 * one zeroed sample, as Docker's does). `oneShot` answers at once, without the previous sample.
 */
export async function* containerStats(
  engine: Engine,
  idOrName: string,
  opts: { stream: boolean; oneShot?: boolean; signal?: AbortSignal },
): AsyncGenerator<StatsJson> {
  let record = resolveContainer(engine, idOrName);
  let before: Sample | undefined;
  if (!opts.stream && !opts.oneShot && record.state.Running) {
    // Docker's non-streaming answer already holds a previous sample, so CPU % can be computed.
    before = take(engine, record);
    await sleep(INTERVAL_MS, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
    record = resolveContainer(engine, record.spec.id);
  }
  for (;;) {
    const now = take(engine, record);
    yield toJson(record, now, before);
    if (!opts.stream || !record.state.Running || opts.signal?.aborted) return;
    before = now;
    try {
      await sleep(INTERVAL_MS, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      return;
    }
    record = resolveContainer(engine, record.spec.id);
  }
}

/** docker/cli's calculations (cli/command/container/stats_helpers.go), shared by the CLI. */
export function cpuPercent(s: StatsJson): number {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** Memory without the page cache the kernel can drop (total_inactive_file on v1, inactive_file on v2). */
export function memoryUsage(s: StatsJson): number {
  const usage = s.memory_stats.usage ?? 0;
  const stats = s.memory_stats.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file;
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

export function blockIo(s: StatsJson): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    if (e.op.toLowerCase() === "read") read += e.value;
    if (e.op.toLowerCase() === "write") write += e.value;
  }
  return { read, write };
}

/** Received and sent bytes over every interface (docker/cli's calculateNetwork). */
export function networkIo(s: StatsJson): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return { rx, tx };
}
