// The daemon's resource checks and update rules as dockerd 20.10 words them (RUN-FLAGS.md §3-5,
// §8, §11), and the runtime's fields they become; no container runs here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkResources, parseUintList, type CgroupSupport } from "../../src/engine/containers/resource-checks.js";
import { mergeUpdate, runtimeResources } from "../../src/engine/containers/update-container.js";
import { tuningOf } from "../../src/engine/containers/resource-tuning.js";
import { parseDeviceCgroupRule, applyTuning } from "../../src/runtime/spec/cgroup-tuning.js";
import type { HostConfig } from "../../src/store/container-store.js";
import type { OciResources } from "../../src/runtime/spec/runtime-spec.js";

/** The measured machine: 2 CPUs, one memory node, no blkio weight files. */
const HOST: CgroupSupport = { cpus: "0-1", mems: "0", blkioWeight: false, blkioWeightDevice: false };
const create = (r: Parameters<typeof checkResources>[0]) => checkResources(r, { update: false, support: HOST });

test("checkResources() refuses what dockerd 20.10 refuses at create, in its words", () => {
  const cases: [Parameters<typeof checkResources>[0], string][] = [
    [{ CpuPeriod: 999 }, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"],
    [{ CpuPeriod: 1_000_001 }, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"],
    [{ CpuQuota: 500 }, "CPU cfs quota can not be less than 1ms (i.e. 1000)"],
    [{ NanoCpus: 1e9, CpuQuota: 50000 }, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"],
    [{ NanoCpus: 1e9, CpuPeriod: 50000 }, "Conflicting options: Nano CPUs and CPU Period cannot both be set"],
    [{ CpusetCpus: "99" }, "Requested CPUs are not available - requested 99, available: 0-1"],
    [{ CpusetCpus: "abc" }, "Invalid value abc for cpuset cpus: invalid format: abc"],
    [{ CpusetMems: "5" }, "Requested memory nodes are not available - requested 5, available: 0"],
    [{ CpuRealtimePeriod: 1_000_000, CpuRealtimeRuntime: 2_000_000 }, "cpu real-time runtime cannot be higher than cpu real-time period"],
    [{ Memory: 1024 }, "Minimum memory limit allowed is 6MB"],
    [{ MemoryReservation: 1024 }, "Minimum memory reservation allowed is 6MB"],
    [{ Memory: 64 << 20, MemoryReservation: 128 << 20 }, "Minimum memory limit can not be less than memory reservation limit, see usage"],
    [{ MemorySwappiness: 101 }, "Invalid value: 101, valid memory swappiness range is 0-100"],
    [{ MemorySwappiness: -2 }, "Invalid value: -2, valid memory swappiness range is 0-100"],
    [{ OomScoreAdj: 1001 }, "Invalid value 1001, range for oom score adj is [-1000, 1000]"],
    [{ KernelMemory: 1024 }, "Minimum kernel memory limit allowed is 6MB"],
    [{ IOMaximumIOps: 5 }, "Invalid QoS settings: linux does not support configuration of maximum IOPs"],
    [{ IOMaximumBandwidth: 1000 }, "Invalid QoS settings: linux does not support configuration of maximum bandwidth"],
  ];
  for (const [given, message] of cases) assert.throws(() => create(given), { message }, JSON.stringify(given));
  assert.throws(() => create({ IOMaximumIOps: 5 }), { name: "SystemError" }, "dockerd answers 500");
  assert.throws(() => create({ CpusetCpus: "99" }), { name: "InvalidArgumentError" });
  assert.throws(() => checkResources({ IOMaximumIOps: 5 }, { update: true, support: HOST }), {
    message: "Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps",
  });
});

test("checkResources() accepts the edges dockerd accepts", () => {
  for (const ok of [{ CpuQuota: -1 }, { CpuPeriod: 1000 }, { CpusetCpus: "0-1,0" }, { MemorySwappiness: -1 }, { OomScoreAdj: -1000 }])
    assert.doesNotThrow(() => create(ok), JSON.stringify(ok));
});

test("checkResources() warns and discards what this kernel cannot do, as dockerd does", () => {
  const r = create({
    BlkioWeight: 500,
    BlkioWeightDevice: [{ Path: "/dev/vda", Weight: 300 }],
    KernelMemory: 64 << 20,
    OomKillDisable: true,
    CpuPercent: 50,
  });
  assert.deepEqual(r.warnings, [
    "Specifying a kernel memory limit is deprecated and will be removed in a future release.",
    "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
    "linux does not support CPU percent. Percent discarded.",
    "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
    "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.",
  ]);
  assert.equal(r.settings.BlkioWeight, 0);
  assert.deepEqual(r.settings.BlkioWeightDevice, []);
  assert.equal(r.settings.KernelMemory, 64 << 20, "kept: inspect shows it");
  assert.equal("CpuPercent" in r.settings, false);
  // Where the weight files exist, dockerd's range applies.
  const weights = { ...HOST, blkioWeight: true, blkioWeightDevice: true };
  assert.throws(() => checkResources({ BlkioWeight: 5 }, { update: false, support: weights }), {
    message: "Range of blkio weight is from 10 to 1000",
  });
  assert.deepEqual(checkResources({ BlkioWeight: 500 }, { update: false, support: weights }), {
    settings: { BlkioWeight: 500 },
    warnings: [],
  });
  assert.deepEqual(create({ MemorySwappiness: -1 }).settings.MemorySwappiness, null, "the CLI's -1 is inspect's null");
  assert.deepEqual(create({ Memory: 64 << 20, OomKillDisable: true }).warnings, []);
});

test("parseUintList() reads cpuset lists as Go's parsers.ParseUintList", () => {
  assert.deepEqual([...parseUintList("0-2,5")!], [0, 1, 2, 5]);
  for (const bad of ["abc", "1-", "-1", "2-1", "1,,2", ""]) assert.equal(parseUintList(bad), undefined, bad);
});

const HOST_CONFIG = { Memory: 64 << 20, MemorySwap: 0, NanoCpus: 0, AutoRemove: false } as HostConfig;

test("mergeUpdate() keeps what the update leaves at zero and refuses dockerd's conflicts", () => {
  const merged = mergeUpdate(
    { ...HOST_CONFIG, CpuShares: 512 },
    { CpuShares: 0, Memory: 128 << 20, MemorySwap: 256 << 20, PidsLimit: 50 },
    undefined,
    "ID",
  );
  assert.deepEqual([merged.CpuShares, merged.Memory, merged.MemorySwap, merged.PidsLimit], [512, 128 << 20, 256 << 20, 50]);
  assert.equal(mergeUpdate(HOST_CONFIG, { PidsLimit: -1 }, undefined, "ID").PidsLimit, 0, "measured: -1 shows as 0");
  // -m alone made the swap limit twice the memory: raising memory past it needs --memory-swap.
  assert.equal(mergeUpdate(HOST_CONFIG, { Memory: 100 << 20 }, undefined, "ID").MemorySwap, 128 << 20);
  assert.throws(() => mergeUpdate(HOST_CONFIG, { Memory: 256 << 20 }, undefined, "ID"), {
    message:
      "Cannot update container ID: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
  });
  assert.throws(() => mergeUpdate({ ...HOST_CONFIG, Memory: 0 }, { Memory: 10 << 20 }, undefined, "ID"), /Memory limit should be smaller/);
  assert.throws(() => mergeUpdate({ ...HOST_CONFIG, NanoCpus: 1e9 }, { CpuPeriod: 50000 }, undefined, "ID"), {
    message: "Cannot update container ID: Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set",
  });
  assert.throws(() => mergeUpdate({ ...HOST_CONFIG, AutoRemove: true }, {}, { Name: "always", MaximumRetryCount: 0 }, "ID"), {
    message: "Cannot update container ID: Restart policy cannot be updated because AutoRemove is enabled for the container",
  });
  assert.deepEqual(mergeUpdate(HOST_CONFIG, {}, { Name: "on-failure", MaximumRetryCount: 3 }, "ID").RestartPolicy, {
    Name: "on-failure",
    MaximumRetryCount: 3,
  });
});

test("runtimeResources() sends runc only what the update sets; --cpus becomes a quota over 100 ms", () => {
  assert.deepEqual(runtimeResources({ CpuShares: 256, NanoCpus: 5e8, Memory: 128 << 20, MemorySwap: 256 << 20, PidsLimit: 50 }), {
    cpu: { shares: 256, period: 100000, quota: 50000 },
    memory: { limit: 128 << 20, swap: 256 << 20 },
    pids: { limit: 50 },
  });
  assert.deepEqual(runtimeResources({ MemorySwap: -1, PidsLimit: -1 }), { pids: { limit: -1 } });
  assert.deepEqual(runtimeResources({}), {});
});

test("parseDeviceCgroupRule() takes docker's format and refuses the rest in its words", () => {
  assert.deepEqual(parseDeviceCgroupRule("c 42:* rmw"), { allow: true, type: "c", major: 42, minor: -1, access: "rmw" });
  assert.deepEqual(parseDeviceCgroupRule("b 7:0 r"), { allow: true, type: "b", major: 7, minor: 0, access: "r" });
  for (const bad of ["x 1:2 rwm", "c 1:2", "a"])
    assert.throws(() => parseDeviceCgroupRule(bad), { message: `invalid device cgroup format '${bad}'` });
});

test("applyTuning() writes the OCI fields dockerd writes, block devices by their numbers", () => {
  const resources: OciResources = { devices: [{ allow: false, access: "rwm" }], cpu: { quota: 150000, period: 100000 } };
  applyTuning(
    resources,
    tuningOf({
      CpuShares: 512,
      CpusetCpus: "0",
      CpusetMems: "0",
      CpuRealtimePeriod: 1_000_000,
      CpuRealtimeRuntime: 950_000,
      MemoryReservation: 64 << 20,
      MemorySwappiness: 10,
      KernelMemory: 64 << 20,
      OomKillDisable: true,
      BlkioDeviceReadBps: [{ Path: "/dev/null", Rate: 1 << 20 }],
      BlkioDeviceWriteIOps: [{ Path: "/dev/zero", Rate: 200 }],
      DeviceCgroupRules: ["c 42:* rmw"],
    }),
  );
  assert.deepEqual(resources, {
    devices: [
      { allow: false, access: "rwm" },
      { allow: true, type: "c", major: 42, minor: -1, access: "rmw" },
    ],
    cpu: { quota: 150000, period: 100000, shares: 512, realtimeRuntime: 950_000, realtimePeriod: 1_000_000, cpus: "0", mems: "0" },
    memory: { reservation: 64 << 20, kernel: 64 << 20, swappiness: 10, disableOOMKiller: true },
    blockIO: {
      throttleReadBpsDevice: [{ major: 1, minor: 3, rate: 1 << 20 }],
      throttleWriteIOPSDevice: [{ major: 1, minor: 5, rate: 200 }],
    },
  });
  const untouched: OciResources = { devices: [] };
  applyTuning(untouched, tuningOf({}));
  assert.deepEqual(untouched, { devices: [] }, "nothing set, nothing written");
  assert.throws(() => applyTuning({ devices: [] }, tuningOf({ BlkioDeviceReadBps: [{ Path: "/dev/nosuch", Rate: 1 }] })), {
    message: "stat /dev/nosuch: no such file or directory",
  });
});
