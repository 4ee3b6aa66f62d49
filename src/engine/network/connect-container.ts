// `network connect` and `network disconnect`: on a created or stopped container they change what
// its next start joins; on a running one netavark also attaches or detaches the network at once,
// and the container's /etc files follow (a first DNS network brings aardvark-dns into resolv.conf).
import type { Engine } from "../engine.js";
import type { ContainerRecord } from "../../store/container-store.js";
import type { EndpointConfig, NetworkRecord } from "../../store/network-store.js";
import { resolveContainer } from "../containers/container-state.js";
import { containerPaths } from "../containers/container-paths.js";
import { writeEtcFiles } from "../containers/etc-files.js";
import { recordEvent } from "../events.js";
import { checkEndpointConfig, networksToJoin, normalizedConfig } from "./attachments.js";
import { bridgeEtcNetwork } from "./container-network.js";
import { etcOptions } from "./etc-options.js";
import { networkKind } from "./network-mode.js";
import { resolveNetwork } from "./networks.js";
import { connectSandbox, disconnectSandbox } from "./sandbox.js";
import { ForbiddenError, InvalidArgumentError, NotFoundError, SystemError } from "../../errors.js";

const HOST_CONFLICT = "container cannot be disconnected from host network or connected to host network";
const NONE_CONFLICT = "container cannot be connected to multiple networks with one of the networks in private (none) mode";
const SHARED_CONFLICT = "container sharing network namespace with another container or host cannot be connected to any other network";

/** dockerd's refusals for a container whose namespace is not its own, or a network without a bridge. */
function checkConnectable(record: ContainerRecord, network: NetworkRecord): void {
  const kind = networkKind(record.spec.hostConfig.NetworkMode);
  if (kind === "host" || network.driver === "host") throw new InvalidArgumentError(HOST_CONFLICT);
  if (kind === "none" || network.driver === "null") throw new InvalidArgumentError(NONE_CONFLICT);
  if (kind === "container") throw new InvalidArgumentError(SHARED_CONFLICT);
}

function isAttached(engine: Engine, containerId: string, network: NetworkRecord): boolean {
  return engine.store.networks.attachments(containerId).some((a) => a.networkId === network.id || a.networkName === network.name);
}

export async function connectContainer(engine: Engine, networkRef: string, containerRef: string, requested: EndpointConfig): Promise<void> {
  const network = resolveNetwork(engine, networkRef);
  const record = resolveContainer(engine, containerRef);
  checkConnectable(record, network);
  // Docker shows DriverOpts {} for an endpoint made by connect.
  const config = { ...normalizedConfig(requested), DriverOpts: requested.DriverOpts ?? {} };
  checkEndpointConfig(network, config);
  const attachment = engine.store.write(() => {
    if (isAttached(engine, record.spec.id, network)) {
      throw new ForbiddenError(`endpoint with name ${record.spec.name} already exists in network ${network.name}`);
    }
    return engine.store.networks.attach({ containerId: record.spec.id, networkName: network.name, networkId: network.id, config });
  });
  if (record.state.Running && engine.store.networks.sandbox(record.spec.id)) {
    try {
      await connectSandbox(engine, record.spec, { attachment, network });
    } catch (err) {
      engine.store.write(() => engine.store.networks.detach(record.spec.id, network.name));
      throw err;
    }
    rewriteEtcFiles(engine, record);
  }
  recordEvent(engine, "network", "connect", network.id, { container: record.spec.id, name: network.name, type: network.driver });
}

/** With `force`, a network that is gone is still let go of by the name the container knows it by. */
export async function disconnectContainer(
  engine: Engine,
  networkRef: string,
  containerRef: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  const record = resolveContainer(engine, containerRef);
  let network: NetworkRecord;
  try {
    network = resolveNetwork(engine, networkRef);
  } catch (err) {
    const known = engine.store.networks.attachments(record.spec.id).find((a) => a.networkName === networkRef);
    if (!opts.force || !(err instanceof NotFoundError) || !known) throw err;
    if (record.state.Running && known.networkId) await disconnectSandbox(engine, record.spec.id, known.networkId);
    engine.store.write(() => engine.store.networks.detach(record.spec.id, known.networkName));
    return;
  }
  const kind = networkKind(record.spec.hostConfig.NetworkMode);
  if (kind === "host" && network.driver === "host") throw new InvalidArgumentError(HOST_CONFLICT);
  const attachment = engine.store.networks
    .attachments(record.spec.id)
    .find((a) => a.networkId === network.id || a.networkName === network.name);
  if (!attachment) throw new SystemError(`container ${record.spec.id} is not connected to network ${network.name}`);
  if (record.state.Running) await disconnectSandbox(engine, record.spec.id, network.id);
  engine.store.write(() => engine.store.networks.detach(record.spec.id, attachment.networkName));
  if (record.state.Running && engine.store.networks.sandbox(record.spec.id)) rewriteEtcFiles(engine, record);
  recordEvent(engine, "network", "disconnect", network.id, { container: record.spec.id, name: network.name, type: network.driver });
}

/** The running container's /etc files again, written in place so that its bind mounts see them. */
function rewriteEtcFiles(engine: Engine, record: ContainerRecord): void {
  const sandbox = engine.store.networks.sandbox(record.spec.id);
  if (!sandbox) return;
  writeEtcFiles(containerPaths(engine, record.spec.id).userdata, {
    ...etcOptions(engine, record.spec),
    network: bridgeEtcNetwork(networksToJoin(engine, record.spec.id), sandbox.endpoints),
  });
}
