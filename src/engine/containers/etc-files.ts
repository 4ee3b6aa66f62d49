// The files Docker writes for every container and bind-mounts over the image's: /etc/hosts,
// /etc/hostname and /etc/resolv.conf (daemon/container_operations_unix.go, libnetwork/etchosts).
import * as fs from "node:fs";
import { hostsFile, type HostEntry } from "./hosts-file.js";
import { NO_DNS_CONFIG, resolvConf, type DnsConfig } from "./resolv-conf.js";

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

export interface EtcOptions {
  hostname: string;
  domainname: string;
  network: EtcNetwork;
  /** --dns, --dns-search, --dns-option; none given: the host's resolv.conf. */
  dns?: DnsConfig;
  /** --add-host lines, then links' (hosts-file.ts). */
  extraHosts?: readonly HostEntry[];
}

/**
 * With the host's network the container sees the host's names (unless --add-host asks for more,
 * when Docker writes its own file); with its own network namespace it gets Docker's default hosts
 * file. resolv.conf follows resolv-conf.ts.
 */
export function writeEtcFiles(dir: string, opts: EtcOptions): EtcFiles {
  const paths: EtcFiles = { hostsPath: `${dir}/hosts`, hostnamePath: `${dir}/hostname`, resolvConfPath: `${dir}/resolv.conf` };
  const { network } = opts;
  fs.writeFileSync(paths.hostnamePath, `${opts.hostname}\n`);
  if (network.kind === "container") {
    fs.writeFileSync(paths.hostsPath, readOr(network.peer.hostsPath, ""));
    fs.writeFileSync(paths.resolvConfPath, readOr(network.peer.resolvConfPath, ""));
    return paths;
  }
  fs.writeFileSync(paths.hostsPath, etcHosts(opts));
  fs.writeFileSync(paths.resolvConfPath, etcResolvConf(opts, readOr("/etc/resolv.conf", "")));
  return paths;
}

function etcHosts(opts: EtcOptions): string {
  const extra = opts.extraHosts ?? [];
  const { network } = opts;
  if (network.kind === "host" && extra.length === 0) return readOr("/etc/hosts", "127.0.0.1\tlocalhost\n");
  return hostsFile({
    hostname: opts.hostname,
    domainname: opts.domainname,
    extra,
    ...(network.kind === "bridge" && network.address !== "" ? { address: network.address } : {}),
  });
}

function etcResolvConf(opts: EtcOptions, host: string): string {
  const { network } = opts;
  return resolvConf({
    host,
    dns: opts.dns ?? NO_DNS_CONFIG,
    hostNetwork: network.kind === "host",
    ...(network.kind === "bridge" && network.dnsServers ? { networkServers: network.dnsServers } : {}),
  });
}

function readOr(path: string, fallback: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}
