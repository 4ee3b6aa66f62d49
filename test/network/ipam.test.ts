// Expectations measured against dockerd 20.10.24 with docker CLI 28.2.2 (`docker network create`,
// `docker run --network N [--ip X]`, then inspect); the messages are theirs, word for word.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ForbiddenError, InvalidArgumentError, NotFoundError, SystemError, type BerthError } from "../../src/errors.js";
import {
  canonicalCidr,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  type Cidr,
  type IpAddress,
} from "../../src/network/ip-address.js";
import {
  allocateAddress,
  allocateSubnet,
  buildIpamConfig,
  defaultPools,
  macAddressFor,
  reserveAddress,
  resolveAddressPools,
  type AddressPool,
} from "../../src/network/ipam.js";

type ErrorClass = abstract new (...args: never[]) => BerthError;

const cidr = (text: string): Cidr => parseCidr(text)!;
const ip = (text: string): IpAddress => parseIp(text)!;

function throwsWith(fn: () => unknown, kind: ErrorClass, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    assert.equal((err as Error).message, message);
    return true;
  });
}

describe("parseIp() and formatIp()", () => {
  const roundTrips: [string, string][] = [
    ["10.0.0.1", "10.0.0.1"],
    ["255.255.255.255", "255.255.255.255"],
    ["::", "::"],
    ["::1", "::1"],
    ["FD00:0:0:0:0:0:0:1", "fd00::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ];
  for (const [input, printed] of roundTrips) {
    it(`parseIp() reads ${input} and formatIp() prints it as Go does (${printed})`, () => {
      assert.equal(formatIp(ip(input)), printed);
    });
  }
  for (const bad of [
    "",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "256.0.0.1",
    "localhost",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "fe80::1%eth0",
    "::1.2.3",
    "12345::",
  ]) {
    it(`parseIp() refuses ${JSON.stringify(bad)} as Go's net.ParseIP does`, () => {
      assert.equal(parseIp(bad), undefined);
    });
  }
});

describe("parseCidr()", () => {
  it("parseCidr() keeps the address as written and canonicalCidr() clears the host bits", () => {
    assert.equal(formatCidr(cidr("10.60.0.5/24")), "10.60.0.5/24");
    assert.equal(formatCidr(canonicalCidr(cidr("10.60.0.5/24"))), "10.60.0.0/24");
    assert.equal(formatCidr(canonicalCidr(cidr("fd00::17/64"))), "fd00::/64");
  });
  for (const bad of ["10.60.0.0/33", "10.60.0.0", "foo", "10.0.0.0/", "10.0.0.0/-1", "fd00::/129"]) {
    it(`parseCidr() refuses ${bad}`, () => assert.equal(parseCidr(bad), undefined));
  }
  it("cidrContains() and cidrsOverlap() compare prefixes of one family", () => {
    assert.ok(cidrContains(cidr("10.65.0.0/24"), ip("10.65.0.255")));
    assert.ok(!cidrContains(cidr("10.65.0.0/24"), ip("10.65.1.0")));
    assert.ok(!cidrContains(cidr("::/0"), ip("10.0.0.1")));
    assert.ok(cidrsOverlap(cidr("10.50.0.0/16"), cidr("10.50.1.0/24")));
    assert.ok(cidrsOverlap(cidr("10.50.1.0/24"), cidr("10.0.0.0/8")));
    assert.ok(!cidrsOverlap(cidr("10.50.0.0/16"), cidr("10.51.0.0/16")));
  });
});

describe("allocateSubnet()", () => {
  it("defaultPools() are 172.17-31.0.0/16 then 192.168.x.0/20, 31 in all", () => {
    const pools = defaultPools().map(formatCidr);
    assert.equal(pools.length, 31);
    assert.deepEqual(pools.slice(0, 2), ["172.17.0.0/16", "172.18.0.0/16"]);
    assert.deepEqual(pools.slice(14, 17), ["172.31.0.0/16", "192.168.0.0/20", "192.168.16.0/20"]);
    assert.equal(pools.at(-1), "192.168.240.0/20");
  });

  it("allocateSubnet() hands out pools as dockerd does: on from the last one, wrapping round to freed ones", () => {
    // Measured: the bridge on 172.17, n1…n20 got 172.18 … 192.168.80; after 172.19 and 172.22 were
    // freed the next networks got 192.168.96 … 192.168.240, then 172.19, 172.22, then the error.
    const used: Cidr[] = [cidr("172.17.0.0/16")];
    let last: Cidr | undefined;
    const take = (): string => {
      last = allocateSubnet({ used, ...(last ? { lastAllocated: last } : {}) });
      used.push(last);
      return formatCidr(last);
    };
    const first = Array.from({ length: 20 }, take);
    assert.deepEqual(first.slice(0, 3), ["172.18.0.0/16", "172.19.0.0/16", "172.20.0.0/16"]);
    assert.deepEqual(first.slice(13, 16), ["172.31.0.0/16", "192.168.0.0/20", "192.168.16.0/20"]);
    assert.equal(first.at(-1), "192.168.80.0/20");
    for (const freed of ["172.19.0.0/16", "172.22.0.0/16"])
      used.splice(
        used.findIndex((u) => formatCidr(u) === freed),
        1,
      );
    const next = Array.from({ length: 12 }, take);
    assert.deepEqual(next.slice(0, 2), ["192.168.96.0/20", "192.168.112.0/20"]);
    assert.deepEqual(next.slice(9), ["192.168.240.0/20", "172.19.0.0/16", "172.22.0.0/16"]);
    throwsWith(
      () => allocateSubnet({ used, ...(last ? { lastAllocated: last } : {}) }),
      NotFoundError,
      "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
    );
  });

  it("allocateSubnet() skips a pool that overlaps anything in use, such as a host route", () => {
    assert.equal(formatCidr(allocateSubnet({ used: [cidr("172.17.0.0/16"), cidr("172.18.5.0/24")] })), "172.19.0.0/16");
  });
});

describe("buildIpamConfig() (the CLI's checks)", () => {
  const flags = (subnets: string[], ipRanges: string[] = [], gateways: string[] = []) => ({ subnets, ipRanges, gateways });
  it("buildIpamConfig() pairs ranges and gateways with their subnet", () => {
    assert.deepEqual(buildIpamConfig(flags(["10.65.0.0/24"], ["10.65.0.128/25"], ["10.65.0.254"])), [
      { Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25", Gateway: "10.65.0.254" },
    ]);
    assert.deepEqual(buildIpamConfig(flags([])), []);
  });
  const refused: [ReturnType<typeof flags>, string][] = [
    [flags(["10.61.0.0/24"], [], ["10.99.0.1"]), "no matching subnet for gateway 10.99.0.1"],
    [flags(["10.62.0.0/24"], [], ["foo"]), "no matching subnet for gateway foo"],
    [flags(["10.63.0.0/24"], ["10.64.0.0/25"]), "no matching subnet for range 10.64.0.0/25"],
    [flags([], [], ["10.66.0.1"]), "every ip-range or gateway must have a corresponding subnet"],
    [flags([], ["10.67.0.0/24"]), "every ip-range or gateway must have a corresponding subnet"],
    [flags(["10.75.0.0/24"], [], ["10.75.0.1", "10.75.0.2"]), "every ip-range or gateway must have a corresponding subnet"],
    [flags(["10.80.0.0/16", "10.80.1.0/24"]), "multiple overlapping subnet configuration is not supported"],
    [
      flags(["10.81.0.0/16", "10.82.0.0/16"], ["10.81.0.0/24", "10.81.1.0/24"]),
      "cannot configure multiple ranges (10.81.1.0/24, 10.81.0.0/24) on the same subnet (10.81.0.0/16)",
    ],
    [
      flags(["10.83.0.0/16", "10.84.0.0/16"], [], ["10.83.0.1", "10.83.0.2"]),
      "cannot configure multiple gateways (10.83.0.2, 10.83.0.1) for the same subnet (10.83.0.0/16)",
    ],
    [flags(["foo"], [], ["10.0.0.1"]), "invalid subnet: invalid CIDR address: foo"],
    [flags(["10.85.0.0/16"], ["foo"]), "invalid CIDR address: foo"],
  ];
  for (const [input, message] of refused) {
    it(`buildIpamConfig() refuses with "${message}"`, () => throwsWith(() => buildIpamConfig(input), InvalidArgumentError, message));
  }
});

describe("resolveAddressPools() (the daemon's side of network create)", () => {
  const used = [cidr("172.17.0.0/16"), cidr("10.50.0.0/16")];
  const one = (entry: { Subnet?: string; IPRange?: string; Gateway?: string }): AddressPool => {
    const pools = resolveAddressPools([entry], { used });
    assert.equal(pools.length, 1);
    return pools[0]!;
  };
  it("resolveAddressPools() picks a default pool, gateway .1, when no subnet is given", () => {
    const [pool] = resolveAddressPools([], { used });
    assert.equal(formatCidr(pool!.subnet), "172.18.0.0/16");
    assert.equal(formatIp(pool!.gateway), "172.18.0.1");
    assert.equal(pool!.automatic, true);
  });
  it("resolveAddressPools() keeps --subnet as typed and takes the first address for the gateway", () => {
    const pool = one({ Subnet: "10.60.0.5/24" });
    assert.equal(formatCidr(pool.subnet), "10.60.0.5/24");
    assert.equal(formatIp(pool.gateway), "10.60.0.1");
    assert.equal(pool.automatic, false);
  });
  it("resolveAddressPools() takes the first address of --ip-range for the gateway (measured: 10.65.0.128)", () => {
    assert.equal(formatIp(one({ Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25" }).gateway), "10.65.0.128");
    assert.equal(formatIp(one({ Subnet: "10.86.0.0/24", IPRange: "10.86.0.0/28" }).gateway), "10.86.0.1");
  });
  it("resolveAddressPools() adds a default IPv4 pool to a network given only an IPv6 subnet (measured)", () => {
    const pools = resolveAddressPools([{ Subnet: "fd00::/64" }], { used });
    assert.deepEqual(
      pools.map((p) => [formatCidr(p.subnet), formatIp(p.gateway)]),
      [
        ["172.18.0.0/16", "172.18.0.1"],
        ["fd00::/64", "fd00::1"],
      ],
    );
  });
  const refused: [{ Subnet?: string; IPRange?: string; Gateway?: string }[], ErrorClass, string][] = [
    [[{ Subnet: "10.50.1.0/24" }], ForbiddenError, "Pool overlaps with other one on this address space"],
    [[{ Subnet: "10.50.0.0/8" }], ForbiddenError, "Pool overlaps with other one on this address space"],
    [[{ Subnet: "172.17.5.0/24" }], ForbiddenError, "Pool overlaps with other one on this address space"],
    [[{ Subnet: "10.60.0.0/33" }], InvalidArgumentError, "Invalid subnet 10.60.0.0/33 : invalid CIDR address: 10.60.0.0/33"],
    [[{ Subnet: "10.60.0.0" }], InvalidArgumentError, "Invalid subnet 10.60.0.0 : invalid CIDR address: 10.60.0.0"],
    [[{ Subnet: "foo" }], InvalidArgumentError, "Invalid subnet foo : invalid CIDR address: foo"],
    [[{ Subnet: "10.68.0.0/24", Gateway: "10.68.0.0" }], SystemError, "failed to allocate gateway (10.68.0.0): Address already in use"],
    [[{ Subnet: "10.69.0.0/24", Gateway: "10.69.0.255" }], SystemError, "failed to allocate gateway (10.69.0.255): Address already in use"],
    [[{ Subnet: "10.71.0.0/31" }], SystemError, "failed to allocate gateway (): No available addresses on this pool"],
    [[{ Subnet: "10.72.0.0/32" }], SystemError, "failed to allocate gateway (): No available addresses on this pool"],
    [[{ Subnet: "10.73.0.0/24" }, { Subnet: "10.74.0.0/24" }], ForbiddenError, "bridge driver doesn't support multiple subnets"],
  ];
  for (const [config, kind, message] of refused) {
    it(`resolveAddressPools() refuses ${JSON.stringify(config)}: ${message}`, () =>
      throwsWith(() => resolveAddressPools(config, { used }), kind, message));
  }
});

describe("allocateAddress() and reserveAddress()", () => {
  const network = { name: "a16", id: "3e4248f5ddc060f0d16774f1df2c64dcf66d38559a8c698b7e22d8c87240f190" };
  const poolOf = (entry: { Subnet: string; IPRange?: string; Gateway?: string }): AddressPool =>
    resolveAddressPools([entry], { used: [] })[0]!;

  it("allocateAddress() gives the lowest free address and reuses a freed one at once", () => {
    const pool = poolOf({ Subnet: "10.213.1.0/24", Gateway: "10.213.1.254" });
    assert.equal(formatIp(allocateAddress(pool, { used: [], network })), "10.213.1.1");
    assert.equal(formatIp(allocateAddress(pool, { used: [ip("10.213.1.1"), ip("10.213.1.3")], network })), "10.213.1.2");
  });
  it("allocateAddress() starts in --ip-range, after its gateway (measured: .129)", () => {
    const pool = poolOf({ Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25" });
    assert.equal(formatIp(allocateAddress(pool, { used: [ip("10.65.0.5")], network })), "10.65.0.129");
  });
  it("allocateAddress() never hands out the broadcast address: a /30 holds one container", () => {
    const pool = poolOf({ Subnet: "10.70.0.0/30" });
    const first = allocateAddress(pool, { used: [], network });
    assert.equal(formatIp(first), "10.70.0.2");
    throwsWith(
      () => allocateAddress(pool, { used: [first], network }),
      SystemError,
      "no available IPv4 addresses on this network's address pools: a16 (3e4248f5ddc060f0d16774f1df2c64dcf66d38559a8c698b7e22d8c87240f190)",
    );
  });
  it("reserveAddress() takes any free address of the subnet, even outside --ip-range", () => {
    const pool = poolOf({ Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25" });
    assert.equal(formatIp(reserveAddress(pool, "10.65.0.5", { used: [] })), "10.65.0.5");
    assert.equal(formatIp(reserveAddress(pool, "10.65.0.1", { used: [] })), "10.65.0.1");
  });
  const refusals: [string, ErrorClass, string][] = [
    ["10.65.0.5", ForbiddenError, "Address already in use"],
    ["10.65.0.0", ForbiddenError, "Address already in use"],
    ["10.65.0.255", ForbiddenError, "Address already in use"],
    ["10.65.0.128", ForbiddenError, "Address already in use"],
    ["10.99.0.5", InvalidArgumentError, "Invalid address 10.99.0.5: It does not belong to any of this network's subnets"],
    ["foo", InvalidArgumentError, "invalid IPv4 address: foo"],
  ];
  for (const [requested, kind, message] of refusals) {
    it(`reserveAddress() refuses --ip ${requested}: ${message}`, () => {
      const pool = poolOf({ Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25" });
      throwsWith(() => reserveAddress(pool, requested, { used: [ip("10.65.0.5")] }), kind, message);
    });
  }
  it("macAddressFor() is 02:42 and the IPv4 bytes (measured: 10.65.0.129 → 02:42:0a:41:00:81)", () => {
    assert.equal(macAddressFor(ip("10.65.0.129")), "02:42:0a:41:00:81");
    assert.equal(macAddressFor(ip("10.213.1.20")), "02:42:0a:d5:01:14");
  });
});
