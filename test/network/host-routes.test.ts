// firstFreeDefaultPool(): the default bridge's subnet on a host that already uses some of Docker's
// default pools (dockerd takes the first pool no route of the host overlaps).
import { test } from "node:test";
import assert from "node:assert/strict";
import { firstFreeDefaultPool, hostNetworks } from "../../src/network/host-routes.js";
import { formatCidr, parseCidr } from "../../src/network/ip-address.js";

const cidrs = (...list: string[]) => list.map((c) => parseCidr(c)!);

test("firstFreeDefaultPool() skips the pools the host's addresses and routes overlap", () => {
  assert.equal(formatCidr(firstFreeDefaultPool([])), "172.17.0.0/16");
  assert.equal(formatCidr(firstFreeDefaultPool(cidrs("10.0.0.0/8", "192.0.2.0/24"))), "172.17.0.0/16");
  assert.equal(formatCidr(firstFreeDefaultPool(cidrs("172.17.0.1/16"))), "172.18.0.0/16");
  // A host route inside a pool is enough, and a wider one takes every pool it covers.
  assert.equal(formatCidr(firstFreeDefaultPool(cidrs("172.17.5.9/32", "172.18.0.0/24"))), "172.19.0.0/16");
  assert.equal(formatCidr(firstFreeDefaultPool(cidrs("172.16.0.0/12"))), "192.168.0.0/20");
  assert.throws(
    () => firstFreeDefaultPool(cidrs("172.16.0.0/12", "192.168.0.0/16")),
    /could not find an available, non-overlapping IPv4 address pool/,
  );
});

test("hostNetworks() reads this namespace's loopback and leaves default routes out", () => {
  const networks = hostNetworks().map(formatCidr);
  assert.ok(networks.includes("127.0.0.1/8") || networks.includes("127.0.0.0/8"), networks.join(" "));
  assert.ok(!networks.includes("0.0.0.0/0"));
});
