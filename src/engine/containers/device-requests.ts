// HostConfig.DeviceRequests (--gpus): kept at create and refused at start, as dockerd 20.10 does
// on a host without a device driver. berth has no GPU driver (dockerd's is the NVIDIA container
// toolkit's hook), so every request fails with dockerd's words.
import { SystemError } from "../../errors.js";
import type { DeviceRequest } from "../../store/container-store.js";

export type { DeviceRequest };

/** A start that could not select a device driver: the container stays created, with this as State.Error. */
export class DeviceDriverError extends SystemError {}

/**
 * dockerd's daemon/devices.go: the first request no registered driver serves fails the start,
 * its capabilities printed as Go's %v of a [][]string.
 */
export function selectDeviceDrivers(requests: readonly DeviceRequest[]): void {
  const first = requests[0];
  if (!first) return;
  const capabilities = `[${(first.Capabilities ?? []).map((set) => `[${set.join(" ")}]`).join(" ")}]`;
  throw new DeviceDriverError(`could not select device driver ${JSON.stringify(first.Driver)} with capabilities: ${capabilities}`);
}
