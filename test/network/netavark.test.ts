// The JSON berth hands netavark, compared with what podman 4.3 sent netavark 1.4 (recorded by a
// wrapper around netavark), and the driver's argv, environment and error mapping with a fake runner.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import type { CommandOptions, CommandResult } from "../../src/network/command.js";
import { formatIp, parseIp } from "../../src/network/ip-address.js";
import { resolveAddressPools } from "../../src/network/ipam.js";
import {
  NetavarkDriver,
  NetavarkError,
  buildNetworkInfo,
  buildNetworkOptions,
  endpointsOf,
  type BridgeNetwork,
  type NetavarkStatus,
} from "../../src/network/netavark.js";

const ID = "3efdb6a0" + "0".repeat(56);
const CREATED = new Date("2026-12-06T16:56:36.527Z");

function network(over: Partial<BridgeNetwork> = {}): BridgeNetwork {
  return {
    name: "nettestA",
    id: ID,
    created: CREATED,
    bridge: "podman1",
    pools: resolveAddressPools([{ Subnet: "10.212.5.0/24" }], { used: [] }),
    internal: false,
    ipv6: false,
    dns: true,
    ...over,
  };
}

describe("buildNetworkInfo()", () => {
  it("buildNetworkInfo() gives netavark the definition podman writes for `network create --subnet`", () => {
    assert.deepEqual(buildNetworkInfo(network()), {
      name: "nettestA",
      id: ID,
      driver: "bridge",
      network_interface: "podman1",
      created: "2026-12-06T16:56:36.527Z",
      subnets: [{ subnet: "10.212.5.0/24", gateway: "10.212.5.1" }],
      ipv6_enabled: false,
      internal: false,
      dns_enabled: true,
      ipam_options: { driver: "host-local" },
    });
  });

  it("buildNetworkInfo() carries gateway, ip-range, internal, labels and mtu; the subnet goes canonical", () => {
    const pools = resolveAddressPools([{ Subnet: "10.212.7.9/24", Gateway: "10.212.7.254", IPRange: "10.212.7.128/25" }], { used: [] });
    const info = buildNetworkInfo(network({ pools, internal: true, labels: { team: "x" }, mtu: 1400 }));
    assert.deepEqual(info.subnets, [
      { subnet: "10.212.7.0/24", gateway: "10.212.7.254", lease_range: { start_ip: "10.212.7.128", end_ip: "10.212.7.255" } },
    ]);
    assert.equal(info.internal, true);
    assert.deepEqual(info.labels, { team: "x" });
    assert.deepEqual(info.options, { mtu: "1400" });
  });
});

describe("buildNetworkOptions()", () => {
  it("buildNetworkOptions() shapes the setup stdin as podman sends it, ports as one mapping each", () => {
    const options = buildNetworkOptions({
      containerId: "890f43ae" + "1".repeat(56),
      containerName: "nwA2",
      attachments: [
        {
          network: network(),
          addresses: [parseIp("10.212.5.2")!],
          aliases: ["web", "www", "890f43ae1111"],
          interfaceName: "eth0",
          macAddress: "02:42:0a:d4:05:02",
        },
      ],
      ports: [
        { hostIp: "127.0.0.1", hostPort: 18123, containerPort: 80, protocol: "tcp" },
        { hostIp: "", hostPort: 18124, containerPort: 80, protocol: "udp" },
      ],
      dnsServers: ["192.0.2.53"],
    });
    assert.deepEqual(options, {
      container_id: "890f43ae" + "1".repeat(56),
      container_name: "nwA2",
      port_mappings: [
        { host_ip: "127.0.0.1", container_port: 80, host_port: 18123, range: 1, protocol: "tcp" },
        { host_ip: "", container_port: 80, host_port: 18124, range: 1, protocol: "udp" },
      ],
      networks: {
        nettestA: {
          static_ips: ["10.212.5.2"],
          aliases: ["web", "www", "890f43ae1111"],
          interface_name: "eth0",
          static_mac: "02:42:0a:d4:05:02",
        },
      },
      network_info: { nettestA: buildNetworkInfo(network()) },
      dns_servers: ["192.0.2.53"],
    });
  });

  it("buildNetworkOptions() leaves out port_mappings, static_mac and dns_servers when there are none", () => {
    const options = buildNetworkOptions({
      containerId: "c".repeat(64),
      containerName: "plain",
      attachments: [{ network: network(), addresses: [parseIp("10.212.5.3")!], aliases: [], interfaceName: "eth0" }],
    });
    assert.deepEqual(Object.keys(options).sort(), ["container_id", "container_name", "network_info", "networks"]);
    assert.deepEqual(Object.keys(options.networks["nettestA"]!).sort(), ["aliases", "interface_name", "static_ips"]);
  });
});

describe("endpointsOf()", () => {
  it("endpointsOf() reads address, prefix, gateway, MAC and DNS from setup's stdout", () => {
    const status: NetavarkStatus = {
      nettestA: {
        dns_search_domains: ["dns.podman"],
        dns_server_ips: ["10.212.5.1"],
        interfaces: { eth0: { mac_address: "86:5d:be:0c:56:31", subnets: [{ gateway: "10.212.5.1", ipnet: "10.212.5.2/24" }] } },
      },
    };
    const [e] = endpointsOf(status, "nettestA");
    assert.equal(e!.interfaceName, "eth0");
    assert.equal(e!.macAddress, "86:5d:be:0c:56:31");
    assert.equal(formatIp(e!.address), "10.212.5.2");
    assert.equal(e!.prefixLength, 24);
    assert.equal(formatIp(e!.gateway!), "10.212.5.1");
    assert.deepEqual([e!.dnsServers, e!.dnsSearchDomains], [["10.212.5.1"], ["dns.podman"]]);
    assert.throws(() => endpointsOf(status, "other"), { message: "netavark reported nothing for network other" });
  });
});

describe("NetavarkDriver", () => {
  function fake(result: CommandResult) {
    const calls: { argv: readonly string[]; opts: CommandOptions | undefined }[] = [];
    const run = (argv: readonly string[], opts?: CommandOptions) => {
      calls.push({ argv, opts });
      return Promise.resolve(result);
    };
    return { calls, run };
  }
  const options = buildNetworkOptions({
    containerId: "c".repeat(64),
    containerName: "c1",
    attachments: [{ network: network(), addresses: [parseIp("10.212.5.2")!], aliases: [], interfaceName: "eth0" }],
  });

  it("setup runs netavark with podman's flags, the options on stdin and RUST_LOG=netavark=warn", async (t) => {
    const configDir = `${os.tmpdir()}/berth-netavark-unit-${process.pid}`;
    t.after(() => fs.rmSync(configDir, { recursive: true, force: true }));
    const stdout =
      '{"nettestA":{"dns_search_domains":[],"dns_server_ips":[],"interfaces":{"eth0":{"mac_address":"aa:bb:cc:dd:ee:ff","subnets":[{"gateway":"10.212.5.1","ipnet":"10.212.5.2/24"}]}}}}';
    const { calls, run } = fake({ code: 0, stdout, stderr: "" });
    const driver = new NetavarkDriver({
      binary: "/usr/lib/podman/netavark",
      aardvarkBinary: "/usr/lib/podman/aardvark-dns",
      configDir,
      env: { PATH: "/usr/sbin:/usr/bin" },
      run,
    });
    const status = await driver.setup("/run/berth/netns/netns-1", options);
    assert.equal(status["nettestA"]!.interfaces["eth0"]!.mac_address, "aa:bb:cc:dd:ee:ff");
    assert.deepEqual(calls[0]!.argv, [
      "/usr/lib/podman/netavark",
      "--config",
      configDir,
      "--rootless=false",
      "--aardvark-binary=/usr/lib/podman/aardvark-dns",
      "setup",
      "/run/berth/netns/netns-1",
    ]);
    assert.deepEqual(JSON.parse(calls[0]!.opts!.input!), options);
    assert.deepEqual(calls[0]!.opts!.env, { PATH: "/usr/sbin:/usr/bin", RUST_LOG: "netavark=warn" });
    await driver.teardown("/run/berth/netns/netns-1", options);
    assert.deepEqual(calls[1]!.argv.slice(-2), ["teardown", "/run/berth/netns/netns-1"]);
    assert.equal(calls[1]!.opts!.input, calls[0]!.opts!.input, "teardown takes setup's JSON");
  });

  const failures: [CommandResult, string][] = [
    [
      { code: 1, stdout: '{"error":"IO error: no static ips provided"}\n', stderr: "failed to connect to syslog: Initialization\n" },
      "netavark: IO error: no static ips provided",
    ],
    [
      { code: 101, stdout: "", stderr: "thread 'main' panicked at 'boom'\nfailed to connect to syslog: Initialization\n" },
      "netavark: thread 'main' panicked at 'boom'",
    ],
    [{ code: 2, stdout: "", stderr: "" }, "netavark: exit status 2"],
  ];
  for (const [result, message] of failures) {
    it(`a failed netavark becomes NetavarkError: ${message}`, async (t) => {
      const configDir = `${os.tmpdir()}/berth-netavark-unit-${process.pid}-${result.code}`;
      t.after(() => fs.rmSync(configDir, { recursive: true, force: true }));
      const driver = new NetavarkDriver({ binary: "netavark", aardvarkBinary: "aardvark-dns", configDir, env: {}, run: fake(result).run });
      await assert.rejects(driver.setup("/nowhere", options), (err: unknown) => {
        assert.ok(err instanceof NetavarkError);
        assert.equal(err.message, message);
        assert.equal(err.exitCode, result.code);
        return true;
      });
    });
  }
});
