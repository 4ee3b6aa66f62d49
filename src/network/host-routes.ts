// The IPv4 networks the host's network namespace already uses (interface addresses and routes), so
// that a bridge berth makes does not take a subnet the host reaches some other way. dockerd does the
// same when it makes docker0: the first of its default pools that overlaps no route of the host
// (netutils.FindAvailableNetwork). Read with `ip -j`, whose JSON names what /proc/net/route encodes.
import { spawnSync } from "node:child_process";
import { SystemError } from "../errors.js";
import { cidrsOverlap, parseCidr, type Cidr } from "./ip-address.js";
import { defaultPools, ERR_NO_DEFAULT_POOL } from "./ipam.js";

interface IpAddrEntry {
  readonly ifname?: string;
  readonly addr_info?: readonly { readonly family?: string; readonly local?: string; readonly prefixlen?: number }[];
}

interface IpRouteEntry {
  readonly dst?: string;
  readonly dev?: string;
}

/**
 * Every IPv4 network of the calling process's namespace: the subnet of each interface address
 * (also on an interface that is down, which has no route yet) and each route's destination in any
 * table. Default routes are left out (they overlap everything), and so is `skipInterface`, a bridge
 * of berth's own whose subnet is no stranger's.
 */
export function hostNetworks(opts: { skipInterface?: string; ipBinary?: string } = {}): Cidr[] {
  const ip = opts.ipBinary ?? "ip";
  const networks: Cidr[] = [];
  for (const link of ipJson<IpAddrEntry>(ip, ["-4", "addr", "show"])) {
    if (link.ifname === opts.skipInterface) continue;
    for (const info of link.addr_info ?? []) {
      if (info.family !== "inet" || !info.local) continue;
      const cidr = parseCidr(`${info.local}/${info.prefixlen ?? 32}`);
      if (cidr) networks.push(cidr);
    }
  }
  for (const route of ipJson<IpRouteEntry>(ip, ["-4", "route", "show", "table", "all"])) {
    if (!route.dst || route.dst === "default" || route.dev === opts.skipInterface) continue;
    const cidr = parseCidr(route.dst.includes("/") ? route.dst : `${route.dst}/32`);
    if (cidr) networks.push(cidr);
  }
  return networks;
}

/** The first of Docker's default pools that overlaps none of `used`. */
export function firstFreeDefaultPool(used: readonly Cidr[]): Cidr {
  const pool = defaultPools().find((p) => !used.some((u) => u.address.family === 4 && cidrsOverlap(u, p)));
  if (!pool) throw new SystemError(ERR_NO_DEFAULT_POOL);
  return pool;
}

function ipJson<T>(ip: string, args: readonly string[]): T[] {
  const result = spawnSync(ip, ["-j", ...args], { encoding: "utf8" });
  if (result.error) throw new SystemError(`${ip} ${args.join(" ")}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new SystemError(`${ip} ${args.join(" ")}: ${result.stderr.trim() || `exit status ${result.status}`}`);
  // `ip -j` prints nothing at all when there is nothing to list.
  return result.stdout.trim() === "" ? [] : (JSON.parse(result.stdout) as T[]);
}
