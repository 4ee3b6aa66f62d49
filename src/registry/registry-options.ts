// Where berth finds what it needs to talk to registries: the Docker-compatible client config
// (credentials), per-registry CA certificates in Docker's certs.d layout, and which registries may
// be reached over plain HTTP.
import { isIP } from "node:net";

export interface RegistryOptions {
  /** The directory holding config.json (Docker's ~/.docker, --config, DOCKER_CONFIG). */
  configDir: string;
  /** <certsDir>/<host[:port]>/ca.crt, client.cert, client.key — as /etc/docker/certs.d. */
  certsDir: string;
  /** host[:port] names or CIDR ranges, as dockerd's --insecure-registry. */
  insecureRegistries: readonly string[];
  /** Refuse every address but loopback, before any lookup (BERTH_REGISTRY_LOOPBACK_ONLY: the tests set it). */
  loopbackOnly?: boolean;
}

/** docker.io names the registry; this is where its API lives. */
export const DOCKER_HUB_DOMAIN = "docker.io";
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Docker keeps Hub credentials under the old v1 index address. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

export function apiHost(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN || domain === "index.docker.io" ? DOCKER_HUB_API_HOST : domain;
}

export function authKey(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN || domain === "index.docker.io" || domain === DOCKER_HUB_API_HOST ? DOCKER_HUB_AUTH_KEY : domain;
}

/** Host without port, brackets removed from IPv6 literals. */
export function hostname(hostPort: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(hostPort);
  if (v6) return v6[1]!;
  return hostPort.replace(/:\d+$/, "");
}

/**
 * Docker allows plain HTTP to localhost and 127.0.0.0/8 without configuration (and ::1, which
 * it treats alike), and to the registries named in --insecure-registry.
 */
export function isInsecureRegistry(hostPort: string, opts: Pick<RegistryOptions, "insecureRegistries">): boolean {
  const host = hostname(hostPort);
  if (host === "localhost" || isLoopback(host)) return true;
  return opts.insecureRegistries.some((entry) => {
    if (entry.includes("/")) return isIP(host) === 4 && inCidr(host, entry);
    return entry === hostPort || entry === host;
  });
}

export function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
}

export function isLinkLocal(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith("169.254.")) || (isIP(host) === 6 && /^fe[89ab]/i.test(host));
}

export function isPrivate(host: string): boolean {
  if (isIP(host) === 4) return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].some((c) => inCidr(host, c));
  return isIP(host) === 6 && /^f[cd]/i.test(host);
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (!base || isIP(base) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(base) & mask);
}
