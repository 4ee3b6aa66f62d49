// The bridge driver: netavark 1.4 run as podman 4.3 runs it. netavark is a one-shot command with
// JSON on stdin and stdout (`netavark --config DIR --rootless=false --aardvark-binary=PATH setup|
// teardown NETNS`); it keeps no store and does no IPAM, so every address, host port and name comes
// from berth. It builds the bridge on a network's first setup and removes it at the last teardown,
// adds iptables rules (netavark 1.4 has only the iptables firewall driver), and starts aardvark-dns
// for networks with DNS, which daemonises and serves `<gateway>:53` until the last DNS teardown.
import * as fs from "node:fs";
import { SystemError } from "../errors.js";
import { runCommand, type CommandRunner } from "./command.js";
import { canonicalCidr, formatCidr, formatIp, lastAddress, networkAddress, parseCidr, parseIp, type IpAddress } from "./ip-address.js";
import type { AddressPool } from "./ipam.js";

/** A bridge network as berth keeps it; `network_info` is built from it on every call. */
export interface BridgeNetwork {
  readonly name: string;
  /** 64 hex, as Docker's network IDs. */
  readonly id: string;
  readonly created: Date;
  /** The Linux bridge (`docker0`, `br-<12 hex>`, or `com.docker.network.bridge.name`). */
  readonly bridge: string;
  readonly pools: readonly AddressPool[];
  readonly internal: boolean;
  readonly ipv6: boolean;
  /** aardvark-dns on the gateway; Docker's user networks have embedded DNS, the default bridge none. */
  readonly dns: boolean;
  readonly mtu?: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/** netavark 1.4's network definition (podman writes the same to its network files). */
export interface NetavarkNetwork {
  name: string;
  id: string;
  driver: "bridge";
  network_interface: string;
  created: string;
  subnets: { subnet: string; gateway: string; lease_range?: { start_ip: string; end_ip: string } }[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options: { driver: "host-local" };
}

export interface NetavarkPortMapping {
  host_ip: string;
  container_port: number;
  host_port: number;
  range: number;
  protocol: "tcp" | "udp" | "sctp";
}

/** stdin of setup and teardown (teardown takes the same JSON, as podman sends it). */
export interface NetavarkNetworkOptions {
  container_id: string;
  container_name: string;
  port_mappings?: NetavarkPortMapping[];
  networks: Record<string, { static_ips: string[]; aliases: string[]; interface_name: string; static_mac?: string }>;
  network_info: Record<string, NetavarkNetwork>;
  /** The container's upstream resolvers for aardvark-dns (its 4th field); podman 4.3 never sends it. */
  dns_servers?: string[];
}

/** stdout of setup: per network, the interfaces made and the DNS to put in resolv.conf. */
export type NetavarkStatus = Record<
  string,
  {
    dns_search_domains?: string[];
    dns_server_ips?: string[];
    interfaces: Record<string, { mac_address: string; subnets?: { ipnet: string; gateway?: string }[] }>;
  }
>;

export function buildNetworkInfo(network: BridgeNetwork): NetavarkNetwork {
  const options: Record<string, string> = {};
  if (network.mtu !== undefined) options["mtu"] = String(network.mtu);
  return {
    name: network.name,
    id: network.id,
    driver: "bridge",
    network_interface: network.bridge,
    created: network.created.toISOString(),
    subnets: network.pools.map((pool) => ({
      // netavark wants the prefix itself; Docker keeps `10.60.0.5/24` as typed, berth sends 10.60.0.0/24.
      subnet: formatCidr(canonicalCidr(pool.subnet)),
      gateway: formatIp(pool.gateway),
      ...(pool.ipRange
        ? { lease_range: { start_ip: formatIp(networkAddress(pool.ipRange)), end_ip: formatIp(lastAddress(pool.ipRange)) } }
        : {}),
    })),
    ipv6_enabled: network.ipv6,
    internal: network.internal,
    dns_enabled: network.dns,
    ...(network.labels && Object.keys(network.labels).length > 0 ? { labels: { ...network.labels } } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ipam_options: { driver: "host-local" },
  };
}

/** One network a container joins, with what berth's IPAM chose for it. */
export interface Attachment {
  readonly network: BridgeNetwork;
  /** Required: netavark refuses a network without (`IO error: no static ips provided`). */
  readonly addresses: readonly IpAddress[];
  /** Docker's: the `--network-alias`es, then the short ID. The name goes in containerName. */
  readonly aliases: readonly string[];
  /** `eth0`, `eth1`, … in the order the container joined. */
  readonly interfaceName: string;
  readonly macAddress?: string;
}

/** A published port whose host port berth has already chosen and reserved (netavark checks nothing). */
export interface PublishedPort {
  /** "" for every address, as Docker's HostIp "". */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp" | "sctp";
}

export function buildNetworkOptions(req: {
  readonly containerId: string;
  readonly containerName: string;
  readonly attachments: readonly Attachment[];
  readonly ports?: readonly PublishedPort[];
  readonly dnsServers?: readonly string[];
}): NetavarkNetworkOptions {
  const options: NetavarkNetworkOptions = {
    container_id: req.containerId,
    container_name: req.containerName,
    networks: {},
    network_info: {},
  };
  if (req.ports && req.ports.length > 0) {
    options.port_mappings = req.ports.map((p) => ({
      host_ip: p.hostIp,
      container_port: p.containerPort,
      host_port: p.hostPort,
      range: 1,
      protocol: p.protocol,
    }));
  }
  for (const a of req.attachments) {
    options.networks[a.network.name] = {
      static_ips: a.addresses.map(formatIp),
      aliases: [...a.aliases],
      interface_name: a.interfaceName,
      ...(a.macAddress ? { static_mac: a.macAddress } : {}),
    };
    options.network_info[a.network.name] = buildNetworkInfo(a.network);
  }
  if (req.dnsServers && req.dnsServers.length > 0) options.dns_servers = [...req.dnsServers];
  return options;
}

/** What inspect shows for one endpoint (`NetworkSettings.Networks.<name>`), read from setup's output. */
export interface Endpoint {
  readonly interfaceName: string;
  readonly macAddress: string;
  readonly address: IpAddress;
  readonly prefixLength: number;
  readonly gateway?: IpAddress;
  readonly dnsServers: readonly string[];
  readonly dnsSearchDomains: readonly string[];
}

/** The first address of each interface netavark reports for `network`, or a SystemError naming what is missing. */
export function endpointsOf(status: NetavarkStatus, network: string): Endpoint[] {
  const block = status[network];
  if (!block) throw new SystemError(`netavark reported nothing for network ${network}`);
  return Object.entries(block.interfaces).map(([interfaceName, iface]) => {
    const first = iface.subnets?.[0];
    const ipnet = first ? parseCidr(first.ipnet) : undefined;
    if (!ipnet) throw new SystemError(`netavark reported no address for ${interfaceName} on network ${network}`);
    const gateway = first?.gateway === undefined ? undefined : parseIp(first.gateway);
    return {
      interfaceName,
      macAddress: iface.mac_address,
      address: ipnet.address,
      prefixLength: ipnet.prefix,
      ...(gateway ? { gateway } : {}),
      dnsServers: block.dns_server_ips ?? [],
      dnsSearchDomains: block.dns_search_domains ?? [],
    };
  });
}

/** A netavark failure, with its own words: exit 1 and `{"error":"…"}` on stdout. */
export class NetavarkError extends SystemError {
  constructor(
    readonly exitCode: number,
    readonly detail: string,
  ) {
    super(`netavark: ${detail}`);
  }
}

export interface NetavarkConfig {
  /** The netavark binary (`/usr/lib/podman/netavark` on Debian). */
  readonly binary: string;
  readonly aardvarkBinary: string;
  /** A runtime directory of berth's (under its runroot): netavark keeps its lock and aardvark's state there. */
  readonly configDir: string;
  /** netavark's whole environment: PATH must find iptables. RUST_LOG defaults to podman's `netavark=warn`. */
  readonly env: NodeJS.ProcessEnv;
  readonly run?: CommandRunner;
}

export class NetavarkDriver {
  constructor(private readonly config: NetavarkConfig) {}

  /** Attaches the namespace at `netnsPath` to the networks of `options`; returns netavark's status. */
  async setup(netnsPath: string, options: NetavarkNetworkOptions, opts: { signal?: AbortSignal } = {}): Promise<NetavarkStatus> {
    const stdout = await this.invoke(["setup", netnsPath], JSON.stringify(options), opts.signal);
    try {
      return JSON.parse(stdout) as NetavarkStatus;
    } catch (err) {
      throw new SystemError(`netavark setup printed no status: ${stdout.trim().slice(0, 200)}`, { cause: err });
    }
  }

  /** Undoes setup; takes the same options. Removes the bridge and network rules with the last container. */
  async teardown(netnsPath: string, options: NetavarkNetworkOptions, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.invoke(["teardown", netnsPath], JSON.stringify(options), opts.signal);
  }

  /** `netavark version`'s version field, e.g. "1.4.0". */
  async version(): Promise<string> {
    const result = await (this.config.run ?? runCommand)([this.config.binary, "version"], { env: this.env() });
    if (result.code !== 0) throw new NetavarkError(result.code, failureDetail(result));
    return (JSON.parse(result.stdout) as { version: string }).version;
  }

  private async invoke(args: readonly string[], input: string, signal: AbortSignal | undefined): Promise<string> {
    const { binary, configDir, aardvarkBinary } = this.config;
    await fs.promises.mkdir(configDir, { recursive: true, mode: 0o700 });
    const argv = [binary, "--config", configDir, "--rootless=false", `--aardvark-binary=${aardvarkBinary}`, ...args];
    const result = await (this.config.run ?? runCommand)(argv, { input, env: this.env(), ...(signal ? { signal } : {}) });
    if (result.code !== 0) throw new NetavarkError(result.code, failureDetail(result));
    return result.stdout;
  }

  private env(): NodeJS.ProcessEnv {
    return { ...this.config.env, RUST_LOG: this.config.env["RUST_LOG"] ?? "netavark=warn" };
  }
}

/** netavark's `{"error":…}`, else the last line of stderr that is not aardvark's syslog noise. */
function failureDetail(result: { code: number; stdout: string; stderr: string }): string {
  try {
    const parsed = JSON.parse(result.stdout) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // Not JSON: a panic or a missing binary; stderr says more.
  }
  const lines = result.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.includes("failed to connect to syslog"));
  return lines.at(-1) ?? `exit status ${result.code}`;
}

/**
 * The pid of the aardvark-dns that netavark started for `configDir`, if its pid file is there.
 * netavark stops it at the last DNS teardown; after a crash the caller kills it.
 */
export async function readAardvarkPid(configDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await fs.promises.readFile(`${configDir}/aardvark-dns/aardvark.pid`, "utf8")).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
