// Which networks a container joins: written at create from its network mode and endpoints
// (NetworkingConfig.EndpointsConfig, or the CLI's --network, --network-alias and --ip), changed by
// `network connect` and `disconnect`, and found again at every start. A network that does not
// exist at create is kept by name and fails the start, as dockerd's create 201 / start 404.
import type { Engine } from "../engine.js";
import type { AttachmentRecord, EndpointConfig, NetworkRecord } from "../../store/network-store.js";

export type { EndpointConfig };
import { DEFAULT_BRIDGE_NAME } from "./default-bridge.js";
import { allNetworks } from "./networks.js";
import { networkKind } from "./network-mode.js";
import { InvalidArgumentError, NotFoundError, NotImplementedError } from "../../errors.js";
import { parseIp } from "../../network/ip-address.js";
import type { JoinedNetwork } from "./sandbox.js";

/** The network a mode names: "default" is the default bridge. */
export function primaryNetworkName(mode: string): string {
  return mode === "default" || mode === "" ? DEFAULT_BRIDGE_NAME : mode;
}

function findNetwork(engine: Engine, ref: string): NetworkRecord | undefined {
  const networks = allNetworks(engine);
  return networks.find((n) => n.id === ref) ?? networks.find((n) => n.name === ref) ?? uniquePrefix(networks, ref);
}

function uniquePrefix(networks: readonly NetworkRecord[], ref: string): NetworkRecord | undefined {
  const matches = ref.length > 0 ? networks.filter((n) => n.id.startsWith(ref)) : [];
  return matches.length === 1 ? matches[0] : undefined;
}

/** dockerd's checks of one endpoint's config against its network (daemon/container_operations.go). */
export function checkEndpointConfig(network: { name: string; driver: string } | undefined, config: EndpointConfig): void {
  const userDefined = network === undefined || (network.driver === "bridge" && network.name !== DEFAULT_BRIDGE_NAME);
  const ipam = config.IPAMConfig ?? {};
  if (!userDefined && (ipam.IPv4Address || ipam.IPv6Address)) {
    throw new InvalidArgumentError("user specified IP address is supported on user defined networks only");
  }
  if (!userDefined && (config.Aliases?.length ?? 0) > 0) {
    throw new InvalidArgumentError("network-scoped alias is supported only for containers in user defined networks");
  }
  if ((config.Links?.length ?? 0) > 0) throw new NotImplementedError("berth does not support links on user-defined networks yet");
  if (config.DriverOpts && Object.keys(config.DriverOpts).length > 0) {
    throw new NotImplementedError("berth does not support endpoint driver options yet");
  }
  if (ipam.IPv4Address && parseIp(ipam.IPv4Address)?.family !== 4)
    throw new InvalidArgumentError(`invalid IPv4 address: ${ipam.IPv4Address}`);
  if (ipam.IPv6Address && parseIp(ipam.IPv6Address)?.family !== 6)
    throw new InvalidArgumentError(`invalid IPv6 address: ${ipam.IPv6Address}`);
}

/** What create writes: the mode's network first, then the other endpoints in the order given. */
export function plannedAttachments(
  engine: Engine,
  req: { containerId: string; networkMode: string; endpoints: Readonly<Record<string, EndpointConfig>> },
): Omit<AttachmentRecord, "position">[] {
  const kind = networkKind(req.networkMode);
  const names = Object.keys(req.endpoints);
  if (kind !== "bridge") {
    const withConfig = names.find((n) => n !== req.networkMode && n !== primaryNetworkName(req.networkMode));
    if (withConfig !== undefined) {
      throw new InvalidArgumentError(
        kind === "container"
          ? "conflicting options: container type network can't be used with other networks"
          : `container cannot be connected to multiple networks with one of the networks in ${kind} mode`,
      );
    }
    const config = req.endpoints[req.networkMode];
    if (config && ((config.Aliases?.length ?? 0) > 0 || config.IPAMConfig?.IPv4Address || config.IPAMConfig?.IPv6Address)) {
      checkEndpointConfig({ name: req.networkMode, driver: kind }, config);
    }
    return [];
  }
  const primary = primaryNetworkName(req.networkMode);
  const ordered = [primary, ...names.map(primaryNetworkName).filter((n) => n !== primary)];
  const configOf = (name: string): EndpointConfig =>
    req.endpoints[name] ?? (name === DEFAULT_BRIDGE_NAME ? req.endpoints["default"] : undefined) ?? {};
  const seen = new Set<string>();
  return ordered.flatMap((ref) => {
    const network = findNetwork(engine, ref);
    const name = network?.name ?? ref;
    if (seen.has(name)) return [];
    seen.add(name);
    if (network && network.driver !== "bridge") {
      throw new InvalidArgumentError(`container cannot be connected to multiple networks with one of the networks in ${network.name} mode`);
    }
    const config = normalizedConfig(configOf(ref));
    checkEndpointConfig(network, config);
    return [{ containerId: req.containerId, networkName: name, networkId: network?.id ?? "", config }];
  });
}

/** Empty parts dropped, so that `"IPAMConfig": {}` and `"Aliases": []` are what "none" is. */
export function normalizedConfig(config: EndpointConfig): EndpointConfig {
  const ipam = config.IPAMConfig ?? {};
  return {
    ...(config.Aliases?.length ? { Aliases: [...config.Aliases] } : {}),
    ...(ipam.IPv4Address || ipam.IPv6Address || ipam.LinkLocalIPs?.length
      ? {
          IPAMConfig: {
            ...(ipam.IPv4Address ? { IPv4Address: ipam.IPv4Address } : {}),
            ...(ipam.IPv6Address ? { IPv6Address: ipam.IPv6Address } : {}),
            ...(ipam.LinkLocalIPs?.length ? { LinkLocalIPs: [...ipam.LinkLocalIPs] } : {}),
          },
        }
      : {}),
    ...(config.Links?.length ? { Links: [...config.Links] } : {}),
    ...(config.MacAddress ? { MacAddress: config.MacAddress } : {}),
    ...(config.DriverOpts !== undefined ? { DriverOpts: config.DriverOpts } : {}),
  };
}

/** The container's networks for a start, each found by ID or, failing that, by name. */
export function networksToJoin(engine: Engine, containerId: string): JoinedNetwork[] {
  return engine.store.networks.attachments(containerId).map((attachment) => {
    const network =
      (attachment.networkId ? engine.store.networks.get(attachment.networkId) : undefined) ??
      allNetworks(engine).find((n) => n.name === attachment.networkName);
    if (!network) throw new NotFoundError(`network ${attachment.networkName} not found`);
    return { attachment, network };
  });
}
