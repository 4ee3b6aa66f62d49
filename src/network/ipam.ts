// Address management for bridge networks, the way Docker 20.10's default IPAM hands out subnets,
// gateways and container addresses (measured against dockerd 20.10.24 and the docker CLI 28.2.2).
// netavark does no IPAM at all: every address it configures comes from here. Pure: the caller
// passes what is in use and persists what it chose.
import { ForbiddenError, InvalidArgumentError, NotFoundError, SystemError } from "../errors.js";
import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIp,
  lastAddress,
  networkAddress,
  parseCidr,
  parseIp,
  sameIp,
  type Cidr,
  type IpAddress,
} from "./ip-address.js";

/** The default bridge's subnet (docker0) when no --bip is given; its gateway is `.1`. */
export const DEFAULT_BRIDGE_SUBNET: Cidr = parseCidr("172.17.0.0/16")!;

/**
 * Docker's local default pools, in the order dockerd 20.10 hands them out: 172.17.0.0/16 to
 * 172.31.0.0/16, then 192.168.0.0/16 cut into sixteen /20s. 31 networks in all, then
 * "could not find an available, non-overlapping IPv4 address pool among the defaults…".
 */
export function defaultPools(): Cidr[] {
  const pools: Cidr[] = [];
  for (let b = 17; b <= 31; b++) pools.push(parseCidr(`172.${b}.0.0/16`)!);
  for (let c = 0; c < 256; c += 16) pools.push(parseCidr(`192.168.${c}.0/20`)!);
  return pools;
}

export const ERR_NO_DEFAULT_POOL =
  "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network";
export const ERR_POOL_OVERLAPS = "Pool overlaps with other one on this address space";
export const ERR_ADDRESS_IN_USE = "Address already in use";

/**
 * The next default pool for a network created without --subnet. dockerd does not take the lowest
 * free pool: it goes on from the last pool it handed out and wraps round to the start (measured:
 * with 172.19 and 172.22 freed, the next networks got 192.168.96.0/20 … 192.168.240.0/20, and only
 * then 172.19 and 172.22). `lastAllocated` is that pointer, which the caller keeps; `used` holds
 * every subnet in use (networks, and host routes the caller wants avoided).
 */
export function allocateSubnet(opts: { used: readonly Cidr[]; lastAllocated?: Cidr }): Cidr {
  const pools = defaultPools();
  const last = opts.lastAllocated;
  const after = last ? pools.findIndex((p) => formatCidr(p) === formatCidr(last)) + 1 : 0;
  for (let i = 0; i < pools.length; i++) {
    const pool = pools[(after + i) % pools.length]!;
    if (!opts.used.some((u) => u.address.family === 4 && cidrsOverlap(u, pool))) return pool;
  }
  throw new NotFoundError(ERR_NO_DEFAULT_POOL);
}

/** One entry of a network's IPAM config, as the API carries it (`IPAM.Config[]`). */
export interface IpamConfigEntry {
  readonly Subnet?: string;
  readonly IPRange?: string;
  readonly Gateway?: string;
}

/**
 * The CLI's own checks of `network create --subnet/--ip-range/--gateway` (docker CLI 28's
 * createIPAMConfig), made before any request: ranges and gateways must each fall in a subnet.
 */
export function buildIpamConfig(flags: {
  readonly subnets: readonly string[];
  readonly ipRanges: readonly string[];
  readonly gateways: readonly string[];
}): IpamConfigEntry[] {
  const { subnets, ipRanges, gateways } = flags;
  if (subnets.length < ipRanges.length || subnets.length < gateways.length) {
    throw new InvalidArgumentError("every ip-range or gateway must have a corresponding subnet");
  }
  const entries = new Map<string, { Subnet: string; IPRange?: string; Gateway?: string }>();
  for (const s of subnets) {
    for (const k of entries.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s))
        throw new InvalidArgumentError("multiple overlapping subnet configuration is not supported");
    }
    entries.set(s, { Subnet: s });
  }
  for (const r of ipRanges) {
    let matched = false;
    for (const s of subnets) {
      if (!parseCidr(r)) throw new InvalidArgumentError(`invalid CIDR address: ${r}`);
      if (!subnetMatches(s, r)) continue;
      const entry = entries.get(s)!;
      if (entry.IPRange !== undefined) {
        throw new InvalidArgumentError(`cannot configure multiple ranges (${r}, ${entry.IPRange}) on the same subnet (${s})`);
      }
      entry.IPRange = r;
      matched = true;
    }
    if (!matched) throw new InvalidArgumentError(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let matched = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const entry = entries.get(s)!;
      if (entry.Gateway !== undefined) {
        throw new InvalidArgumentError(`cannot configure multiple gateways (${g}, ${entry.Gateway}) for the same subnet (${s})`);
      }
      entry.Gateway = g;
      matched = true;
    }
    if (!matched) throw new InvalidArgumentError(`no matching subnet for gateway ${g}`);
  }
  return [...entries.values()];
}

/** Whether `data` (an address or a prefix, whose address counts) lies in `subnet`. */
function subnetMatches(subnet: string, data: string): boolean {
  const s = parseCidr(subnet);
  if (!s) throw new InvalidArgumentError(`invalid subnet: invalid CIDR address: ${subnet}`);
  let ip: IpAddress | undefined;
  if (data.includes("/")) {
    const d = parseCidr(data);
    if (!d) throw new InvalidArgumentError(`invalid CIDR address: ${data}`);
    ip = d.address;
  } else {
    ip = parseIp(data);
  }
  return ip !== undefined && cidrContains(s, ip);
}

/** A network's resolved address pool for one family. */
export interface AddressPool {
  /** As requested (host bits kept, as Docker echoes it), or the default pool chosen. */
  readonly subnet: Cidr;
  readonly gateway: IpAddress;
  /** Where container addresses come from; absent means the whole subnet. */
  readonly ipRange?: Cidr;
  /** True when berth chose the subnet (Docker then also reports the gateway in inspect). */
  readonly automatic: boolean;
}

/**
 * The daemon's side of `network create`: parses and checks the config, picks a default IPv4 pool
 * when none is given (also when only an IPv6 subnet is: measured), and chooses each gateway.
 * `used` are the subnets of the other networks.
 */
export function resolveAddressPools(
  config: readonly IpamConfigEntry[],
  opts: { used: readonly Cidr[]; lastAllocated?: Cidr; avoid?: readonly Cidr[] },
): AddressPool[] {
  const requested = config.map((entry) => {
    const text = entry.Subnet ?? "";
    const subnet = parseCidr(text);
    if (!subnet) throw new InvalidArgumentError(`Invalid subnet ${text} : invalid CIDR address: ${text}`);
    return { entry, subnet };
  });
  for (const family of [4, 6] as const) {
    if (requested.filter((r) => r.subnet.address.family === family).length > 1) {
      throw new ForbiddenError("bridge driver doesn't support multiple subnets");
    }
  }
  const pools: AddressPool[] = [];
  if (!requested.some((r) => r.subnet.address.family === 4)) {
    // An automatic pool also keeps clear of the host's own addresses and routes (`avoid`).
    const subnet = allocateSubnet({ ...opts, used: [...opts.used, ...(opts.avoid ?? [])] });
    pools.push({ subnet, gateway: { family: 4, value: networkAddress(subnet).value + 1n }, automatic: true });
  }
  for (const { entry, subnet } of requested) {
    if (opts.used.some((u) => u.address.family === subnet.address.family && cidrsOverlap(u, subnet))) {
      throw new ForbiddenError(ERR_POOL_OVERLAPS);
    }
    const ipRange = entry.IPRange === undefined ? undefined : parseCidr(entry.IPRange);
    if (entry.IPRange !== undefined && !ipRange) throw new InvalidArgumentError(`invalid CIDR address: ${entry.IPRange}`);
    const gateway = chooseGateway(subnet, entry.Gateway, ipRange);
    pools.push({ subnet, gateway, ...(ipRange ? { ipRange } : {}), automatic: false });
  }
  return pools.sort((a, b) => a.subnet.address.family - b.subnet.address.family);
}

function chooseGateway(subnet: Cidr, requested: string | undefined, ipRange: Cidr | undefined): IpAddress {
  if (requested !== undefined) {
    const ip = parseIp(requested);
    if (!ip || !cidrContains(subnet, ip)) {
      throw new InvalidArgumentError(`no matching subnet for gateway ${requested}`);
    }
    if (reservedInSubnet(subnet, ip)) throw new SystemError(`failed to allocate gateway (${requested}): ${ERR_ADDRESS_IN_USE}`);
    return ip;
  }
  // Without --gateway, dockerd takes the first assignable address of the range (measured: with
  // --ip-range 10.65.0.128/25 the gateway was 10.65.0.128 and the first container .129).
  const first = firstFree({ subnet, ...(ipRange ? { ipRange } : {}) }, new Set());
  if (!first) throw new SystemError("failed to allocate gateway (): No available addresses on this pool");
  return first;
}

/** The subnet's own first address, and for IPv4 its broadcast, are never handed out. */
function reservedInSubnet(subnet: Cidr, ip: IpAddress): boolean {
  if (sameIp(ip, networkAddress(subnet))) return true;
  return subnet.address.family === 4 && sameIp(ip, lastAddress(subnet));
}

/** The lowest address of the range (clamped to the subnet) that is neither reserved nor taken. */
function firstFree(pool: { subnet: Cidr; ipRange?: Cidr }, taken: ReadonlySet<bigint>): IpAddress | undefined {
  const family = pool.subnet.address.family;
  let start = networkAddress(pool.subnet).value;
  let end = lastAddress(pool.subnet).value;
  if (pool.ipRange) {
    start = bigMax(start, networkAddress(pool.ipRange).value);
    end = bigMin(end, lastAddress(pool.ipRange).value);
  }
  for (let value = start; value <= end; value++) {
    const ip: IpAddress = { family, value };
    if (!taken.has(value) && !reservedInSubnet(pool.subnet, ip)) return ip;
  }
  return undefined;
}

const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bigMin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * A container's address on a network: the lowest free one (Docker's order; a freed address is
 * reused at once). `used` holds the addresses of the network's other endpoints.
 */
export function allocateAddress(
  pool: AddressPool,
  opts: { used: readonly IpAddress[]; network: { readonly name: string; readonly id: string } },
): IpAddress {
  const taken = new Set(opts.used.filter((ip) => ip.family === pool.subnet.address.family).map((ip) => ip.value));
  taken.add(pool.gateway.value);
  const ip = firstFree(pool, taken);
  if (!ip) {
    throw new SystemError(
      `no available IPv${pool.subnet.address.family} addresses on this network's address pools: ${opts.network.name} (${opts.network.id})`,
    );
  }
  return ip;
}

/** A requested address (`--ip`): anywhere in the subnet, even outside --ip-range, if free. */
export function reserveAddress(pool: AddressPool, requested: string, opts: { used: readonly IpAddress[] }): IpAddress {
  const ip = parseIp(requested);
  if (!ip || ip.family !== pool.subnet.address.family) {
    throw new InvalidArgumentError(`invalid IPv${pool.subnet.address.family} address: ${requested}`);
  }
  if (!cidrContains(pool.subnet, ip)) {
    throw new InvalidArgumentError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
  }
  if (reservedInSubnet(pool.subnet, ip) || sameIp(ip, pool.gateway) || opts.used.some((u) => sameIp(u, ip))) {
    throw new ForbiddenError(ERR_ADDRESS_IN_USE);
  }
  return ip;
}

/** Docker's MAC for an IPv4 endpoint: `02:42` followed by the four address bytes. */
export function macAddressFor(ip: IpAddress): string {
  if (ip.family !== 4) throw new InvalidArgumentError(`no IPv4-derived MAC address for ${formatIp(ip)}`);
  const bytes = [0x02, 0x42, ...[24n, 16n, 8n, 0n].map((s) => Number((ip.value >> s) & 0xffn))];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
