// A container's resource use, read from the cgroups runc put it in (cgroup v1, as on these hosts,
// and v2 where the unified hierarchy is mounted alone): the numbers behind `docker stats`.
import * as fs from "node:fs";

export interface CgroupSample {
  /** Nanoseconds of CPU the container used, in all and per CPU, and as user/system time. */
  cpuTotalNs: number;
  cpuPerCpuNs: number[];
  cpuUserNs: number;
  cpuSystemNs: number;
  memoryUsage: number;
  memoryMaxUsage: number;
  /** The cgroup's limit; "no limit" reads as a huge number, which the caller caps at the host's memory. */
  memoryLimit: number;
  memoryStats: Record<string, number>;
  pids: number;
  pidsLimit: number;
  blkio: { major: number; minor: number; op: string; value: number }[];
}

const CLOCK_TICKS = 100; // USER_HZ on Linux; cpuacct.stat counts in it

function read(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function num(text: string | undefined): number {
  const n = Number((text ?? "").trim());
  return Number.isFinite(n) ? n : 0;
}

function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** Undefined when the cgroup does not exist (the container is not running). */
export function readCgroupStats(cgroupsPath: string, root = "/sys/fs/cgroup"): CgroupSample | undefined {
  if (fs.existsSync(`${root}/cgroup.controllers`)) return readV2(`${root}${cgroupsPath}`);
  const dir = (controller: string) => `${root}/${controller}${cgroupsPath}`;
  if (!fs.existsSync(dir("memory")) && !fs.existsSync(dir("cpuacct"))) return undefined;
  const cpuStat = keyValues(read(`${dir("cpuacct")}/cpuacct.stat`));
  const pidsMax = (read(`${dir("pids")}/pids.max`) ?? "").trim();
  return {
    cpuTotalNs: num(read(`${dir("cpuacct")}/cpuacct.usage`)),
    cpuPerCpuNs: (read(`${dir("cpuacct")}/cpuacct.usage_percpu`) ?? "").trim().split(/\s+/).filter(Boolean).map(Number),
    cpuUserNs: ((cpuStat.user ?? 0) * 1e9) / CLOCK_TICKS,
    cpuSystemNs: ((cpuStat.system ?? 0) * 1e9) / CLOCK_TICKS,
    memoryUsage: num(read(`${dir("memory")}/memory.usage_in_bytes`)),
    memoryMaxUsage: num(read(`${dir("memory")}/memory.max_usage_in_bytes`)),
    memoryLimit: num(read(`${dir("memory")}/memory.limit_in_bytes`)),
    memoryStats: keyValues(read(`${dir("memory")}/memory.stat`)),
    pids: num(read(`${dir("pids")}/pids.current`)),
    pidsLimit: pidsMax === "max" || pidsMax === "" ? 0 : Number(pidsMax),
    blkio: blkioV1(read(`${dir("blkio")}/blkio.throttle.io_service_bytes_recursive`)),
  };
}

function blkioV1(text: string | undefined): CgroupSample["blkio"] {
  const out: CgroupSample["blkio"] = [];
  for (const line of (text ?? "").split("\n")) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

function readV2(dir: string): CgroupSample | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const cpu = keyValues(read(`${dir}/cpu.stat`));
  const memMax = (read(`${dir}/memory.max`) ?? "").trim();
  const pidsMax = (read(`${dir}/pids.max`) ?? "").trim();
  const blkio: CgroupSample["blkio"] = [];
  for (const line of (read(`${dir}/io.stat`) ?? "").split("\n")) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const [major, minor] = (dev ?? "").split(":").map(Number);
    if (major === undefined || minor === undefined || Number.isNaN(major)) continue;
    for (const f of fields) {
      const [k, v] = f.split("=");
      if (k === "rbytes") blkio.push({ major, minor, op: "read", value: Number(v) });
      if (k === "wbytes") blkio.push({ major, minor, op: "write", value: Number(v) });
    }
  }
  return {
    cpuTotalNs: (cpu.usage_usec ?? 0) * 1000,
    cpuPerCpuNs: [],
    cpuUserNs: (cpu.user_usec ?? 0) * 1000,
    cpuSystemNs: (cpu.system_usec ?? 0) * 1000,
    memoryUsage: num(read(`${dir}/memory.current`)),
    memoryMaxUsage: num(read(`${dir}/memory.peak`)),
    memoryLimit: memMax === "max" || memMax === "" ? Number.MAX_SAFE_INTEGER : Number(memMax),
    memoryStats: keyValues(read(`${dir}/memory.stat`)),
    pids: num(read(`${dir}/pids.current`)),
    pidsLimit: pidsMax === "max" || pidsMax === "" ? 0 : Number(pidsMax),
    blkio,
  };
}

/** The host's CPU time in nanoseconds since boot, from /proc/stat (Docker's system_cpu_usage). */
export function systemCpuUsageNs(procStat = read("/proc/stat") ?? ""): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .map(Number)
    .reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}
