// Reading a container's cgroups (v1 and v2 layouts, built in a temporary directory) and docker/cli's
// arithmetic on the result.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { readCgroupStats, systemCpuUsageNs } from "../../src/runtime/cgroup-stats.js";
import { blockIo, cpuPercent, memoryUsage, type StatsJson } from "../../src/engine/containers/container-stats.js";
import { bytesSize } from "../../src/cli/format/units.js";

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(`${os.tmpdir()}/berth-cgroup-`);
  for (const [path, text] of Object.entries(files)) {
    fs.mkdirSync(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    fs.writeFileSync(`${root}/${path}`, text);
  }
  return root;
}

test("cgroup v1: cpuacct, memory, pids and blkio of the container's cgroup", () => {
  const root = tree({
    "cpuacct/berth/c1/cpuacct.usage": "3000000000\n",
    "cpuacct/berth/c1/cpuacct.usage_percpu": "1000000000 2000000000 \n",
    "cpuacct/berth/c1/cpuacct.stat": "user 150\nsystem 50\n",
    "memory/berth/c1/memory.usage_in_bytes": "10485760\n",
    "memory/berth/c1/memory.max_usage_in_bytes": "20971520\n",
    "memory/berth/c1/memory.limit_in_bytes": "67108864\n",
    "memory/berth/c1/memory.stat": "cache 4096\ntotal_inactive_file 1048576\n",
    "pids/berth/c1/pids.current": "3\n",
    "pids/berth/c1/pids.max": "max\n",
    "blkio/berth/c1/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n",
  });
  try {
    const s = readCgroupStats("/berth/c1", root)!;
    assert.equal(s.cpuTotalNs, 3e9);
    assert.deepEqual(s.cpuPerCpuNs, [1e9, 2e9]);
    assert.equal(s.cpuUserNs, 1.5e9);
    assert.equal(s.cpuSystemNs, 0.5e9);
    assert.equal(s.memoryLimit, 67108864);
    assert.equal(s.memoryStats.total_inactive_file, 1048576);
    assert.equal(s.pids, 3);
    assert.equal(s.pidsLimit, 0);
    assert.deepEqual(
      s.blkio.map((b) => b.op),
      ["Read", "Write", "Total"],
    );
    assert.equal(readCgroupStats("/berth/gone", root), undefined);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test("cgroup v2: the unified files", () => {
  const root = tree({
    "cgroup.controllers": "cpu memory pids io\n",
    "berth/c2/cpu.stat": "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n",
    "berth/c2/memory.current": "1000\n",
    "berth/c2/memory.max": "max\n",
    "berth/c2/memory.stat": "inactive_file 100\n",
    "berth/c2/pids.current": "2\n",
    "berth/c2/pids.max": "64\n",
    "berth/c2/io.stat": "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n",
  });
  try {
    const s = readCgroupStats("/berth/c2", root)!;
    assert.equal(s.cpuTotalNs, 2_500_000);
    assert.equal(s.memoryUsage, 1000);
    assert.equal(s.pidsLimit, 64);
    assert.deepEqual(s.blkio, [
      { major: 8, minor: 0, op: "read", value: 10 },
      { major: 8, minor: 0, op: "write", value: 20 },
    ]);
  } finally {
    fs.rmSync(root, { recursive: true });
  }
});

test("docker/cli's stats arithmetic: CPU % from two samples, memory without inactive cache, block I/O sums", () => {
  const cpu = (total: number, system: number) => ({
    cpu_usage: { total_usage: total, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: system,
    online_cpus: 2,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  });
  const s = {
    cpu_stats: cpu(1_500_000_000, 12_000_000_000),
    precpu_stats: cpu(500_000_000, 10_000_000_000),
    memory_stats: { usage: 10 << 20, stats: { total_inactive_file: 2 << 20 }, limit: 64 << 20 },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: "Read", value: 4096 },
        { major: 8, minor: 0, op: "Write", value: 10 },
        { major: 8, minor: 0, op: "Total", value: 4106 },
      ],
    },
  } as unknown as StatsJson;
  assert.equal(cpuPercent(s), 100); // one of two CPUs busy over the interval
  assert.equal(memoryUsage(s), 8 << 20);
  assert.deepEqual(blockIo(s), { read: 4096, write: 10 });
  assert.equal(bytesSize(8 << 20), "8MiB");
  assert.equal(bytesSize(1_503_238), "1.434MiB");
  assert.equal(bytesSize(512), "512B");
  assert.equal(systemCpuUsageNs("cpu  100 0 50 850 0 0 0 0 0 0\ncpu0 1 2 3\n"), 10_000_000_000);
});
