// `update`: new resource limits and restart policy for a container, running or not, with dockerd
// 20.10's rules (moby v20.10.24 daemon/update.go, container/container_unix.go UpdateContainer).
// A zero value leaves a setting as it is. A running (or paused) container gets the new limits
// through the runtime at once; a stopped one at its next start. The bundle's config.json is not
// rewritten, as Docker leaves it.
import type { Engine } from "../engine.js";
import { recordContainerEvent } from "../events.js";
import { resolveContainer } from "./container-state.js";
import { containerRuntime } from "./container-runtime.js";
import { checkResources, type ResourceRequest } from "./resource-checks.js";
import { checkRestartPolicy } from "./restart-policy.js";
import { BerthError, InvalidArgumentError, NotFoundError, SystemError } from "../../errors.js";
import type { HostConfig, RestartPolicy } from "../../store/container-store.js";
import type { OciResources } from "../../runtime/spec/runtime-spec.js";

export interface UpdateRequest {
  resources: ResourceRequest & { PidsLimit?: number | null };
  /** Name "" leaves the policy as it is. */
  restartPolicy?: RestartPolicy;
}

export async function updateContainer(engine: Engine, idOrName: string, req: UpdateRequest): Promise<{ warnings: string[] }> {
  const record = resolveContainer(engine, idOrName);
  const { settings, warnings } = checkResources(req.resources, { update: true });
  const request: UpdateRequest["resources"] = {
    ...settings,
    ...(req.resources.Memory !== undefined ? { Memory: req.resources.Memory } : {}),
    ...(req.resources.MemorySwap !== undefined ? { MemorySwap: req.resources.MemorySwap } : {}),
    ...(req.resources.NanoCpus !== undefined ? { NanoCpus: req.resources.NanoCpus } : {}),
    ...(req.resources.PidsLimit !== undefined ? { PidsLimit: req.resources.PidsLimit } : {}),
  };
  const policy = req.restartPolicy?.Name ? checkRestartPolicy(req.restartPolicy, false) : undefined;
  const id = record.spec.id;
  // Checked before the runtime is asked, so that a refused update changes nothing.
  mergeUpdate(record.spec.hostConfig, request, policy, id);
  const { state } = record;
  if (state.Running && !state.Restarting) {
    try {
      await containerRuntime(engine, record.spec).updateResources(id, runtimeResources(request));
    } catch (err) {
      // containerd adds its gRPC code to what runc said.
      if (err instanceof SystemError) throw new SystemError(`Cannot update container ${id}: ${err.message}: unknown`, { cause: err });
      throw err;
    }
  }
  engine.store.write(() => {
    const fresh = engine.store.containers.get(id);
    if (!fresh) throw new NotFoundError(`No such container: ${idOrName}`);
    const hostConfig = mergeUpdate(fresh.spec.hostConfig, request, policy, id);
    engine.store.containers.setSpec({ ...fresh.spec, hostConfig });
    recordContainerEvent(engine, fresh.spec, "update");
  });
  return { warnings };
}

/** container_unix.go UpdateContainer: the stored settings with the request's non-zero values over them. */
export function mergeUpdate(host: HostConfig, r: UpdateRequest["resources"], policy: RestartPolicy | undefined, id: string): HostConfig {
  const refuse = (message: string): BerthError => new InvalidArgumentError(`Cannot update container ${id}: ${message}`);
  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (host.CpuPeriod ?? 0) > 0)
    throw refuse("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if (nano > 0 && (host.CpuQuota ?? 0) > 0)
    throw refuse("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  if ((r.CpuPeriod ?? 0) > 0 && host.NanoCpus > 0)
    throw refuse("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if ((r.CpuQuota ?? 0) > 0 && host.NanoCpus > 0)
    throw refuse("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  const out: HostConfig = { ...host };
  // dockerd stores twice the memory as the swap limit when -m came alone; berth stores what was given.
  const swapNow = host.MemorySwap !== 0 ? host.MemorySwap : host.Memory > 0 ? host.Memory * 2 : 0;
  const memory = r.Memory ?? 0;
  if (memory !== 0) {
    if (memory > swapNow && (r.MemorySwap ?? 0) === 0) {
      throw refuse("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    }
    out.Memory = memory;
    out.MemorySwap = swapNow;
  }
  if ((r.MemorySwap ?? 0) !== 0) out.MemorySwap = r.MemorySwap!;
  const numbers = [
    "BlkioWeight",
    "CpuShares",
    "NanoCpus",
    "CpuPeriod",
    "CpuQuota",
    "MemoryReservation",
    "KernelMemory",
    "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
  ] as const;
  for (const key of numbers) if ((r[key] ?? 0) !== 0) out[key] = r[key]!;
  if (r.CpusetCpus) out.CpusetCpus = r.CpusetCpus;
  if (r.CpusetMems) out.CpusetMems = r.CpusetMems;
  // Measured: 0 changes nothing, a negative one lifts the limit and inspect then shows 0.
  if (r.PidsLimit) out.PidsLimit = r.PidsLimit > 0 ? r.PidsLimit : 0;
  if (policy) {
    if (host.AutoRemove && policy.Name !== "no")
      throw refuse("Restart policy cannot be updated because AutoRemove is enabled for the container");
    out.RestartPolicy = policy;
  }
  return out;
}

/** daemon/update_linux.go toContainerdResources: the request's values only; runc leaves zeros alone. */
export function runtimeResources(r: UpdateRequest["resources"]): Partial<OciResources> {
  const out: Partial<OciResources> = {};
  const cpu: NonNullable<OciResources["cpu"]> = {};
  if (r.CpuShares) cpu.shares = r.CpuShares;
  if (r.NanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.trunc((r.NanoCpus * 100_000) / 1e9);
  }
  if (r.CpuPeriod) cpu.period = r.CpuPeriod;
  if (r.CpuQuota) cpu.quota = r.CpuQuota;
  if (r.CpuRealtimePeriod) cpu.realtimePeriod = r.CpuRealtimePeriod;
  if (r.CpuRealtimeRuntime) cpu.realtimeRuntime = r.CpuRealtimeRuntime;
  if (r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (r.CpusetMems) cpu.mems = r.CpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  const memory: NonNullable<OciResources["memory"]> = {};
  if (r.Memory) memory.limit = r.Memory;
  // Measured: --memory-swap -1 leaves memsw as it was.
  if (r.MemorySwap && r.MemorySwap > 0) memory.swap = r.MemorySwap;
  if (r.MemoryReservation) memory.reservation = r.MemoryReservation;
  if (Object.keys(memory).length) out.memory = memory;
  if (r.BlkioWeight) out.blockIO = { weight: r.BlkioWeight };
  if (r.PidsLimit) out.pids = { limit: r.PidsLimit > 0 ? r.PidsLimit : -1 };
  return out;
}
