// IPv4 and IPv6 addresses and CIDR prefixes as numbers, parsed and printed as Go's net package does
// (Docker validates with net.ParseIP and net.ParseCIDR, so what it accepts and how it prints an
// address is what users see). No zones (`fe80::1%eth0`): Go's ParseIP refuses them too.

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** The address as an unsigned integer of 32 or 128 bits. */
  readonly value: bigint;
}

/** A prefix as written (`10.60.0.5/24` keeps its host bits: Docker stores --subnet verbatim) and its network. */
export interface Cidr {
  readonly address: IpAddress;
  readonly prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function familyBits(family: IpFamily): number {
  return BITS[family];
}

/** Go's parseIPv4: four decimal fields of at most three digits, no leading zeros, each ≤ 255. */
function parseIpv4(text: string): bigint | undefined {
  const fields = text.split(".");
  if (fields.length !== 4) return undefined;
  let value = 0n;
  for (const field of fields) {
    if (!/^[0-9]{1,3}$/.test(field) || (field.length > 1 && field.startsWith("0"))) return undefined;
    const n = Number(field);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** Go's parseIPv6: hex groups of 1–4 digits, one `::` at most, an optional dotted IPv4 tail. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === "") return [];
    const items = part.split(":");
    const groups: number[] = [];
    for (const [i, item] of items.entries()) {
      if (allowV4Tail && i === items.length - 1 && item.includes(".")) {
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        groups.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** An address, or undefined where Go's net.ParseIP returns nil. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Go's IP.String(): dotted quad; RFC 5952 for IPv6 (longest run of two or more zero groups as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return formatV4(ip.value);
  if (ip.value >> 32n === V4_MAPPED_PREFIX >> 32n) return formatV4(ip.value & 0xffffffffn);
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt((7 - i) * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** Go's net.ParseCIDR; undefined where it fails with `invalid CIDR address: TEXT`. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  // Go's dtoi: decimal digits, leading zeros allowed.
  if (!address || !/^[0-9]+$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > BITS[address.family]) return undefined;
  return { address, prefix };
}

/** As written: `10.60.0.5/24` stays so (Docker's IPAM config echoes --subnet unchanged). */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.address)}/${cidr.prefix}`;
}

function hostMask(cidr: Cidr): bigint {
  return (1n << BigInt(BITS[cidr.address.family] - cidr.prefix)) - 1n;
}

/** The first address of the prefix (host bits cleared). */
export function networkAddress(cidr: Cidr): IpAddress {
  return { family: cidr.address.family, value: cidr.address.value & ~hostMask(cidr) };
}

/** The last address of the prefix (IPv4's broadcast). */
export function lastAddress(cidr: Cidr): IpAddress {
  return { family: cidr.address.family, value: cidr.address.value | hostMask(cidr) };
}

/** The prefix with its host bits cleared, as Go's ParseCIDR returns its IPNet. */
export function canonicalCidr(cidr: Cidr): Cidr {
  return { address: networkAddress(cidr), prefix: cidr.prefix };
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return ip.family === cidr.address.family && (ip.value & ~hostMask(cidr)) === networkAddress(cidr).value;
}

/** Two prefixes of one family overlap when either holds the other's first address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, networkAddress(b)) || cidrContains(b, networkAddress(a));
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

export function addToIp(ip: IpAddress, delta: bigint): IpAddress {
  return { family: ip.family, value: ip.value + delta };
}
