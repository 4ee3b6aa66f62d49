// --network: a namespace of the container's own on bridge networks (the default bridge, "default" or
// "bridge", or a user network by name or ID), the host's namespace, a namespace with only lo
// ("none"), or another running container's ("container:NAME"). Checked at create with dockerd's
// words (runconfig/errors.go), joined at start.
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import { resolveContainer } from "../containers/container-state.js";
import { ConflictError, InvalidArgumentError } from "../../errors.js";

/** "bridge": the container has a namespace of its own, joined to bridge networks. */
export type NetworkKind = "bridge" | "host" | "none" | "container";

export function networkKind(mode: string): NetworkKind {
  if (mode === "host" || mode === "none") return mode;
  if (mode.startsWith("container:")) return "container";
  return "bridge";
}

/** The parts of a create request the mode is checked against. */
interface NetworkRequest {
  hostname?: string | undefined;
  networkMode: string;
  portBindings: Readonly<Record<string, unknown>>;
  publishAll: boolean;
  exposedPorts: readonly string[];
}

/** dockerd's checks of a create (daemon/create.go verifyNetworkingConfig, runconfig verifyPlatformContainerSettings). */
export function checkNetworkMode(engine: Engine, req: NetworkRequest): void {
  const kind = networkKind(req.networkMode);
  if (kind !== "container") return;
  const target = req.networkMode.slice("container:".length);
  if (target === "") throw new InvalidArgumentError("Invalid network mode: invalid container format container:<name|id>");
  if (req.hostname) throw new InvalidArgumentError("conflicting options: hostname and the network mode");
  if (Object.keys(req.portBindings).length > 0 || req.publishAll) {
    throw new InvalidArgumentError("conflicting options: port publishing and the container type network mode");
  }
  if (req.exposedPorts.length > 0) throw new InvalidArgumentError("conflicting options: port exposing and the container type network mode");
  resolveContainer(engine, target); // "No such container" now rather than at start
}

/** The running container whose network namespace `container:NAME` joins. */
export function networkPeer(engine: Engine, spec: ContainerSpec): { pid: number; id: string } {
  const target = resolveContainer(engine, spec.hostConfig.NetworkMode.slice("container:".length));
  if (target.spec.id === spec.id) throw new InvalidArgumentError("cannot join own network");
  if (!target.state.Running) throw new ConflictError(`cannot join network of a non running container: ${target.spec.id}`);
  return { pid: target.state.Pid, id: target.spec.id };
}
