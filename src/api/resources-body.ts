// container.Resources fields of a create's HostConfig or an update's body, with Go's decoding:
// null or absent is Go's zero value, a wrong type gets the decoder's message.
import type { ResourceRequest, ThrottleDevice, WeightDevice } from "../engine/containers/resource-checks.js";
import { optionalBool, optionalNumber, optionalString, stringList, unmarshal } from "./request-body.js";

/** Every resource field the body sets; `type` names the Go struct in decoder messages. */
export function resourcesOf(body: Record<string, unknown>, type: string): ResourceRequest {
  const out: ResourceRequest = {};
  const numbers = [
    "CpuShares",
    "CpuPeriod",
    "CpuQuota",
    "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
    "MemoryReservation",
    "KernelMemory",
    "OomScoreAdj",
    "BlkioWeight",
    "CpuCount",
    "CpuPercent",
    "IOMaximumIOps",
    "IOMaximumBandwidth",
  ] as const;
  for (const key of numbers) {
    const v = optionalNumber(body, key, type);
    if (v !== undefined) out[key] = v;
  }
  const swappiness = optionalNumber(body, "MemorySwappiness", type);
  if (swappiness !== undefined) out.MemorySwappiness = swappiness;
  const cpus = optionalString(body, "CpusetCpus", type);
  if (cpus !== undefined) out.CpusetCpus = cpus;
  const mems = optionalString(body, "CpusetMems", type);
  if (mems !== undefined) out.CpusetMems = mems;
  const oom = optionalBool(body, "OomKillDisable", type);
  if (oom !== undefined) out.OomKillDisable = oom;
  const weights = deviceList(body, "BlkioWeightDevice", type, "blkiodev.WeightDevice", "Weight");
  if (weights) out.BlkioWeightDevice = weights.map((d) => ({ Path: d.Path, Weight: d.value }) satisfies WeightDevice);
  for (const key of ["BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"] as const) {
    const list = deviceList(body, key, type, "blkiodev.ThrottleDevice", "Rate");
    if (list) out[key] = list.map((d) => ({ Path: d.Path, Rate: d.value }) satisfies ThrottleDevice);
  }
  const rules = stringList(body, "DeviceCgroupRules", type);
  if (rules !== undefined) out.DeviceCgroupRules = rules && rules.length ? rules : null;
  return out;
}

/** create's HostConfig: the Windows-only fields apart, the rest stored as dockerd stores them. */
export function createResources(
  host: Record<string, unknown>,
  type: string,
): {
  settings: ResourceRequest;
  windowsOnly: { CpuPercent?: number; IOMaximumIOps?: number; IOMaximumBandwidth?: number };
} {
  const { CpuPercent, IOMaximumIOps, IOMaximumBandwidth, ...settings } = resourcesOf(host, type);
  return {
    settings,
    windowsOnly: {
      ...(CpuPercent !== undefined ? { CpuPercent } : {}),
      ...(IOMaximumIOps !== undefined ? { IOMaximumIOps } : {}),
      ...(IOMaximumBandwidth !== undefined ? { IOMaximumBandwidth } : {}),
    },
  };
}

function deviceList(
  body: Record<string, unknown>,
  key: string,
  type: string,
  goType: string,
  valueKey: string,
): { Path: string; value: number }[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw unmarshal(v, `${type}.${key}`, `[]*${goType}`);
  return v.map((d: unknown) => {
    if (d === null || typeof d !== "object" || Array.isArray(d)) throw unmarshal(d, `${type}.${key}`, goType);
    const entry = d as Record<string, unknown>;
    return { Path: optionalString(entry, "Path", goType) ?? "", value: optionalNumber(entry, valueKey, goType) ?? 0 };
  });
}
