// A container's /etc/resolv.conf as dockerd 20.10 writes it (libnetwork sandbox_dns_unix.go
// setupDNS, resolvconf.Build), and the checks the docker CLI makes of --dns and --dns-search.
// Pure: the caller reads the host's file and writes the result.
import { formatIp, parseIp } from "../../network/ip-address.js";
import { InvalidArgumentError } from "../../errors.js";

/** HostConfig.Dns, DnsSearch and DnsOptions. */
export interface DnsConfig {
  servers: readonly string[];
  search: readonly string[];
  options: readonly string[];
}

export const NO_DNS_CONFIG: DnsConfig = { servers: [], search: [], options: [] };

export interface ResolvConfInput {
  /** The host's /etc/resolv.conf. */
  host: string;
  dns: DnsConfig;
  /**
   * The host's network namespace: its loopback servers answer there, so none is dropped.
   * In a namespace of the container's own, 127.x and ::1 would ask the container itself.
   */
  hostNetwork: boolean;
  /**
   * The name servers of the container's DNS-enabled networks (aardvark-dns on their gateways).
   * They replace every other server, as Docker's embedded 127.0.0.11 does: --dns servers then go
   * upstream of them, not into the file.
   */
  networkServers?: readonly string[];
}

export function resolvConf(input: ResolvConfInput): string {
  const { dns } = input;
  const host = parseResolvConf(input.host);
  if (input.networkServers && input.networkServers.length > 0) {
    const options = dns.options.length ? [...dns.options] : host.options;
    // The embedded resolver answers container names without dots: ask it with the name first.
    if (!options.some((o) => o.startsWith("ndots:"))) options.push("ndots:0");
    return build(input.networkServers, dns.search.length ? dns.search : host.search, options);
  }
  if (dns.servers.length || dns.search.length || dns.options.length) {
    return build(
      dns.servers.length ? dns.servers : host.nameservers,
      dns.search.length ? dns.search : host.search,
      dns.options.length ? dns.options : host.options,
    );
  }
  if (input.hostNetwork) return withFinalNewline(input.host);
  // Docker falls back to public resolvers when nothing is left; berth leaves none rather than
  // sending a container's queries off the machine unasked.
  const kept = input.host.split("\n").filter((line) => !/^\s*nameserver\s+(127\.|::1\b)/.test(line));
  return withFinalNewline(kept.join("\n"));
}

function withFinalNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** resolvconf.Build: search, then the servers, then options; `--dns-search .` means no search line. */
function build(servers: readonly string[], search: readonly string[], options: readonly string[]): string {
  let out = "";
  const searchLine = search.join(" ");
  if (search.length && searchLine.trim() !== ".") out += `search ${searchLine}\n`;
  for (const server of servers) out += `nameserver ${server}\n`;
  const optionsLine = options.join(" ");
  if (options.length && optionsLine.trim() !== "") out += `options ${optionsLine}\n`;
  return out;
}

/** resolvconf's readers: every nameserver line; the first search and options lines; comments dropped. */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[]; options: string[] } {
  const nameservers: string[] = [];
  let search: string[] | undefined;
  let options: string[] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "");
    const [key, ...fields] = line.trim().split(/\s+/);
    if (key === "nameserver" && fields.length === 1 && parseIp(fields[0]!)) nameservers.push(fields[0]!);
    else if (key === "search" && search === undefined) search = fields;
    else if (key === "options" && options === undefined) options = fields;
  }
  return { nameservers, search: search ?? [], options: options ?? [] };
}

/** docker/cli opts.ValidateIPAddress for --dns: the address as Go prints it. */
export function parseDnsServer(value: string): string {
  const ip = parseIp(value.trim());
  if (!ip) throw new InvalidArgumentError(`IP address is not correctly formatted: ${value}`);
  return formatIp(ip);
}

const DOMAIN =
  /^(:?(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** docker/cli opts.ValidateDNSSearch: "." (no search domain) or a domain, its final dot dropped. */
export function parseDnsSearch(value: string): string {
  const trimmed = value.replace(/^ +| +$/g, "");
  if (trimmed === ".") return trimmed;
  const m = /[a-zA-Z]/.test(trimmed) ? DOMAIN.exec(trimmed) : null;
  if (!m || m[1]!.length >= 255) throw new InvalidArgumentError(`${trimmed} is not a valid domain`);
  return m[1]!;
}

/**
 * The docker CLI's warning before it creates a container whose first local --dns server would be
 * the container's own loopback (cli/command/container/create.go warnOnLocalhostDNS).
 */
export function localhostDnsWarning(servers: readonly string[]): string | undefined {
  const local = servers.find((s) => {
    const ip = parseIp(s);
    return ip !== undefined && (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n);
  });
  return local === undefined ? undefined : `WARNING: Localhost DNS (${local}) may fail in containers.`;
}
