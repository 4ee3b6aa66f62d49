// The files Docker writes for every container and bind-mounts over the image's: /etc/hosts,
// /etc/hostname and /etc/resolv.conf (daemon/container_operations_unix.go, libnetwork/etchosts).
import * as fs from "node:fs";

export interface EtcFiles {
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
}

/** The container's view of its network, for its files. */
export type EtcNetwork =
  | { kind: "host" }
  | { kind: "none" }
  /**
   * Its own address on bridge networks: /etc/hosts names the container by it, as Docker's does
   * ("" on no network). With `dnsServers` (aardvark-dns on user networks) those are its name servers.
   */
  | { kind: "bridge"; address: string; dnsServers?: readonly string[] }
  /** Another container's namespace: that container's hosts and resolv.conf, as Docker shares them. */
  | { kind: "container"; peer: EtcFiles };

/**
 * With the host's network the container sees the host's names; with its own network namespace it
 * gets Docker's default hosts file. resolv.conf is the host's, minus loopback name servers, which
 * would not answer inside another network namespace (Docker falls back to public resolvers there;
 * berth leaves none rather than sending queries off the machine).
 */
export function writeEtcFiles(dir: string, opts: { hostname: string; domainname: string; network: EtcNetwork }): EtcFiles {
  const paths: EtcFiles = { hostsPath: `${dir}/hosts`, hostnamePath: `${dir}/hostname`, resolvConfPath: `${dir}/resolv.conf` };
  const { network } = opts;
  fs.writeFileSync(paths.hostnamePath, `${opts.hostname}\n`);
  if (network.kind === "container") {
    fs.writeFileSync(paths.hostsPath, readOr(network.peer.hostsPath, ""));
    fs.writeFileSync(paths.resolvConfPath, readOr(network.peer.resolvConfPath, ""));
    return paths;
  }
  const fqdn = opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname;
  const hostHosts = readOr("/etc/hosts", "127.0.0.1\tlocalhost\n");
  const hosts =
    network.kind === "host"
      ? hostHosts
      : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
        "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n" +
        (network.kind === "bridge" && network.address !== "" ? `${network.address}\t${fqdn}\n` : "");
  fs.writeFileSync(paths.hostsPath, hosts);
  const resolv = readOr("/etc/resolv.conf", "");
  if (network.kind === "bridge" && network.dnsServers) {
    // aardvark-dns forwards what it does not know to the host's servers, as Docker's embedded DNS does.
    const kept = resolv.split("\n").filter((line) => /^\s*(search|domain|options)\s/.test(line));
    fs.writeFileSync(paths.resolvConfPath, [...network.dnsServers.map((s) => `nameserver ${s}`), ...kept].join("\n") + "\n");
    return paths;
  }
  const filtered =
    network.kind === "host"
      ? resolv
      : resolv
          .split("\n")
          .filter((line) => !/^\s*nameserver\s+(127\.|::1\b)/.test(line))
          .join("\n");
  fs.writeFileSync(paths.resolvConfPath, filtered.endsWith("\n") || filtered === "" ? filtered : filtered + "\n");
  return paths;
}

function readOr(path: string, fallback: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}
