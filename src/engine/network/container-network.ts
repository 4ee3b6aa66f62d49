// What a start does for the container's network, by its mode: the namespace the runtime spec
// names, and /etc/hosts, /etc/hostname and /etc/resolv.conf to match. The default bridge's
// sandbox is made here and torn down by the end of the run (container-exit.ts).
import type { Engine } from "../engine.js";
import type { ContainerSpec } from "../../store/container-store.js";
import { writeEtcFiles, type EtcFiles } from "../containers/etc-files.js";
import { containerPaths } from "../containers/container-paths.js";
import { networkKind, networkPeer } from "./network-mode.js";
import { setupSandbox } from "./sandbox.js";
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
  const netns = await setupSandbox(engine, spec);
  const endpoint = engine.store.networks.sandbox(spec.id)?.endpoints[0];
  if (!endpoint) throw new SystemError(`the network sandbox of container ${spec.id} vanished while it started`);
  return {
    network: { kind: "path", path: netns },
    etc: writeEtcFiles(dir, { ...names, network: { kind: "bridge", address: endpoint.address } }),
  };
}
