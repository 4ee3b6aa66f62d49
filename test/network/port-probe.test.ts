// probeHostPorts() against the kernel: ports that other processes hold on loopback, in dockerd
// 20.10's words (`Error starting userland proxy: listen tcp4 127.0.0.1:PORT: bind: address already
// in use`, measured with a process holding the port). Needs no root: only loopback ports.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as dgram from "node:dgram";
import { HostPortUnavailableError, probeHostPorts } from "../../src/network/port-probe.js";
import type { NetavarkPortMapping } from "../../src/network/netavark.js";

function holdTcp(host: string): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen({ host, port: 0 }, () =>
      resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) }),
    );
  });
}

const tcp = (host_ip: string, host_port: number, range = 1): NetavarkPortMapping => ({
  host_ip,
  host_port,
  container_port: 80,
  range,
  protocol: "tcp",
});

test("probeHostPorts() refuses a TCP port another process listens on, and binds nothing itself", async () => {
  const held = await holdTcp("127.0.0.1");
  try {
    await assert.rejects(
      probeHostPorts([tcp("127.0.0.1", held.port)]),
      (err: unknown) =>
        err instanceof HostPortUnavailableError &&
        err.message === `Error starting userland proxy: listen tcp4 127.0.0.1:${held.port}: bind: address already in use`,
    );
    // "All addresses" takes 0.0.0.0 too, which a listener on 127.0.0.1 blocks.
    await assert.rejects(probeHostPorts([tcp("", held.port)]), /listen tcp4 0\.0\.0\.0:\d+: bind: address already in use$/);
  } finally {
    await held.close();
  }
  // Freed: the probe passes, twice, so it kept nothing bound.
  await probeHostPorts([tcp("127.0.0.1", held.port)]);
  await probeHostPorts([tcp("127.0.0.1", held.port)]);
});

test("probeHostPorts() checks every port of a range and UDP as UDP", async () => {
  const held = await holdTcp("127.0.0.1");
  try {
    await assert.rejects(probeHostPorts([tcp("127.0.0.1", held.port - 1, 2)]), new RegExp(`127\\.0\\.0\\.1:${held.port}: bind`));
    // The TCP listener leaves the UDP port free.
    await probeHostPorts([{ ...tcp("127.0.0.1", held.port), protocol: "udp" }]);
  } finally {
    await held.close();
  }
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind({ address: "127.0.0.1", port: 0 }, () => r()));
  try {
    const port = socket.address().port;
    await assert.rejects(
      probeHostPorts([{ ...tcp("127.0.0.1", port), protocol: "udp" }]),
      new RegExp(`Error starting userland proxy: listen udp4 127\\.0\\.0\\.1:${port}: bind: address already in use$`),
    );
  } finally {
    socket.close();
  }
});

test("probeHostPorts() names an address the host does not have as Go does", async () => {
  await assert.rejects(
    probeHostPorts([tcp("192.0.2.123", 18299)]),
    /Error starting userland proxy: listen tcp4 192\.0\.2\.123:18299: bind: cannot assign requested address$/,
  );
});
