// The container's cgroup resources with Docker 20.10's rules and words (moby v20.10.24
// daemon/daemon_unix.go): memory and swap, --cpus, --pids-limit, and the device rules.
import { InvalidArgumentError } from "../../errors.js";
import { deviceRules, type DeviceFromPath } from "./devices.js";
import { applyTuning } from "./cgroup-tuning.js";
import type { OciResources } from "./runtime-spec.js";
import type { RuntimeSpecInput } from "./spec-input.js";

/** daemon_unix.go linuxMinMemory. */
const MIN_MEMORY = 6 * 1024 * 1024;

export function buildResources(input: RuntimeSpecInput, devices: readonly DeviceFromPath[], swapAccounting: boolean): OciResources {
  const resources: OciResources = { devices: deviceRules(input.privileged, devices) };
  const memory = memoryResources(input.resources, swapAccounting);
  if (memory) resources.memory = memory;
  const cpu = cpuResources(input.resources.nanoCpus);
  if (cpu) resources.cpu = cpu;
  if (input.resources.pidsLimit !== undefined) {
    // The API takes 0 and negatives as "unlimited"; runc needs -1 for that (daemon_unix.go getPidsLimit).
    resources.pids = { limit: input.resources.pidsLimit > 0 ? input.resources.pidsLimit : -1 };
  }
  if (input.tuning) applyTuning(resources, input.tuning);
  return resources;
}

/**
 * daemon_unix.go verifyPlatformContainerResources and getMemoryResources: swap (memory+swap, as
 * cgroup v1's memsw) defaults to twice the memory; -1 means unlimited swap and is left unset.
 */
function memoryResources(r: RuntimeSpecInput["resources"], swapAccounting: boolean): { limit?: number; swap?: number } | undefined {
  const memory = r.memory ?? 0;
  let swap = r.memorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new InvalidArgumentError("Minimum memory limit allowed is 6MB");
  if (memory === 0 && swap > 0) {
    throw new InvalidArgumentError("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (memory > 0 && swap === 0) swap = memory * 2;
  if (memory > 0 && !swapAccounting) swap = -1;
  if (memory > 0 && swap > 0 && swap < memory) {
    throw new InvalidArgumentError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  const out: { limit?: number; swap?: number } = {};
  if (memory > 0) out.limit = memory;
  if (swap > 0) out.swap = swap;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** --cpus: a CFS quota over Docker's fixed 100 ms period (daemon_unix.go getCPUResources). */
function cpuResources(nanoCpus: number | undefined): { quota: number; period: number } | undefined {
  if (nanoCpus === undefined || nanoCpus <= 0) return undefined;
  const period = 100_000;
  return { quota: Math.trunc((nanoCpus * period) / 1e9), period };
}
