// `network create|ls|inspect|rm|prune`: bridge networks as dockerd 20.10 keeps them, plus its two
// networks without a bridge, `host` and `none`, which exist in every store and are never written
// (their IDs are derived from the store's root, so they stay the same for its life).
import { createHash, randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import type { IpamConfigRecord, NetworkRecord, PoolRecord } from "../../store/network-store.js";
import { DEFAULT_BRIDGE_INTERFACE, DEFAULT_BRIDGE_NAME, ensureDefaultBridge } from "./default-bridge.js";
import { defaultPools, resolveAddressPools, type IpamConfigEntry } from "../../network/ipam.js";
import { formatCidr, formatIp, parseCidr, type Cidr } from "../../network/ip-address.js";
import { removeIsolation } from "../../network/isolation.js";
import { hostNetworks } from "../../network/host-routes.js";
import { recordEvent } from "../events.js";
import { matchesAllLabels } from "../label-filter.js";
import { parseFilters } from "../images/list-images.js";
import { formatTimestamp } from "../../image/config.js";
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, NotImplementedError } from "../../errors.js";

export const PREDEFINED_NETWORKS = [DEFAULT_BRIDGE_NAME, "host", "none"] as const;

/** `host` and `none`: dockerd's networks of the host and null drivers. */
function builtinNetwork(engine: Engine, name: "host" | "none"): NetworkRecord {
  return {
    id: createHash("sha256").update(`berth network ${name} ${engine.config.root}`).digest("hex"),
    name,
    driver: name === "host" ? "host" : "null",
    bridge: "",
    subnet: "",
    gateway: "",
    created: defaultBridge(engine)?.created ?? formatTimestamp(new Date(0)),
    internal: false,
    dns: false,
    labels: {},
    pools: [],
    ipamConfig: [],
    options: {},
    attachable: false,
    ipv6: false,
  };
}

/** The default bridge's row, made now if the store can be written (a read-only store shows none). */
function defaultBridge(engine: Engine): NetworkRecord | undefined {
  const existing = engine.store.networks.getByName(DEFAULT_BRIDGE_NAME);
  if (existing) return existing;
  try {
    return engine.store.write(() => ensureDefaultBridge(engine));
  } catch {
    return undefined;
  }
}

/** Every network, the predefined ones included, by name. */
export function allNetworks(engine: Engine): NetworkRecord[] {
  defaultBridge(engine);
  const stored = engine.store.networks.list();
  return [...stored, builtinNetwork(engine, "host"), builtinNetwork(engine, "none")].sort((a, b) => a.name.localeCompare(b.name));
}

export function isPredefined(network: { name: string }): boolean {
  return (PREDEFINED_NETWORKS as readonly string[]).includes(network.name);
}

/** By full ID, then name, then unique ID prefix (dockerd's FindNetwork). */
export function resolveNetwork(engine: Engine, ref: string): NetworkRecord {
  const networks = allNetworks(engine);
  const byId = networks.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = networks.find((n) => n.name === ref);
  if (byName) return byName;
  const byPrefix = ref === "" ? [] : networks.filter((n) => n.id.startsWith(ref));
  if (byPrefix.length > 1) throw new InvalidArgumentError(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID)`);
  if (byPrefix[0]) return byPrefix[0];
  throw new NotFoundError(`network ${ref} not found`);
}

export interface NetworkCreateRequest {
  name: string;
  driver?: string | undefined;
  ipamDriver?: string | undefined;
  ipamConfig?: readonly IpamConfigEntry[];
  ipamOptions?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  ingress?: boolean;
  enableIpv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  configOnly?: boolean;
  configFrom?: string | undefined;
  scope?: string | undefined;
}

/** The bridge driver's options berth carries out; dockerd's others it does not, so it says so. */
const BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
const MTU_OPTION = "com.docker.network.driver.mtu";
const UNSUPPORTED_BRIDGE_OPTIONS = [
  "com.docker.network.bridge.enable_icc",
  "com.docker.network.bridge.enable_ip_masquerade",
  "com.docker.network.bridge.host_binding_ipv4",
  "com.docker.network.bridge.default_bridge",
  "com.docker.network.bridge.inhibit_ipv4",
  "com.docker.network.container_iface_prefix",
  "com.docker.network.enable_ipv6",
];

/** Counters of the IPv4 default pool handed out last; dockerd goes on from there. */
const LAST_POOL_COUNTER = "ipam/last-default-pool";

export function createNetwork(engine: Engine, req: NetworkCreateRequest): { id: string; warning: string } {
  const driver = req.driver || "bridge";
  if (req.name.trim() === "") throw new InvalidArgumentError("network name must not be empty");
  if (req.configOnly || req.configFrom) throw new NotImplementedError("berth does not support config-only networks yet");
  if (req.ingress) throw new ForbiddenError("ingress networks need swarm mode, which berth does not have");
  if (req.scope && req.scope !== "local")
    throw new NotImplementedError(`berth has only local networks; scope ${req.scope} is not supported`);
  if (driver === "host" || driver === "null") throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
  if (driver === "overlay" || driver === "ipvlan" || driver === "macvlan") {
    throw new NotImplementedError(`berth does not support the ${driver} network driver yet`);
  }
  if (driver !== "bridge") throw new NotFoundError(`plugin "${driver}" not found`);
  if (req.ipamDriver && req.ipamDriver !== "default") throw new NotFoundError(`plugin "${req.ipamDriver}" not found`);
  if (req.ipamOptions && Object.keys(req.ipamOptions).length > 0) {
    throw new NotImplementedError("berth's IPAM takes no options yet");
  }
  const options = { ...(req.options ?? {}) };
  for (const key of Object.keys(options)) {
    if (UNSUPPORTED_BRIDGE_OPTIONS.includes(key)) throw new NotImplementedError(`berth does not support the network option ${key} yet`);
  }
  const mtu = options[MTU_OPTION];
  if (mtu !== undefined && !/^\d+$/.test(mtu)) throw new InvalidArgumentError(`invalid MTU value: ${JSON.stringify(mtu)}`);
  const id = randomBytes(32).toString("hex");
  const bridge = options[BRIDGE_NAME_OPTION] || `br-${id.slice(0, 12)}`;
  if (bridge.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(bridge)) {
    throw new InvalidArgumentError(
      `invalid bridge name ${JSON.stringify(bridge)}: an interface name has at most 15 letters, digits, '_', '.' or '-'`,
    );
  }
  const config = req.ipamConfig ?? [];
  const hasV6 = config.some((c) => parseCidr(c.Subnet ?? "")?.address.family === 6);
  if (req.enableIpv6 && !hasV6) {
    throw new InvalidArgumentError("berth has no default IPv6 pool: give the network an IPv6 --subnet with --ipv6");
  }

  const record = engine.store.write(() => {
    const networks = engine.store.networks;
    const existing = allNetworks(engine);
    if (existing.some((n) => n.name === req.name)) throw new ConflictError(`network with name ${req.name} already exists`);
    const sameBridge = existing.find((n) => n.bridge === bridge);
    if (sameBridge) throw new ConflictError(`bridge ${bridge} is already the bridge of network ${sameBridge.name}`);
    const used = existing.flatMap((n) => n.pools.flatMap((p) => parseCidr(p.subnet) ?? []));
    const lastIndex = networks.counter(LAST_POOL_COUNTER);
    const pools = resolveAddressPools(config, {
      used,
      ...(config.some((c) => parseCidr(c.Subnet ?? "")?.address.family === 4) ? {} : { avoid: hostNetworks() }),
      ...(lastIndex !== undefined && defaultPools()[lastIndex] ? { lastAllocated: defaultPools()[lastIndex]! } : {}),
    });
    const v4 = pools.find((p) => p.subnet.address.family === 4)!;
    const ipamConfig: IpamConfigRecord[] = [];
    if (v4.automatic) {
      ipamConfig.push({ Subnet: formatCidr(v4.subnet), Gateway: formatIp(v4.gateway) });
      networks.setCounter(LAST_POOL_COUNTER, indexOfPool(v4.subnet));
    }
    for (const entry of config) {
      ipamConfig.push({
        ...(entry.Subnet !== undefined ? { Subnet: entry.Subnet } : {}),
        ...(entry.IPRange !== undefined ? { IPRange: entry.IPRange } : {}),
        ...(entry.Gateway !== undefined ? { Gateway: entry.Gateway } : {}),
      });
    }
    const poolRecords: PoolRecord[] = pools.map((p) => ({
      subnet: formatCidr(p.subnet),
      gateway: formatIp(p.gateway),
      ...(p.ipRange ? { ipRange: formatCidr(p.ipRange) } : {}),
    }));
    const network: NetworkRecord = {
      id,
      name: req.name,
      driver,
      bridge,
      subnet: poolRecords[0]!.subnet,
      gateway: poolRecords[0]!.gateway,
      created: formatTimestamp(engine.clock.now()),
      internal: Boolean(req.internal),
      // Docker's user networks resolve container names; aardvark-dns does it on the gateway.
      dns: true,
      labels: { ...(req.labels ?? {}) },
      // Only an IPv6 pool of a network with IPv6 enabled hands out addresses (dockerd 20.10 keeps the rest as config).
      pools: poolRecords.filter((p) => req.enableIpv6 || parseCidr(p.subnet)?.address.family === 4),
      ipamConfig,
      options,
      attachable: Boolean(req.attachable),
      ipv6: Boolean(req.enableIpv6),
    };
    networks.insert(network);
    return network;
  });
  recordEvent(engine, "network", "create", record.id, { name: record.name, type: record.driver });
  return { id: record.id, warning: "" };
}

function indexOfPool(subnet: Cidr): number {
  return defaultPools().findIndex((p) => formatCidr(p) === formatCidr(subnet));
}

/** `network rm`: refused for the predefined networks and while a running container is on it. */
export async function removeNetwork(engine: Engine, ref: string): Promise<NetworkRecord> {
  const network = resolveNetwork(engine, ref);
  if (isPredefined(network)) throw new ForbiddenError(`${network.name} is a pre-defined network and cannot be removed`);
  engine.store.write(() => {
    if (engine.store.networks.endpointsOn(network.id).length > 0) {
      throw new ForbiddenError(`error while removing network: network ${network.name} id ${network.id} has active endpoints`);
    }
    engine.store.networks.remove(network.id);
  });
  await removeIsolation(network.bridge);
  recordEvent(engine, "network", "destroy", network.id, { name: network.name, type: network.driver });
  return network;
}

const LIST_FILTERS = new Set(["driver", "id", "label", "name", "scope", "type", "dangling"]);
/** `until` is the caller's to parse (a time in the CLI's or the API's forms) and pass apart. */
const PRUNE_FILTERS = new Set(["label", "label!", "until"]);

/** dockerd's filters.Match: the value as a regular expression, or equal. */
function matchesPattern(value: string, source: string): boolean {
  if (value === source) return true;
  try {
    return new RegExp(value).test(source);
  } catch {
    return false;
  }
}

function boolFilter(values: readonly string[] | undefined, key: string): boolean[] | undefined {
  return values?.map((v) => {
    const lower = v.toLowerCase();
    if (lower === "true" || lower === "1") return true;
    if (lower === "false" || lower === "0") return false;
    throw new InvalidArgumentError(`Invalid filter '${key}=${v}'`);
  });
}

/** `network ls`: every network the filters let through (values of one key are alternatives). */
export function listNetworks(engine: Engine, flags: readonly string[] = []): NetworkRecord[] {
  const filters = parseFilters(flags, LIST_FILTERS);
  for (const t of filters.get("type") ?? []) {
    if (t !== "custom" && t !== "builtin") throw new InvalidArgumentError(`invalid filter: 'type'='${t}'`);
  }
  const dangling = boolFilter(filters.get("dangling"), "dangling");
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.some(test);
  };
  return allNetworks(engine).filter(
    (n) =>
      any("driver", (v) => matchesPattern(v, n.driver)) &&
      any("id", (v) => n.id.startsWith(v) || matchesPattern(v, n.id)) &&
      any("name", (v) => matchesPattern(v, n.name)) &&
      any("scope", (v) => v === "local") &&
      any("type", (v) => (v === "builtin") === isPredefined(n)) &&
      matchesAllLabels(n.labels, filters.get("label")) &&
      (!dangling || dangling.some((d) => d === (!isPredefined(n) && engine.store.networks.attachedTo(n).length === 0))),
  );
}

/** `network prune`: user networks no running container is on, older than `until`, with the labels asked for. */
export async function pruneNetworks(engine: Engine, opts: { flags: readonly string[]; until?: Date | undefined }): Promise<string[]> {
  const filters = parseFilters(opts.flags, PRUNE_FILTERS);
  const until = opts.until;
  const labels = [...(filters.get("label") ?? []), ...(filters.get("label!") ?? []).map(negateLabel)];
  const removed: string[] = [];
  for (const network of engine.store.networks.list()) {
    if (isPredefined(network)) continue;
    if (until && new Date(network.created) > until) continue;
    if (!matchesAllLabels(network.labels, labels)) continue;
    if (engine.store.networks.endpointsOn(network.id).length > 0) continue;
    try {
      await removeNetwork(engine, network.id);
      removed.push(network.name);
    } catch (err) {
      // Another process attached a container meanwhile: it stays, as dockerd's prune leaves it.
      if (!(err instanceof ForbiddenError)) throw err;
    }
  }
  return removed;
}

function negateLabel(label: string): string {
  const eq = label.indexOf("=");
  return eq < 0 ? `${label}!=` : `${label.slice(0, eq)}!=${label.slice(eq + 1)}`;
}

/** `network inspect`'s object (and /networks/{id}); the list shows `Containers: {}`, as dockerd's does. */
export function networkJson(engine: Engine, network: NetworkRecord, opts: { containers: boolean }): Record<string, unknown> {
  const isBridge = network.driver === "bridge";
  const isDefault = network.name === DEFAULT_BRIDGE_NAME;
  const containers: Record<string, unknown> = {};
  if (opts.containers && isBridge) {
    for (const e of engine.store.networks.endpointsOn(network.id)) {
      const record = engine.store.containers.get(e.containerId);
      containers[e.containerId] = {
        Name: record?.spec.name ?? "",
        EndpointID: e.endpointId,
        MacAddress: e.macAddress,
        IPv4Address: `${e.address}/${e.prefixLen}`,
        IPv6Address: e.address6 ? `${e.address6}/${e.prefixLen6 ?? 0}` : "",
      };
    }
  }
  return {
    Name: network.name,
    Id: network.id,
    Created: network.created,
    Scope: "local",
    Driver: network.driver,
    EnableIPv6: network.ipv6,
    IPAM: {
      Driver: "default",
      Options: isDefault || !isBridge ? null : {},
      Config: network.ipamConfig,
    },
    Internal: network.internal,
    Attachable: network.attachable,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: isDefault
      ? {
          "com.docker.network.bridge.default_bridge": "true",
          "com.docker.network.bridge.enable_icc": "true",
          "com.docker.network.bridge.enable_ip_masquerade": "true",
          "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
          [BRIDGE_NAME_OPTION]: DEFAULT_BRIDGE_INTERFACE,
          [MTU_OPTION]: "1500",
        }
      : network.options,
    Labels: network.labels,
  };
}
