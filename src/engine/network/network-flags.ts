// `--network`, `--network-alias`, `--ip`, `--ip6` and `--link-local-ip` of run and create, as docker CLI 28 turns them
// into HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig: `--network NAME` or the long
// form `--network name=NAME,alias=A,ip=IP,ip6=IP,link-local-ip=IP,mac-address=MAC,driver-opt=K=V`, repeatable (the
// first is the network mode); the single-network flags apply to the first network.
import type { EndpointConfig } from "../../store/network-store.js";
import { InvalidArgumentError } from "../../errors.js";

interface NetworkFlag {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  linkLocalIps: string[];
  mac?: string;
  driverOpts: Record<string, string>;
}

/** One --network value; a plain name, or the comma-separated long form. */
export function parseNetworkFlag(value: string): NetworkFlag {
  const flag: NetworkFlag = { target: "", aliases: [], linkLocalIps: [], driverOpts: {} };
  if (!value.includes("=")) return { ...flag, target: value };
  for (const field of value.split(",")) {
    const eq = field.indexOf("=");
    if (eq < 0) throw new InvalidArgumentError(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).trim().toLowerCase();
    const v = field.slice(eq + 1);
    if (key === "name") flag.target = v;
    else if (key === "alias") flag.aliases.push(v);
    else if (key === "ip") flag.ipv4 = v;
    else if (key === "ip6") flag.ipv6 = v;
    else if (key === "link-local-ip") flag.linkLocalIps.push(v);
    else if (key === "mac-address") flag.mac = v;
    else if (key === "driver-opt") {
      const kv = v.indexOf("=");
      if (kv < 0) throw new InvalidArgumentError(`invalid driver-opt '${v}': must be a key=value pair`);
      flag.driverOpts[v.slice(0, kv)] = v.slice(kv + 1);
    } else throw new InvalidArgumentError(`invalid field key ${key}`);
  }
  return flag;
}

export function networkFlags(
  values: readonly string[],
  single: { aliases: readonly string[]; ip?: string | undefined; ip6?: string | undefined; linkLocalIps?: readonly string[] },
): { mode: string; endpoints: Record<string, EndpointConfig> } {
  const flags = values.map(parseNetworkFlag);
  if (flags.length === 0) flags.push({ target: "default", aliases: [], linkLocalIps: [], driverOpts: {} });
  const first = flags[0]!;
  const linkLocalIps = single.linkLocalIps ?? [];
  if (single.aliases.length > 0 || single.ip || single.ip6 || linkLocalIps.length > 0) {
    if (flags.length > 1) {
      throw new InvalidArgumentError("conflicting options: cannot specify both --network-alias, --ip or --ip6 and more than one network");
    }
    if (first.aliases.length > 0 && single.aliases.length > 0) {
      throw new InvalidArgumentError("conflicting options: cannot specify both --network-alias and per-network alias");
    }
    if ((first.ipv4 && single.ip) || (first.ipv6 && single.ip6)) {
      throw new InvalidArgumentError("conflicting options: cannot specify both --ip and per-network IPv4 address");
    }
    if (first.linkLocalIps.length > 0 && linkLocalIps.length > 0) {
      throw new InvalidArgumentError("conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses");
    }
    first.aliases.push(...single.aliases);
    first.linkLocalIps.push(...linkLocalIps);
    if (single.ip) first.ipv4 = single.ip;
    if (single.ip6) first.ipv6 = single.ip6;
  }
  const endpoints: Record<string, EndpointConfig> = {};
  for (const f of flags) {
    if (f.target === "") throw new InvalidArgumentError("network name/id is not specified");
    if (f.target in endpoints) throw new InvalidArgumentError(`network "${f.target}" is specified multiple times`);
    endpoints[f.target] = {
      ...(f.aliases.length ? { Aliases: f.aliases } : {}),
      ...(f.ipv4 || f.ipv6 || f.linkLocalIps.length
        ? {
            IPAMConfig: {
              ...(f.ipv4 ? { IPv4Address: f.ipv4 } : {}),
              ...(f.ipv6 ? { IPv6Address: f.ipv6 } : {}),
              ...(f.linkLocalIps.length ? { LinkLocalIPs: f.linkLocalIps } : {}),
            },
          }
        : {}),
      ...(f.mac ? { MacAddress: f.mac } : {}),
      ...(Object.keys(f.driverOpts).length ? { DriverOpts: f.driverOpts } : {}),
    };
  }
  return { mode: first.target, endpoints };
}
