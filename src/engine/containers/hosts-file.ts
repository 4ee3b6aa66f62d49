// A container's /etc/hosts as dockerd 20.10 writes it (libnetwork etchosts.Build): the default
// lines, --add-host and link entries, then the container's own address. And --add-host's syntax,
// which the docker CLI and dockerd both check. Pure: the caller writes the result.
import { parseIp } from "../../network/ip-address.js";
import { InvalidArgumentError } from "../../errors.js";

const DEFAULT_HOSTS =
  "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/** One line: an address and the names it answers to, space separated (`lnk 9efc1e9b9910 nwb1`). */
export interface HostEntry {
  address: string;
  names: string;
}

export interface HostsInput {
  hostname: string;
  domainname: string;
  /** --add-host entries (host-gateway already resolved), then links, in that order. */
  extra: readonly HostEntry[];
  /** The container's own address on its network; none with --network none or host. */
  address?: string;
}

export function hostsFile(input: HostsInput): string {
  let out = DEFAULT_HOSTS;
  for (const e of input.extra) out += `${e.address}\t${e.names}\n`;
  if (input.address !== undefined) {
    const names = input.domainname ? `${input.hostname}.${input.domainname} ${input.hostname}` : input.hostname;
    out += `${input.address}\t${names}\n`;
  }
  return out;
}

/** --add-host's value that stands for the host as the default bridge reaches it (its gateway). */
export const HOST_GATEWAY = "host-gateway";

/**
 * docker/cli 28 opts.ValidateExtraHost, for the --add-host flag: NAME:IP or NAME=IP, IPv6 in
 * brackets or bare. The result is what the CLI sends (HostConfig.ExtraHosts): NAME:IP, the
 * address as typed less its brackets.
 */
export function parseAddHostFlag(value: string): string {
  const eq = value.indexOf("=");
  const at = eq >= 0 ? eq : value.indexOf(":");
  const name = at >= 0 ? value.slice(0, at) : "";
  let address = at >= 0 ? value.slice(at + 1) : "";
  if (at < 0 || name === "" || name.includes(":")) throw new InvalidArgumentError(`bad format for add-host: ${JSON.stringify(value)}`);
  if (address !== HOST_GATEWAY) {
    if (address.length > 2 && address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
    if (!parseIp(address.trim())) throw new InvalidArgumentError(`invalid IP address in add-host: ${JSON.stringify(address)}`);
  }
  return `${name}:${address}`;
}

/**
 * dockerd 20.10's reading of one HostConfig.ExtraHosts entry (opts.ValidateExtraHost of its
 * time): NAME:IP split at the first colon, so that IPv6 addresses keep theirs.
 */
export function parseExtraHost(entry: string): { name: string; address: string } {
  const at = entry.indexOf(":");
  if (at <= 0) throw new InvalidArgumentError(`bad format for add-host: ${JSON.stringify(entry)}`);
  const address = entry.slice(at + 1);
  if (address !== HOST_GATEWAY && !parseIp(address.trim())) {
    throw new InvalidArgumentError(`invalid IP address in add-host: ${JSON.stringify(address)}`);
  }
  return { name: entry.slice(0, at), address };
}

/** The lines of ExtraHosts, host-gateway given as `gateway`. */
export function extraHostEntries(extraHosts: readonly string[], gateway: string): HostEntry[] {
  return extraHosts.map((entry) => {
    const { name, address } = parseExtraHost(entry);
    return { address: address === HOST_GATEWAY ? gateway : address, names: name };
  });
}
