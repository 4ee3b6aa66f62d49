// What a start does for the container's network, by its mode: the namespace the runtime spec
// names, and /etc/hosts, /etc/hostname and /etc/resolv.conf to match. The default bridge's
// sandbox is made here and torn down by the end of the run (container-exit.ts).
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import { writeEtcFiles, type EtcFiles, type EtcNetwork } from "../containers/etc-files.js";
import { containerPaths } from "../containers/container-paths.js";
import { networkKind, networkPeer } from "./network-mode.js";
import { setupSandbox, type JoinedNetwork } from "./sandbox.js";
import { networksToJoin } from "./attachments.js";
import type { EndpointRecord } from "../../store/network-store.js";
import { etcOptions } from "./etc-options.js";
import { SystemError } from "../../errors.js";

export type RuntimeNetwork = { kind: "host" } | { kind: "none" } | { kind: "path"; path: string };

export async function joinNetwork(engine: Engine, spec: ContainerSpec): Promise<{ network: RuntimeNetwork; etc: EtcFiles }> {
  const dir = containerPaths(engine, spec.id).userdata;
  const names = etcOptions(engine, spec);
  const kind = networkKind(spec.hostConfig.NetworkMode);
  if (kind === "host" || kind === "none") return { network: { kind }, etc: writeEtcFiles(dir, { ...names, network: { kind } }) };
  if (kind === "container") {
    const peer = networkPeer(engine, spec);
    const peerDir = containerPaths(engine, peer.id).userdata;
    const etc = writeEtcFiles(dir, {
      ...names,
      network: {
        kind: "container",
        peer: { hostsPath: `${peerDir}/hosts`, hostnamePath: `${peerDir}/hostname`, resolvConfPath: `${peerDir}/resolv.conf` },
      },
    });
    return { network: { kind: "path", path: `/proc/${peer.pid}/ns/net` }, etc };
  }
  const joined = networksToJoin(engine, spec.id);
  const netns = await setupSandbox(engine, spec, joined);
  const sandbox = engine.store.networks.sandbox(spec.id);
  if (!sandbox) throw new SystemError(`the network sandbox of container ${spec.id} vanished while it started`);
  return {
    network: { kind: "path", path: netns },
    etc: writeEtcFiles(dir, { ...names, network: bridgeEtcNetwork(joined, sandbox.endpoints) }),
  };
}

/**
 * The files' view of a container on bridge networks: its first address names it in /etc/hosts, and
 * on networks with DNS, aardvark-dns on each gateway is its name server (Docker's 127.0.0.11).
 */
export function bridgeEtcNetwork(joined: readonly JoinedNetwork[], endpoints: readonly EndpointRecord[]): EtcNetwork {
  const first = endpoints.find((e) => e.interfaceName === "eth0") ?? endpoints[0];
  const dnsServers = joined.filter((j) => j.network.dns).map((j) => j.network.gateway);
  return { kind: "bridge", address: first?.address ?? "", ...(dnsServers.length > 0 ? { dnsServers } : {}) };
}
