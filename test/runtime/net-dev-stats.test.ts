// A container's network counters from /proc/<pid>/net/dev: its own namespace's interfaces without
// loopback, in Docker's NetworkStats shape, and nothing for a process in this (the host's) namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { parseNetDev, readNetworkStats } from "../../src/runtime/net-dev-stats.js";
import { networkIo, type StatsJson } from "../../src/engine/containers/container-stats.js";
import { isRoot } from "../helpers/temp-root.js";

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
  eth0:    1296      12    1    2    0     0          0         0      936       9    3    4    0     0       0          0
`;

test("parseNetDev: receive and transmit counters per interface, loopback left out", () => {
  assert.deepEqual(parseNetDev(NET_DEV), {
    eth0: { rx_bytes: 1296, rx_packets: 12, rx_errors: 1, rx_dropped: 2, tx_bytes: 936, tx_packets: 9, tx_errors: 3, tx_dropped: 4 },
  });
  assert.deepEqual(parseNetDev(NET_DEV.split("\n").slice(0, 3).join("\n")), {});
});

test("networkIo sums bytes over the interfaces, as docker stats' NET I/O", () => {
  const s = { networks: parseNetDev(NET_DEV + "  eth1:  4 1 0 0 0 0 0 0  6 1 0 0 0 0 0 0\n") } as unknown as StatsJson;
  assert.deepEqual(networkIo(s), { rx: 1300, tx: 942 });
  assert.deepEqual(networkIo({} as StatsJson), { rx: 0, tx: 0 });
});

test("readNetworkStats: a process in its own namespace, and one in the host's", { skip: !isRoot() && "needs root" }, async (t) => {
  assert.equal(readNetworkStats(process.pid), undefined, "the host's namespace is no container's own");
  const child = spawn("unshare", ["-n", "sleep", "60"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  const pid = child.pid!;
  // unshare execs sleep once the namespace is made: wait until the pid is in another namespace.
  for (let i = 0; i < 100 && readNetworkStats(pid) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(readNetworkStats(pid), {}, "only loopback");
  // A veth pair with both ends inside the namespace: nothing reaches the host.
  const ip = (...args: string[]) => assert.equal(spawnSync("nsenter", ["-t", String(pid), "-n", "ip", ...args]).status, 0, args.join(" "));
  ip("link", "add", "v0", "type", "veth", "peer", "name", "v1");
  ip("link", "set", "v0", "up");
  ip("link", "set", "v1", "up");
  const stats = readNetworkStats(pid)!;
  assert.deepEqual(Object.keys(stats).sort(), ["v0", "v1"]);
  assert.deepEqual(Object.keys(stats.v0!), [
    "rx_bytes",
    "rx_packets",
    "rx_errors",
    "rx_dropped",
    "tx_bytes",
    "tx_packets",
    "tx_errors",
    "tx_dropped",
  ]);
  assert.equal(readNetworkStats(2 ** 22 + 1), undefined, "a process that is gone");
});
