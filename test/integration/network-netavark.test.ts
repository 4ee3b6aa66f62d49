// netavark 1.4 driven by src/network, end to end, inside a network namespace this test makes: the
// host's own namespace is never touched. Every netavark call runs through `nsenter --net=OUTER`, so
// the bridge, the iptables rules and aardvark-dns all live in OUTER, and deleting OUTER at the end
// takes the bridge and rules with it. Container namespaces are made by src/network/netns.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { isRoot } from "../helpers/temp-root.js";
import { SystemError } from "../../src/errors.js";
import { runCommand, type CommandRunner } from "../../src/network/command.js";
import { formatIp, type IpAddress } from "../../src/network/ip-address.js";
import { bindHostPorts } from "../../src/network/host-ports.js";
import { allocateAddress, macAddressFor, resolveAddressPools } from "../../src/network/ipam.js";
import {
  NetavarkDriver,
  NetavarkError,
  buildNetworkOptions,
  endpointsOf,
  readAardvarkPid,
  type BridgeNetwork,
  type NetavarkNetworkOptions,
} from "../../src/network/netavark.js";
import { createNetns, isNetnsMounted, listNetns, removeNetns } from "../../src/network/netns.js";
import { parsePublishFlags } from "../../src/network/port-spec.js";

const NETAVARK = "/usr/lib/podman/netavark";
const AARDVARK = "/usr/lib/podman/aardvark-dns";

const skip = !isRoot()
  ? "needs root: network namespaces, bridges and iptables"
  : !fs.existsSync(NETAVARK)
    ? `netavark is not installed (${NETAVARK})`
    : false;

const OUTER = `berth-nt-${process.pid}`;
const OUTER_PATH = `/run/netns/${OUTER}`;
const BRIDGE = "berthtest0";
const HOST_PORT = 18080;

function sh(argv: readonly string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a command inside the outer namespace, as berth's engine would run it on the host. */
const inOuter: CommandRunner = (argv, opts) => runCommand(["nsenter", `--net=${OUTER_PATH}`, ...argv], opts);

/** A node one-liner run in the network namespace at `netns`; resolves with what it printed. */
async function nodeIn(netns: string, script: string): Promise<string> {
  const r = await runCommand(["nsenter", `--net=${netns}`, process.execPath, "-e", script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Connects to host:port from `netns`, sends `payload` and returns the reply (or the error's words). */
function exchange(netns: string, host: string, port: number, payload: string): Promise<string> {
  const script = `
    const s = require("node:net").connect({ host: ${JSON.stringify(host)}, port: ${port} });
    let reply = "";
    s.setTimeout(3000, () => { console.log("timeout"); s.destroy(); });
    s.on("connect", () => s.end(${JSON.stringify(payload)}));
    s.on("data", (d) => (reply += d));
    s.on("end", () => console.log(reply));
    s.on("error", (e) => console.log(e.code || e.message));`;
  return nodeIn(netns, script);
}

function resolveIn(netns: string, server: string, name: string): Promise<string> {
  const script = `
    const r = new (require("node:dns").promises.Resolver)({ timeout: 2000, tries: 1 });
    r.setServers([${JSON.stringify(server)}]);
    r.resolve4(${JSON.stringify(name)}).then((a) => console.log(a.join(",")), (e) => console.log(e.code));`;
  return nodeIn(netns, script);
}

describe("netavark bridge networking in a namespace of the test's own", { skip }, () => {
  let dir = "";
  let netnsDir = "";
  let configDir = "";
  const listeners: ChildProcess[] = [];
  let driver: NetavarkDriver;

  const pool = resolveAddressPools([{ Subnet: "10.231.0.0/24" }], { used: [] })[0]!;
  const network: BridgeNetwork = {
    name: "berthnet",
    id: "b".repeat(64),
    created: new Date("2026-12-06T00:00:00Z"),
    bridge: BRIDGE,
    pools: [pool],
    internal: false,
    ipv6: false,
    dns: true,
  };
  const used: IpAddress[] = [];
  const containers: { name: string; id: string; netns: string; address: IpAddress; options: NetavarkNetworkOptions }[] = [];

  /** A container namespace joined to the network through netavark, with Docker's address and MAC. */
  async function attach(name: string, publish: string[] = []) {
    const id = name
      .padEnd(64, "0")
      .slice(0, 64)
      .replace(/[^0-9a-f]/g, "c");
    const netns = await createNetns(netnsDir);
    const address = allocateAddress(pool, { used, network });
    used.push(address);
    const options = buildNetworkOptions({
      containerId: id,
      containerName: name,
      attachments: [
        {
          network,
          addresses: [address],
          aliases: [`${name}-alias`, id.slice(0, 12)],
          interfaceName: "eth0",
          macAddress: macAddressFor(address),
        },
      ],
      // -p flags → PortBindings → host ports chosen → netavark's port_mappings, as start will do it.
      ports: bindHostPorts({ portBindings: parsePublishFlags(publish).portBindings }, { reserved: [] }).published,
    });
    const status = await driver.setup(netns, options);
    const container = { name, id, netns, address, options };
    containers.push(container);
    return { ...container, status };
  }

  /** A TCP server on port 80 in `netns` that answers `<name>:<what it read>`. */
  async function listen(netns: string, name: string): Promise<void> {
    const script = `require("node:net").createServer((s) => { let got = ""; s.on("data", (d) => (got += d));
      s.on("end", () => s.end(${JSON.stringify(name)} + ":" + got)); }).listen(80, () => console.log("listening"));`;
    const child = spawn("nsenter", [`--net=${netns}`, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    listeners.push(child);
    const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
    assert.equal(chunk.toString().trim(), "listening");
  }

  before(async () => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/berth-netavark-`);
    netnsDir = `${dir}/netns`;
    configDir = `${dir}/networks`;
    sh(["ip", "netns", "add", OUTER]);
    sh(["ip", "netns", "exec", OUTER, "ip", "link", "set", "lo", "up"]);
    driver = new NetavarkDriver({ binary: NETAVARK, aardvarkBinary: AARDVARK, configDir, env: process.env, run: inOuter });
  });

  after(async () => {
    for (const child of listeners) child.kill("SIGKILL");
    // aardvark-dns daemonises into OUTER and outlives its deletion: kill it by its pid file, and
    // any left without one by its command line, which names this test's own directory.
    const pids = new Set<number>();
    const fromFile = await readAardvarkPid(configDir).catch(() => undefined);
    if (fromFile) pids.add(fromFile);
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      if (safeRead(`/proc/${entry}/cmdline`).includes(`${configDir}/aardvark-dns`)) pids.add(Number(entry));
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    for (const ns of await listNetns(netnsDir)) await removeNetns(ns.path);
    spawnSync("ip", ["netns", "del", OUTER]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("createNetns() binds a fresh namespace with lo up to a file, and listNetns() sees it", async () => {
    const netns = await createNetns(netnsDir, { name: "probe" });
    assert.equal(netns, `${fs.realpathSync(netnsDir)}/probe`);
    assert.ok(isNetnsMounted(netns));
    const links = sh(["nsenter", `--net=${netns}`, "ip", "-br", "link"]);
    assert.match(links, /^lo\s+UNKNOWN\s+\S+\s+<LOOPBACK,UP,LOWER_UP>/);
    assert.equal(links.trim().split("\n").length, 1, "a new namespace holds lo only");
    assert.deepEqual(await listNetns(netnsDir), [{ path: netns, mounted: true }]);
    await removeNetns(netns);
    await removeNetns(netns);
    assert.equal(fs.existsSync(netns), false);
    assert.deepEqual(await listNetns(netnsDir), []);
  });

  test("removeNetns() also takes the copy that a mount namespace made meanwhile holds (no shared dir needed)", async () => {
    const netns = await createNetns(netnsDir, { name: "copied" });
    const holder = spawn("unshare", ["-m", "--propagation", "private", "sleep", "60"], { stdio: "ignore" });
    try {
      // The copy appears once unshare has made the namespace and exec'd sleep.
      let copies = 0;
      for (let i = 0; i < 50 && copies === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        copies = safeRead(`/proc/${holder.pid}/mountinfo`)
          .split("\n")
          .filter((l) => l.includes(` ${netns} `)).length;
      }
      assert.equal(copies, 1, "the new mount namespace holds a copy of the bind");
      await removeNetns(netns);
      const left = safeRead(`/proc/${holder.pid}/mountinfo`)
        .split("\n")
        .filter((l) => l.includes(netns));
      assert.deepEqual(left, [], "unlinking the file detached the copy too");
    } finally {
      holder.kill("SIGKILL");
    }
  });

  test("removeNetns() cleans a file a crash left with nothing mounted on it", async () => {
    const half = `${netnsDir}/half-made`;
    fs.mkdirSync(netnsDir, { recursive: true });
    fs.writeFileSync(half, "");
    assert.deepEqual(await listNetns(netnsDir), [{ path: fs.realpathSync(half), mounted: false }]);
    await removeNetns(fs.realpathSync(half));
    assert.deepEqual(await listNetns(netnsDir), []);
  });

  test("createNetns() leaves nothing behind when it fails", async () => {
    await assert.rejects(createNetns(netnsDir, { name: "broken", ipBinary: "/nonexistent/ip" }), (err: unknown) => {
      assert.ok(err instanceof SystemError);
      assert.match(err.message, /^create network namespace \S+\/broken: /);
      return true;
    });
    assert.deepEqual(await listNetns(netnsDir), []);
  });

  test("setup joins a container to the bridge; its port answers on 127.0.0.1 and its address from outside", async () => {
    const c1 = await attach("c1", [`${HOST_PORT}:80`]);
    const [endpoint, ...others] = endpointsOf(c1.status, network.name);
    assert.deepEqual(others, []);
    assert.equal(endpoint!.interfaceName, "eth0");
    assert.equal(`${formatIp(endpoint!.address)}/${endpoint!.prefixLength}`, "10.231.0.2/24");
    assert.equal(formatIp(endpoint!.gateway!), "10.231.0.1");
    assert.equal(endpoint!.macAddress, "02:42:0a:e7:00:02");
    assert.deepEqual(endpoint!.dnsServers, ["10.231.0.1"]);

    const outerLinks = sh(["ip", "netns", "exec", OUTER, "ip", "-br", "addr", "show", "dev", BRIDGE]);
    assert.match(outerLinks, /10\.231\.0\.1\/24/);
    // netavark reaches 127.0.0.1 by DNAT in OUTPUT, which needs route_localnet on the bridge.
    assert.equal(sh(["ip", "netns", "exec", OUTER, "sysctl", "-n", `net.ipv4.conf.${BRIDGE}.route_localnet`]).trim(), "1");

    await listen(c1.netns, "c1");
    assert.equal(await exchange(OUTER_PATH, "127.0.0.1", HOST_PORT, "via-loopback"), "c1:via-loopback");
    assert.equal(await exchange(OUTER_PATH, "10.231.0.2", 80, "direct"), "c1:direct");
    assert.equal(await exchange(OUTER_PATH, "10.231.0.1", HOST_PORT, "via-gateway"), "c1:via-gateway");
  });

  test("a second container reaches the first by name and alias through aardvark-dns", async () => {
    const c2 = await attach("c2");
    assert.equal(formatIp(endpointsOf(c2.status, network.name)[0]!.address), "10.231.0.3");
    assert.equal(await resolveIn(c2.netns, "10.231.0.1", "c1"), "10.231.0.2");
    assert.equal(await resolveIn(c2.netns, "10.231.0.1", "c1-alias"), "10.231.0.2");
    assert.equal(await resolveIn(c2.netns, "10.231.0.1", "nosuch"), "ENOTFOUND");
    const c1 = await resolveIn(c2.netns, "10.231.0.1", "c1");
    assert.equal(await exchange(c2.netns, c1, 80, "by-name"), "c1:by-name");
    const pid = await readAardvarkPid(configDir);
    assert.ok(pid && fs.existsSync(`/proc/${pid}`), "aardvark-dns runs while a DNS network is in use");
  });

  test("netavark's failures come back as NetavarkError with netavark's words", async () => {
    const c1 = containers.find((c) => c.name === "c1")!;
    await assert.rejects(driver.setup(c1.netns, c1.options), (err: unknown) => {
      assert.ok(err instanceof NetavarkError);
      assert.equal(err.exitCode, 1);
      assert.equal(
        err.message,
        "netavark: create veth pair: interface eth0 already exists on container namespace: Netlink error: File exists (os error 17)",
      );
      return true;
    });
    await assert.rejects(driver.setup(`${netnsDir}/nosuch`, c1.options), {
      message: "netavark: invalid namespace path: IO error: No such file or directory (os error 2)",
    });
  });

  test("teardown of the last container removes the bridge, its rules and aardvark-dns; the netns files go", async () => {
    const aardvark = await readAardvarkPid(configDir);
    for (const c of containers.reverse()) {
      await driver.teardown(c.netns, c.options);
      assert.equal(
        sh(["nsenter", `--net=${c.netns}`, "ip", "-br", "link"])
          .trim()
          .split("\n").length,
        1,
        "only lo is left",
      );
      await removeNetns(c.netns);
    }
    assert.deepEqual(await listNetns(netnsDir), []);
    const links = sh(["ip", "netns", "exec", OUTER, "ip", "-br", "link"]);
    assert.doesNotMatch(links, new RegExp(BRIDGE));
    assert.doesNotMatch(links, /veth/);
    const rules = sh(["ip", "netns", "exec", OUTER, "iptables-save"]);
    assert.doesNotMatch(rules, /10\.231\.0\./);
    assert.doesNotMatch(rules, new RegExp(`dport ${HOST_PORT}`));
    assert.equal(await readAardvarkPid(configDir), undefined);
    if (aardvark) await waitGone(aardvark);
  });
});

function safeRead(path: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (!fs.existsSync(`/proc/${pid}`) || safeRead(`/proc/${pid}/stat`).split(" ")[2] === "Z") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`aardvark-dns (pid ${pid}) still runs after the last teardown`);
}
