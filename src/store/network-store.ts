// Networks, what each container is to join, and what running containers hold: the sandbox
// (network namespace file and the netavark input that set it up), one endpoint (addresses, MAC,
// interface) per network, and host ports. Plain rows: choosing addresses and ports is
// src/network's, and the engine's use case writes the choice here in the same transaction that
// read what was taken.
import type { Db } from "./db.js";

/** One address pool of a network, as netavark is given it. */
export interface PoolRecord {
  subnet: string;
  gateway: string;
  ipRange?: string;
}

/** IPAM.Config's entries as Docker shows them: what was asked for, plus the gateway when berth chose the subnet. */
export interface IpamConfigRecord {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  /** The Linux bridge. */
  bridge: string;
  /** The IPv4 pool's subnet and gateway (every bridge network has one). */
  subnet: string;
  gateway: string;
  created: string;
  internal: boolean;
  dns: boolean;
  labels: Record<string, string>;
  /** Every pool, IPv4 first. */
  pools: PoolRecord[];
  ipamConfig: IpamConfigRecord[];
  options: Record<string, string>;
  attachable: boolean;
  ipv6: boolean;
}

/** What a container asked for on one network (EndpointsConfig, `connect`'s EndpointConfig). */
export interface EndpointConfig {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  Links?: string[];
  MacAddress?: string;
  /** null when made by create, {} when made by connect, as Docker shows them. */
  DriverOpts?: Record<string, string> | null;
}

export interface AttachmentRecord {
  containerId: string;
  networkName: string;
  /** "" until the network was found (a container may name a network that is created later). */
  networkId: string;
  position: number;
  config: EndpointConfig;
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  endpointId: string;
  address: string;
  prefixLen: number;
  macAddress: string;
  address6?: string;
  prefixLen6?: number;
  interfaceName?: string;
  /** netavark's input for this network alone, when it was connected while the container ran. */
  setup?: string;
}

export interface PortReservationRow {
  hostIp: string;
  protocol: string;
  hostPort: number;
}

export interface SandboxRecord {
  containerId: string;
  sandboxId: string;
  /** The network namespace file. */
  netns: string;
  /** netavark's setup input at start, which teardown takes again (JSON text); less networks disconnected since. */
  options: string;
  /** NetworkSettings.Ports as bound (JSON text). */
  ports: string;
  endpoints: EndpointRecord[];
  reservations: PortReservationRow[];
}

interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  bridge: string;
  subnet: string;
  gateway: string;
  created: string;
  internal: number;
  dns: number;
  labels: string;
  pools: string;
  ipam_config: string;
  options: string;
  attachable: number;
  ipv6: number;
}

interface EndpointRow {
  container_id: string;
  network_id: string;
  endpoint_id: string;
  address: string;
  prefix_len: number;
  mac_address: string;
  address6: string;
  prefix_len6: number;
  interface: string;
  setup: string;
}

interface AttachmentRow {
  container_id: string;
  network_name: string;
  network_id: string;
  position: number;
  config: string;
}

export class NetworkStore {
  constructor(private readonly db: Db) {}

  getByName(name: string): NetworkRecord | undefined {
    const row = this.db.prepare("SELECT * FROM networks WHERE name = ?").get(name) as NetworkRow | undefined;
    return row && toNetwork(row);
  }

  get(id: string): NetworkRecord | undefined {
    const row = this.db.prepare("SELECT * FROM networks WHERE id = ?").get(id) as NetworkRow | undefined;
    return row && toNetwork(row);
  }

  /** Networks whose ID starts with `prefix`. */
  withIdPrefix(prefix: string): NetworkRecord[] {
    return (this.db.prepare("SELECT * FROM networks WHERE substr(id, 1, ?) = ?").all(prefix.length, prefix) as NetworkRow[]).map(toNetwork);
  }

  list(): NetworkRecord[] {
    return (this.db.prepare("SELECT * FROM networks ORDER BY name").all() as NetworkRow[]).map(toNetwork);
  }

  /** Inside a write transaction. */
  insert(network: NetworkRecord): void {
    this.db
      .prepare(
        `INSERT INTO networks (id, name, driver, bridge, subnet, gateway, created, internal, dns, labels, pools, ipam_config, options, attachable, ipv6)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        network.id,
        network.name,
        network.driver,
        network.bridge,
        network.subnet,
        network.gateway,
        network.created,
        network.internal ? 1 : 0,
        network.dns ? 1 : 0,
        JSON.stringify(network.labels),
        JSON.stringify(network.pools),
        JSON.stringify(network.ipamConfig),
        JSON.stringify(network.options),
        network.attachable ? 1 : 0,
        network.ipv6 ? 1 : 0,
      );
  }

  /** Inside a write transaction. Endpoints on it must be gone first (the foreign key says so). */
  remove(id: string): void {
    this.db.prepare("DELETE FROM networks WHERE id = ?").run(id);
  }

  /** Addresses held on a network, by every container (both families). */
  addressesOn(networkId: string): string[] {
    const rows = this.db.prepare("SELECT address, address6 FROM endpoints WHERE network_id = ?").all(networkId) as {
      address: string;
      address6: string;
    }[];
    return rows.flatMap((r) => [r.address, r.address6].filter((a) => a !== ""));
  }

  /** The endpoints on a network, of every running container. */
  endpointsOn(networkId: string): EndpointRecord[] {
    return (this.db.prepare("SELECT * FROM endpoints WHERE network_id = ? ORDER BY container_id").all(networkId) as EndpointRow[]).map(
      toEndpoint,
    );
  }

  /** Host ports held by every container. */
  reservations(): PortReservationRow[] {
    return (
      this.db.prepare("SELECT host_ip, protocol, host_port FROM port_reservations").all() as {
        host_ip: string;
        protocol: string;
        host_port: number;
      }[]
    ).map((r) => ({ hostIp: r.host_ip, protocol: r.protocol, hostPort: r.host_port }));
  }

  /** The last ephemeral host port handed out, per "address/protocol". */
  portCounters(): Record<string, number> {
    const rows = this.db.prepare("SELECT key, last_port FROM port_counters WHERE key NOT LIKE 'ipam/%'").all() as {
      key: string;
      last_port: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.last_port]));
  }

  /** A counter kept beside the ports' (keys "ipam/…": the IPv4 default pool handed out last). */
  counter(key: string): number | undefined {
    return (this.db.prepare("SELECT last_port FROM port_counters WHERE key = ?").get(key) as { last_port: number } | undefined)?.last_port;
  }

  /** Inside a write transaction: sets counter(key). */
  setCounter(key: string, value: number): void {
    this.db
      .prepare("INSERT INTO port_counters (key, last_port) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET last_port = excluded.last_port")
      .run(key, value);
  }

  /** Inside a write transaction: the sandbox with its endpoints and ports, all at once. */
  insertSandbox(sandbox: SandboxRecord, counters: Record<string, number>): void {
    this.db
      .prepare("INSERT INTO sandboxes (container_id, sandbox_id, netns, options, ports) VALUES (?, ?, ?, ?, ?)")
      .run(sandbox.containerId, sandbox.sandboxId, sandbox.netns, sandbox.options, sandbox.ports);
    for (const e of sandbox.endpoints) this.insertEndpoint(e);
    for (const r of sandbox.reservations) {
      this.db
        .prepare("INSERT INTO port_reservations (host_ip, protocol, host_port, container_id) VALUES (?, ?, ?, ?)")
        .run(r.hostIp, r.protocol, r.hostPort, sandbox.containerId);
    }
    for (const [key, last] of Object.entries(counters)) {
      this.db
        .prepare("INSERT INTO port_counters (key, last_port) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET last_port = excluded.last_port")
        .run(key, last);
    }
  }

  /** Inside a write transaction: one more endpoint of a running container's sandbox. */
  insertEndpoint(e: EndpointRecord): void {
    this.db
      .prepare(
        `INSERT INTO endpoints (container_id, network_id, endpoint_id, address, prefix_len, mac_address, address6, prefix_len6, interface, setup)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.containerId,
        e.networkId,
        e.endpointId,
        e.address,
        e.prefixLen,
        e.macAddress,
        e.address6 ?? "",
        e.prefixLen6 ?? 0,
        e.interfaceName ?? "eth0",
        e.setup ?? "",
      );
  }

  /** Inside a write transaction. */
  removeEndpoint(containerId: string, networkId: string): void {
    this.db.prepare("DELETE FROM endpoints WHERE container_id = ? AND network_id = ?").run(containerId, networkId);
  }

  /** Inside a write transaction: the start's netavark input, once a network left it. */
  updateSandboxOptions(containerId: string, options: string): void {
    this.db.prepare("UPDATE sandboxes SET options = ? WHERE container_id = ?").run(options, containerId);
  }

  /** The containers that hold a sandbox, running or left by a run that ended without its cleanup. */
  sandboxContainers(): string[] {
    return (this.db.prepare("SELECT container_id FROM sandboxes ORDER BY container_id").all() as { container_id: string }[]).map(
      (r) => r.container_id,
    );
  }

  sandbox(containerId: string): SandboxRecord | undefined {
    const row = this.db.prepare("SELECT * FROM sandboxes WHERE container_id = ?").get(containerId) as
      { container_id: string; sandbox_id: string; netns: string; options: string; ports: string } | undefined;
    if (!row) return undefined;
    const endpoints = (
      this.db.prepare("SELECT * FROM endpoints WHERE container_id = ? ORDER BY interface").all(containerId) as EndpointRow[]
    ).map(toEndpoint);
    const reservations = (
      this.db.prepare("SELECT host_ip, protocol, host_port FROM port_reservations WHERE container_id = ?").all(containerId) as {
        host_ip: string;
        protocol: string;
        host_port: number;
      }[]
    ).map((r) => ({ hostIp: r.host_ip, protocol: r.protocol, hostPort: r.host_port }));
    return {
      containerId: row.container_id,
      sandboxId: row.sandbox_id,
      netns: row.netns,
      options: row.options,
      ports: row.ports,
      endpoints,
      reservations,
    };
  }

  /** Inside a write transaction: frees the addresses and ports (they cascade). */
  removeSandbox(containerId: string): void {
    this.db.prepare("DELETE FROM sandboxes WHERE container_id = ?").run(containerId);
  }

  /** What the container is to join, in the order it joined. */
  attachments(containerId: string): AttachmentRecord[] {
    return (
      this.db.prepare("SELECT * FROM container_networks WHERE container_id = ? ORDER BY position").all(containerId) as AttachmentRow[]
    ).map(toAttachment);
  }

  /** Every container's attachment to the network, by ID or (for those made before it was found) name. */
  attachedTo(network: { id: string; name: string }): AttachmentRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM container_networks WHERE network_id = ? OR (network_id = '' AND network_name = ?)")
        .all(network.id, network.name) as AttachmentRow[]
    ).map(toAttachment);
  }

  /** Inside a write transaction: appended after the container's other networks. */
  attach(a: Omit<AttachmentRecord, "position">): AttachmentRecord {
    const { next } = this.db
      .prepare("SELECT COALESCE(MAX(position) + 1, 0) AS next FROM container_networks WHERE container_id = ?")
      .get(a.containerId) as { next: number };
    this.db
      .prepare("INSERT INTO container_networks (container_id, network_name, network_id, position, config) VALUES (?, ?, ?, ?, ?)")
      .run(a.containerId, a.networkName, a.networkId, next, JSON.stringify(a.config));
    return { ...a, position: next };
  }

  /** Inside a write transaction. */
  detach(containerId: string, networkName: string): void {
    this.db.prepare("DELETE FROM container_networks WHERE container_id = ? AND network_name = ?").run(containerId, networkName);
  }
}

function toNetwork(row: NetworkRow): NetworkRecord {
  const pools: PoolRecord[] = row.pools ? (JSON.parse(row.pools) as PoolRecord[]) : [{ subnet: row.subnet, gateway: row.gateway }];
  return {
    id: row.id,
    name: row.name,
    driver: row.driver,
    bridge: row.bridge,
    subnet: row.subnet,
    gateway: row.gateway,
    created: row.created,
    internal: row.internal === 1,
    dns: row.dns === 1,
    labels: JSON.parse(row.labels) as Record<string, string>,
    pools,
    ipamConfig: row.ipam_config
      ? (JSON.parse(row.ipam_config) as IpamConfigRecord[])
      : pools.map((p) => ({ Subnet: p.subnet, Gateway: p.gateway })),
    options: JSON.parse(row.options) as Record<string, string>,
    attachable: row.attachable === 1,
    ipv6: row.ipv6 === 1,
  };
}

function toEndpoint(e: EndpointRow): EndpointRecord {
  return {
    containerId: e.container_id,
    networkId: e.network_id,
    endpointId: e.endpoint_id,
    address: e.address,
    prefixLen: e.prefix_len,
    macAddress: e.mac_address,
    ...(e.address6 ? { address6: e.address6, prefixLen6: e.prefix_len6 } : {}),
    interfaceName: e.interface,
    ...(e.setup ? { setup: e.setup } : {}),
  };
}

function toAttachment(row: AttachmentRow): AttachmentRecord {
  return {
    containerId: row.container_id,
    networkName: row.network_name,
    networkId: row.network_id,
    position: row.position,
    config: JSON.parse(row.config) as EndpointConfig,
  };
}
