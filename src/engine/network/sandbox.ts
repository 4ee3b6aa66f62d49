// A container's network sandbox, for one run: its addresses on each of its networks and its host
// ports are reserved in the store, then its network namespace file is made under the runroot and
// netavark attaches it. Networks connected while it runs get a setup of their own. Teardown undoes
// all of it with netavark's same inputs, and is safe to run again and after a crash at any point
// of the setup (what is not there is skipped).
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import type { AttachmentRecord, EndpointRecord, NetworkRecord, SandboxRecord } from "../../store/network-store.js";
import { NetavarkDriver, buildNetworkOptions, endpointsOf, type Attachment, type NetavarkNetworkOptions } from "../../network/netavark.js";
import { ensureIsolation } from "../../network/isolation.js";
import { createNetns, isNetnsMounted, removeNetns } from "../../network/netns.js";
import { bindHostPorts } from "../../network/host-ports.js";
import { allocateAddress, macAddressFor, reserveAddress } from "../../network/ipam.js";
import { probeHostPorts } from "../../network/port-probe.js";
import { formatIp, parseIp, type IpAddress } from "../../network/ip-address.js";
import type { PortBinding, PortMap } from "../../network/port-spec.js";
import { addressPools, bridgeNetwork } from "./default-bridge.js";
import { ConflictError, NotFoundError, SystemError } from "../../errors.js";
import { requestedMacAddress } from "./mac-address.js";
import { lockExclusive } from "../../sys/file-lock.js";
import { addLinkLocalIps, checkLinkLocalIps } from "../../network/link-local.js";

/** Where Debian's, Fedora's and a source install put podman's helpers. */
const HELPER_DIRS = ["/usr/lib/podman", "/usr/libexec/podman", "/usr/local/libexec/podman", "/usr/local/lib/podman"];

/** A start that could not program the network: the container stays created, with this as State.Error. */
export class NetworkSetupError extends SystemError {}

export function netnsDir(engine: Engine): string {
  return `${engine.config.runroot}/netns`;
}

function netavark(engine: Engine): NetavarkDriver {
  const dir = HELPER_DIRS.find((d) => fs.existsSync(`${d}/netavark`));
  if (!dir) {
    throw new NetworkSetupError(
      `bridge networking needs netavark, which is not installed (looked in ${HELPER_DIRS.join(", ")}): apt-get install netavark, or run with --network host or none`,
    );
  }
  return new NetavarkDriver({
    binary: `${dir}/netavark`,
    aardvarkBinary: `${dir}/aardvark-dns`,
    configDir: `${engine.config.runroot}/networks`,
    // netavark runs iptables from the system's directories; a user's PATH (without sbin, or with
    // another iptables first) must not decide which firewall tool programs the host.
    env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  });
}

/**
 * HostConfig.PortBindings, plus with PublishAllPorts (-P) a binding to any free port for every
 * exposed port that has none.
 */
export function requestedBindings(spec: ContainerSpec): Record<string, PortBinding[]> {
  const bindings: Record<string, PortBinding[]> = {};
  for (const [port, list] of Object.entries(spec.hostConfig.PortBindings ?? {})) bindings[port] = [...(list ?? [])];
  if (spec.hostConfig.PublishAllPorts) {
    for (const port of Object.keys(spec.config.ExposedPorts ?? {})) {
      if (!bindings[port] || bindings[port].length === 0) bindings[port] = [{ HostIp: "", HostPort: "" }];
    }
  }
  return bindings;
}

/** A network the container joins at start, found in the store. */
export interface JoinedNetwork {
  readonly attachment: AttachmentRecord;
  readonly network: NetworkRecord;
}

/**
 * Reserves, creates and attaches the container's namespace on its networks; returns the
 * namespace file for the runtime spec. On failure nothing stays behind.
 */
export async function setupSandbox(engine: Engine, spec: ContainerSpec, joined: readonly JoinedNetwork[]): Promise<string> {
  const driver = joined.length > 0 ? netavark(engine) : undefined;
  for (const j of joined) checkEndpointLinkLocalIps(j);
  // A run that ended without its cleanup (the container is not running, or it would not start
  // again) still holds its sandbox: it goes first, so that its address and ports are free again.
  await teardownSandbox(engine, spec.id);
  const sandbox = reserveSandbox(engine, spec, joined);
  try {
    const options = JSON.parse(sandbox.options) as NetavarkNetworkOptions;
    await probeHostPorts(options.port_mappings ?? []).catch((err: unknown) => {
      throw connectivityError(spec, sandbox.endpoints[0]?.endpointId ?? "", err);
    });
    await createNetns(netnsDir(engine), { name: sandbox.sandboxId.slice(0, 12) });
    if (driver) {
      await serialized(async () => {
        const status = await driver.setup(sandbox.netns, options);
        for (const network of Object.keys(options.networks)) endpointsOf(status, network);
        for (const { network } of joined) await ensureIsolation(network.bridge, { ipv6: network.ipv6 });
      });
      for (const [i, j] of joined.entries()) await addEndpointLinkLocalIps(sandbox.netns, j, `eth${i}`);
    }
    return sandbox.netns;
  } catch (err) {
    await teardownSandbox(engine, spec.id);
    throw err instanceof NetworkSetupError ? err : new NetworkSetupError((err as Error).message, { cause: err });
  }
}

/** dockerd checks an endpoint's link-local addresses when it joins: a start (or connect) fails, the container stays. */
function checkEndpointLinkLocalIps(joined: JoinedNetwork): void {
  try {
    checkLinkLocalIps(joined.attachment.config.IPAMConfig?.LinkLocalIPs ?? []);
  } catch (err) {
    throw new NetworkSetupError((err as Error).message, { cause: err });
  }
}

/** netavark knows one address per family: the link-local ones go on the interface after it made it. */
async function addEndpointLinkLocalIps(netns: string, joined: JoinedNetwork, device: string): Promise<void> {
  const addresses = joined.attachment.config.IPAMConfig?.LinkLocalIPs ?? [];
  if (addresses.length > 0) await addLinkLocalIps(netns, { device, addresses });
}

/** One network's share of a container: its addresses, MAC and what netavark is told of it. */
interface PlannedEndpoint {
  attachment: Attachment;
  record: EndpointRecord;
}

/** Inside a write transaction: addresses on `network` for the container, from what is taken now. */
function planEndpoint(engine: Engine, spec: ContainerSpec, joined: JoinedNetwork, interfaceName: string): PlannedEndpoint {
  const { networks } = engine.store;
  const network = networks.get(joined.network.id);
  if (!network) throw new NotFoundError(`network ${joined.attachment.networkName} not found`);
  const used = networks.addressesOn(network.id).flatMap((a) => parseIp(a) ?? []);
  const requested = joined.attachment.config.IPAMConfig ?? {};
  const pools = addressPools(network);
  const addresses: IpAddress[] = [];
  for (const pool of pools) {
    const family = pool.subnet.address.family;
    const wanted = family === 4 ? requested.IPv4Address : requested.IPv6Address;
    addresses.push(wanted ? reserveAddress(pool, wanted, { used }) : allocateAddress(pool, { used, network }));
  }
  const v4 = addresses.find((a) => a.family === 4);
  if (!v4) throw new SystemError(`network ${network.name} has no IPv4 address pool`);
  const v6 = addresses.find((a) => a.family === 6);
  let macAddress: string;
  try {
    // --mac-address (Config.MacAddress) is the first network's, as Docker's endpoint settings default.
    macAddress =
      joined.attachment.config.MacAddress || (interfaceName === "eth0" ? requestedMacAddress(spec) : undefined) || macAddressFor(v4);
  } catch (err) {
    throw new NetworkSetupError((err as Error).message);
  }
  return {
    attachment: {
      network: bridgeNetwork(network),
      addresses,
      aliases: network.dns ? dnsNames(spec, joined.attachment, network) : [],
      interfaceName,
      macAddress,
    },
    record: {
      containerId: spec.id,
      networkId: network.id,
      endpointId: randomBytes(32).toString("hex"),
      address: formatIp(v4),
      prefixLen: pools.find((p) => p.subnet.address.family === 4)!.subnet.prefix,
      macAddress,
      ...(v6 ? { address6: formatIp(v6), prefixLen6: pools.find((p) => p.subnet.address.family === 6)!.subnet.prefix } : {}),
      interfaceName,
    },
  };
}

/**
 * The names aardvark-dns answers for the container besides its own name: its aliases, its short
 * ID and host name (Docker's DNS answers both), and `NAME.NETWORK` as Docker's embedded DNS does.
 */
function dnsNames(spec: ContainerSpec, attachment: AttachmentRecord, network: NetworkRecord): string[] {
  const names = [...(attachment.config.Aliases ?? []), spec.id.slice(0, 12), spec.config.Hostname ?? "", `${spec.name}.${network.name}`];
  return [...new Set(names.filter((n) => n !== "" && n !== spec.name))];
}

/** dockerd's words for a host port it could not have: the allocator's or the proxy's reason inside the endpoint's. */
function connectivityError(spec: ContainerSpec, endpointId: string, err: unknown): NetworkSetupError {
  return new NetworkSetupError(
    `driver failed programming external connectivity on endpoint ${spec.name} (${endpointId}): ${(err as Error).message}`,
    { cause: err },
  );
}

/** One transaction: what is taken is read and the container's share written, so no two runs get the same. */
function reserveSandbox(engine: Engine, spec: ContainerSpec, joined: readonly JoinedNetwork[]): SandboxRecord {
  const { networks } = engine.store;
  return engine.store.write(() => {
    const planned = joined.map((j, i) => planEndpoint(engine, spec, j, `eth${i}`));
    const sandboxId = randomBytes(32).toString("hex");
    let bound: ReturnType<typeof bindHostPorts>;
    try {
      bound = bindHostPorts(
        { portBindings: requestedBindings(spec), ...(spec.config.ExposedPorts ? { exposedPorts: spec.config.ExposedPorts } : {}) },
        { reserved: networks.reservations(), lastEphemeral: networks.portCounters() },
      );
    } catch (err) {
      throw connectivityError(spec, planned[0]?.record.endpointId ?? sandboxId, err);
    }
    const options = buildNetworkOptions({
      containerId: spec.id,
      containerName: spec.name,
      attachments: planned.map((p) => p.attachment),
      // Ports need an address to forward to: a container on no network publishes none.
      ports: planned.length > 0 ? bound.published : [],
      ...(spec.hostConfig.Dns?.length ? { dnsServers: spec.hostConfig.Dns } : {}),
    });
    const sandbox: SandboxRecord = {
      containerId: spec.id,
      sandboxId,
      netns: `${fs.realpathSync(mkdirp(netnsDir(engine)))}/${sandboxId.slice(0, 12)}`,
      options: JSON.stringify(options),
      ports: JSON.stringify(planned.length > 0 ? bound.ports : {}),
      endpoints: planned.map((p) => p.record),
      reservations: planned.length > 0 ? bound.reservations : [],
    };
    networks.insertSandbox(sandbox, bound.lastEphemeral);
    return sandbox;
  });
}

/**
 * `network connect` on a running container: an address on the network, the next interface, and
 * netavark's setup for that network alone (kept for its teardown). Published ports stay on the
 * networks the container started with.
 */
export async function connectSandbox(engine: Engine, spec: ContainerSpec, joined: JoinedNetwork): Promise<EndpointRecord> {
  const driver = netavark(engine);
  checkEndpointLinkLocalIps(joined);
  const endpoint = engine.store.write(() => {
    const sandbox = engine.store.networks.sandbox(spec.id);
    if (!sandbox) throw new ConflictError(`container ${spec.id} has no network namespace to connect: it is not running`);
    const taken = new Set(sandbox.endpoints.map((e) => e.interfaceName));
    let index = 0;
    while (taken.has(`eth${index}`)) index++;
    const planned = planEndpoint(engine, spec, joined, `eth${index}`);
    const options = buildNetworkOptions({
      containerId: spec.id,
      containerName: spec.name,
      attachments: [planned.attachment],
      ...(spec.hostConfig.Dns?.length ? { dnsServers: spec.hostConfig.Dns } : {}),
    });
    const record = { ...planned.record, setup: JSON.stringify(options) };
    engine.store.networks.insertEndpoint(record);
    return { record, netns: sandbox.netns, options };
  });
  try {
    await serialized(async () => {
      endpointsOf(await driver.setup(endpoint.netns, endpoint.options), joined.network.name);
      await ensureIsolation(joined.network.bridge, { ipv6: joined.network.ipv6 });
    });
    await addEndpointLinkLocalIps(endpoint.netns, joined, endpoint.record.interfaceName ?? "eth0");
  } catch (err) {
    await serialized(() => driver.teardown(endpoint.netns, endpoint.options)).catch(() => undefined);
    engine.store.write(() => engine.store.networks.removeEndpoint(spec.id, joined.network.id));
    throw new NetworkSetupError((err as Error).message, { cause: err });
  }
  return endpoint.record;
}

/** `network disconnect` of a running container: netavark undoes that network alone, and its address is freed. */
export async function disconnectSandbox(engine: Engine, containerId: string, networkId: string): Promise<void> {
  const sandbox = engine.store.networks.sandbox(containerId);
  const endpoint = sandbox?.endpoints.find((e) => e.networkId === networkId);
  if (!sandbox || !endpoint) return;
  const started = JSON.parse(sandbox.options) as NetavarkNetworkOptions;
  const name = Object.keys(started.network_info).find((n) => started.network_info[n]?.id === networkId);
  const own: NetavarkNetworkOptions | undefined = endpoint.setup
    ? (JSON.parse(endpoint.setup) as NetavarkNetworkOptions)
    : name
      ? onlyNetwork(started, name)
      : undefined;
  if (own && isNetnsMounted(sandbox.netns)) {
    await serialized(() => netavark(engine).teardown(sandbox.netns, own));
  }
  engine.store.write(() => {
    engine.store.networks.removeEndpoint(containerId, networkId);
    if (!endpoint.setup && name) engine.store.networks.updateSandboxOptions(containerId, JSON.stringify(withoutNetwork(started, name)));
  });
}

/** The start's netavark input narrowed to one network, ports included (netavark maps them per network). */
function onlyNetwork(options: NetavarkNetworkOptions, name: string): NetavarkNetworkOptions {
  return {
    ...options,
    networks: { [name]: options.networks[name]! },
    network_info: { [name]: options.network_info[name]! },
  };
}

function withoutNetwork(options: NetavarkNetworkOptions, name: string): NetavarkNetworkOptions {
  const networks = { ...options.networks };
  const info = { ...options.network_info };
  delete networks[name];
  delete info[name];
  return { ...options, networks, network_info: info };
}

/**
 * One netavark at a time on the host, as podman runs it under its network lock: two setups at once
 * race to create the same iptables chains and one fails ("iptables: Chain already exists"). The
 * chains are the host's, not a runroot's, so berth instances with different runroots share the lock.
 */
const NETAVARK_LOCK_DIR = "/run/lock";

async function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const lock = await lockExclusive(`${mkdirp(NETAVARK_LOCK_DIR)}/berth-netavark.lock`);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

function mkdirp(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/**
 * Detaches and deletes the container's namespace and frees its address and ports. Idempotent; the
 * caller holds the container's rootfs lock, so two cleanups of one run never interleave. A netavark
 * failure is reported and the rest still goes: a reservation kept for a namespace that is gone would
 * hold its address and ports for ever.
 */
export async function teardownSandbox(engine: Engine, containerId: string): Promise<void> {
  const sandbox = engine.store.networks.sandbox(containerId);
  if (!sandbox) return;
  const options = JSON.parse(sandbox.options) as NetavarkNetworkOptions;
  if (isNetnsMounted(sandbox.netns)) {
    const inputs = [...sandbox.endpoints.flatMap((e) => (e.setup ? [JSON.parse(e.setup) as NetavarkNetworkOptions] : [])), options].filter(
      (input) => Object.keys(input.networks).length > 0,
    );
    for (const input of inputs) {
      try {
        const driver = netavark(engine);
        await serialized(() => driver.teardown(sandbox.netns, input));
      } catch (err) {
        engine.log.warn(`tearing down the network of container ${containerId}: ${(err as Error).message}`);
      }
    }
  } else if (options.port_mappings?.length) {
    await teardownWithoutNamespace(engine, sandbox.sandboxId, options);
  }
  await removeNetns(sandbox.netns);
  engine.store.write(() => engine.store.networks.removeSandbox(containerId));
}

/**
 * The namespace went without its teardown (the runroot emptied, or a reboot, which also took the
 * rules): the container's port rules would still send its host ports to its old address. netavark
 * 1.4 removes them when it tears down in an empty stand-in namespace, then fails on the missing
 * eth0 (measured: the 4 DNAT rules of a port gone, exit 1 `failed to delete container veth eth0:
 * Netlink error: No such device`), which is the expected end here.
 */
async function teardownWithoutNamespace(engine: Engine, sandboxId: string, options: NetavarkNetworkOptions): Promise<void> {
  let standIn: string | undefined;
  try {
    const driver = netavark(engine);
    standIn = await createNetns(netnsDir(engine), { name: `${sandboxId.slice(0, 12)}-standin` });
    const path = standIn;
    await serialized(() => driver.teardown(path, options));
  } catch (err) {
    if (!/failed to delete container veth/.test((err as Error).message))
      engine.log.warn(`tearing down the port rules of sandbox ${sandboxId.slice(0, 12)}: ${(err as Error).message}`);
  } finally {
    if (standIn) await removeNetns(standIn);
  }
}

/** NetworkSettings.Ports of a running container: what was bound; {} when it has no sandbox. */
export function boundPorts(engine: Engine, containerId: string): PortMap {
  const sandbox = engine.store.networks.sandbox(containerId);
  return sandbox ? (JSON.parse(sandbox.ports) as PortMap) : {};
}
