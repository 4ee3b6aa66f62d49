// Networks and what running containers hold on them: the sandbox (network namespace file and the
// netavark input that set it up), one endpoint (address, MAC) per network, and host ports. Plain
// rows: choosing addresses and ports is src/network's, and the engine's use case writes the choice
// here in the same transaction that read what was taken.
import type { Db } from "./db.js";

export interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  /** The Linux bridge. */
  bridge: string;
  subnet: string;
  gateway: string;
  created: string;
  internal: boolean;
  dns: boolean;
  labels: Record<string, string>;
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  endpointId: string;
  address: string;
  prefixLen: number;
  macAddress: string;
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
  /** netavark's setup input, which teardown takes again (JSON text). */
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
}

interface EndpointRow {
  container_id: string;
  network_id: string;
  endpoint_id: string;
  address: string;
  prefix_len: number;
  mac_address: string;
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

  list(): NetworkRecord[] {
    return (this.db.prepare("SELECT * FROM networks ORDER BY name").all() as NetworkRow[]).map(toNetwork);
  }

  /** Inside a write transaction. */
  insert(network: NetworkRecord): void {
    this.db
      .prepare(
        "INSERT INTO networks (id, name, driver, bridge, subnet, gateway, created, internal, dns, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
      );
  }

  /** Addresses held on a network, by every container. */
  addressesOn(networkId: string): string[] {
    return (this.db.prepare("SELECT address FROM endpoints WHERE network_id = ?").all(networkId) as { address: string }[]).map(
      (r) => r.address,
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
    const rows = this.db.prepare("SELECT key, last_port FROM port_counters").all() as { key: string; last_port: number }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.last_port]));
  }

  /** Inside a write transaction: the sandbox with its endpoints and ports, all at once. */
  insertSandbox(sandbox: SandboxRecord, counters: Record<string, number>): void {
    this.db
      .prepare("INSERT INTO sandboxes (container_id, sandbox_id, netns, options, ports) VALUES (?, ?, ?, ?, ?)")
      .run(sandbox.containerId, sandbox.sandboxId, sandbox.netns, sandbox.options, sandbox.ports);
    for (const e of sandbox.endpoints) {
      this.db
        .prepare(
          "INSERT INTO endpoints (container_id, network_id, endpoint_id, address, prefix_len, mac_address) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(sandbox.containerId, e.networkId, e.endpointId, e.address, e.prefixLen, e.macAddress);
    }
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
    const endpoints = (this.db.prepare("SELECT * FROM endpoints WHERE container_id = ?").all(containerId) as EndpointRow[]).map(
      (e): EndpointRecord => ({
        containerId: e.container_id,
        networkId: e.network_id,
        endpointId: e.endpoint_id,
        address: e.address,
        prefixLen: e.prefix_len,
        macAddress: e.mac_address,
      }),
    );
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
}

function toNetwork(row: NetworkRow): NetworkRecord {
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
  };
}
