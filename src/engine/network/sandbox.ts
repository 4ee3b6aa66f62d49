// A container's network sandbox on the default bridge, for one run: its address and host ports are
// reserved in the store, then its network namespace file is made under the runroot and netavark
// attaches it. Teardown undoes all of it with netavark's same input, and is safe to run again and
// after a crash at any point of the setup (what is not there is skipped).
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import type { SandboxRecord } from "../../store/network-store.js";
import { NetavarkDriver, buildNetworkOptions, endpointsOf, type NetavarkNetworkOptions } from "../../network/netavark.js";
import { createNetns, isNetnsMounted, removeNetns } from "../../network/netns.js";
import { bindHostPorts } from "../../network/host-ports.js";
import { probeHostPorts } from "../../network/port-probe.js";
import { allocateAddress, macAddressFor } from "../../network/ipam.js";
import { formatIp, parseIp, type IpAddress } from "../../network/ip-address.js";
import type { PortBinding, PortMap } from "../../network/port-spec.js";
import { addressPool, bridgeNetwork, ensureDefaultBridge } from "./default-bridge.js";
import { SystemError } from "../../errors.js";
import { lockExclusive } from "../../sys/file-lock.js";

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

/**
 * Reserves, creates and attaches the container's namespace on the default bridge; returns the
 * namespace file for the runtime spec. On failure nothing stays behind.
 */
export async function setupSandbox(engine: Engine, spec: ContainerSpec): Promise<string> {
  const driver = netavark(engine);
  // A run that ended without its cleanup (the container is not running, or it would not start
  // again) still holds its sandbox: it goes first, so that its address and ports are free again.
  await teardownSandbox(engine, spec.id);
  const sandbox = reserveSandbox(engine, spec);
  try {
    const options = JSON.parse(sandbox.options) as NetavarkNetworkOptions;
    await probeHostPorts(options.port_mappings ?? []).catch((err: unknown) => {
      throw connectivityError(spec, sandbox.endpoints[0]?.endpointId ?? "", err);
    });
    await createNetns(netnsDir(engine), { name: sandbox.sandboxId.slice(0, 12) });
    const status = await serialized(() => driver.setup(sandbox.netns, options));
    for (const network of Object.keys(options.networks)) endpointsOf(status, network);
    return sandbox.netns;
  } catch (err) {
    await teardownSandbox(engine, spec.id);
    throw err instanceof NetworkSetupError ? err : new NetworkSetupError((err as Error).message, { cause: err });
  }
}

/** dockerd's words for a host port it could not have: the allocator's or the proxy's reason inside the endpoint's. */
function connectivityError(spec: ContainerSpec, endpointId: string, err: unknown): NetworkSetupError {
  return new NetworkSetupError(
    `driver failed programming external connectivity on endpoint ${spec.name} (${endpointId}): ${(err as Error).message}`,
    { cause: err },
  );
}

/** One transaction: what is taken is read and the container's share written, so no two runs get the same. */
function reserveSandbox(engine: Engine, spec: ContainerSpec): SandboxRecord {
  const { networks } = engine.store;
  return engine.store.write(() => {
    const network = ensureDefaultBridge(engine);
    const used = networks.addressesOn(network.id).flatMap((a) => parseIp(a) ?? []);
    const address: IpAddress = allocateAddress(addressPool(network), { used, network });
    const endpointId = randomBytes(32).toString("hex");
    const sandboxId = randomBytes(32).toString("hex");
    let bound: ReturnType<typeof bindHostPorts>;
    try {
      bound = bindHostPorts(
        { portBindings: requestedBindings(spec), ...(spec.config.ExposedPorts ? { exposedPorts: spec.config.ExposedPorts } : {}) },
        { reserved: networks.reservations(), lastEphemeral: networks.portCounters() },
      );
    } catch (err) {
      throw connectivityError(spec, endpointId, err);
    }
    const options = buildNetworkOptions({
      containerId: spec.id,
      containerName: spec.name,
      attachments: [
        {
          network: bridgeNetwork(network),
          addresses: [address],
          // The default bridge has no names to resolve: Docker shows Aliases null for it.
          aliases: [],
          interfaceName: "eth0",
          macAddress: macAddressFor(address),
        },
      ],
      ports: bound.published,
    });
    const prefixLen = addressPool(network).subnet.prefix;
    const sandbox: SandboxRecord = {
      containerId: spec.id,
      sandboxId,
      netns: `${fs.realpathSync(mkdirp(netnsDir(engine)))}/${sandboxId.slice(0, 12)}`,
      options: JSON.stringify(options),
      ports: JSON.stringify(bound.ports),
      endpoints: [
        {
          containerId: spec.id,
          networkId: network.id,
          endpointId,
          address: formatIp(address),
          prefixLen,
          macAddress: macAddressFor(address),
        },
      ],
      reservations: bound.reservations,
    };
    networks.insertSandbox(sandbox, bound.lastEphemeral);
    return sandbox;
  });
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
    try {
      const driver = netavark(engine);
      await serialized(() => driver.teardown(sandbox.netns, options));
    } catch (err) {
      engine.log.warn(`tearing down the network of container ${containerId}: ${(err as Error).message}`);
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
