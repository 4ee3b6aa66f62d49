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
  const pool = { subnet: formatCidr(subnet), gateway: formatIp({ family: 4, value: networkAddress(subnet).value + 1n }) };
  const record: NetworkRecord = {
    id: randomBytes(32).toString("hex"),
    name: DEFAULT_BRIDGE_NAME,
    driver: "bridge",
    bridge: DEFAULT_BRIDGE_INTERFACE,
    subnet: pool.subnet,
    gateway: pool.gateway,
    created: formatTimestamp(engine.clock.now()),
    internal: false,
    // Docker's default bridge has no embedded DNS: containers resolve with the host's servers.
    dns: false,
    labels: {},
    pools: [pool],
    ipamConfig: [{ Subnet: pool.subnet, Gateway: pool.gateway }],
    options: {},
    attachable: false,
    ipv6: false,
  };
  engine.store.networks.insert(record);
  return record;
}

/** The network's pools, IPv4 first. */
export function addressPools(network: NetworkRecord): AddressPool[] {
  return network.pools.map((pool) => {
    const subnet = parseCidr(pool.subnet);
    const gateway = parseIp(pool.gateway);
    const ipRange = pool.ipRange === undefined ? undefined : parseCidr(pool.ipRange);
    if (!subnet || !gateway || (pool.ipRange !== undefined && !ipRange))
      throw new SystemError(`network ${network.name} has a damaged address pool: ${pool.subnet} ${pool.gateway}`);
    return { subnet, gateway, ...(ipRange ? { ipRange } : {}), automatic: false };
  });
}

/** The network's IPv4 pool (every bridge network has one). */
export function addressPool(network: NetworkRecord): AddressPool {
  const pool = addressPools(network).find((p) => p.subnet.address.family === 4);
  if (!pool) throw new SystemError(`network ${network.name} has no IPv4 address pool`);
  return pool;
}

/** What netavark is given for the network. */
export function bridgeNetwork(network: NetworkRecord): BridgeNetwork {
  return {
    name: network.name,
    id: network.id,
    created: new Date(network.created),
    bridge: network.bridge,
    pools: addressPools(network),
    internal: network.internal,
    ipv6: network.ipv6,
    dns: network.dns,
    labels: network.labels,
    ...(network.options["com.docker.network.driver.mtu"] ? { mtu: Number(network.options["com.docker.network.driver.mtu"]) } : {}),
  };
}
