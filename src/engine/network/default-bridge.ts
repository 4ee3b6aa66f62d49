// The default `bridge` network, as dockerd makes it at its start: 172.17.0.0/16 with gateway
// 172.17.0.1, or the next of Docker's default pools when the host already uses 172.17 (an address
// or a route: host-routes.ts), with `.1` as its gateway. Its Linux bridge is `berth0`, not
// dockerd's `docker0`, so that berth and a dockerd on the same host never configure one bridge
// twice. The row is made the first time a container needs it, inside the transaction that
// reserves that container's address.
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import type { NetworkRecord } from "../../store/network-store.js";
import type { BridgeNetwork } from "../../network/netavark.js";
import { formatCidr, formatIp, networkAddress, parseCidr, parseIp } from "../../network/ip-address.js";
import { firstFreeDefaultPool, hostNetworks } from "../../network/host-routes.js";
import type { AddressPool } from "../../network/ipam.js";
import { formatTimestamp } from "../../image/config.js";
import { SystemError } from "../../errors.js";

export const DEFAULT_BRIDGE_NAME = "bridge";
export const DEFAULT_BRIDGE_INTERFACE = "berth0";

/** Inside a write transaction: the default bridge's row, made now if it is missing. */
export function ensureDefaultBridge(engine: Engine): NetworkRecord {
  const existing = engine.store.networks.getByName(DEFAULT_BRIDGE_NAME);
  if (existing) return existing;
  const subnet = firstFreeDefaultPool(hostNetworks({ skipInterface: DEFAULT_BRIDGE_INTERFACE }));
  const record: NetworkRecord = {
    id: randomBytes(32).toString("hex"),
    name: DEFAULT_BRIDGE_NAME,
    driver: "bridge",
    bridge: DEFAULT_BRIDGE_INTERFACE,
    subnet: formatCidr(subnet),
    gateway: formatIp({ family: 4, value: networkAddress(subnet).value + 1n }),
    created: formatTimestamp(engine.clock.now()),
    internal: false,
    // Docker's default bridge has no embedded DNS: containers resolve with the host's servers.
    dns: false,
    labels: {},
  };
  engine.store.networks.insert(record);
  return record;
}

export function addressPool(network: NetworkRecord): AddressPool {
  const subnet = parseCidr(network.subnet);
  const gateway = parseIp(network.gateway);
  if (!subnet || !gateway)
    throw new SystemError(`network ${network.name} has a damaged address pool: ${network.subnet} ${network.gateway}`);
  return { subnet, gateway, automatic: false };
}

/** What netavark is given for the network. */
export function bridgeNetwork(network: NetworkRecord): BridgeNetwork {
  return {
    name: network.name,
    id: network.id,
    created: new Date(network.created),
    bridge: network.bridge,
    pools: [addressPool(network)],
    internal: network.internal,
    ipv6: false,
    dns: network.dns,
    labels: network.labels,
  };
}
