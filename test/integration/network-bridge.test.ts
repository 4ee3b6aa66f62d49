// The default bridge network end to end through the CLI: published ports reached from the host
// side, the container's own address and route, `port`, `ps` and inspect, a taken host port, and
// --network none|host|container. Every berth command runs in a network namespace this file makes
// (beside the private one scripts/run-tests.mjs gives the whole run), so that the bridge, its
// addresses and rules are this file's alone, and go with the namespace at the end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { BERTH, createTempRoot, isRoot, type RunResult, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { createNetns, removeNetns } from "../../src/network/netns.js";

const NETAVARK = ["/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"];
const skip = !isRoot()
  ? "needs root: network namespaces, bridges and iptables"
  : !NETAVARK.some((p) => fs.existsSync(p))
    ? "netavark is not installed"
    : false;

describe("the default bridge network", { skip }, () => {
  let t: TempRoot;
  let netns = "";

  /** `berth …` inside the file's namespace. */
  function berth(args: readonly string[]): RunResult {
    const r = spawnSync("nsenter", [`--net=${netns}`, process.execPath, BERTH, "--root", t.root, "--runroot", t.runroot, ...args], {
      env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" },
      encoding: "utf8",
    });
    return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
  }
  function ok(args: readonly string[]): string {
    const r = berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }
  /** A command of the host side (the file's namespace), e.g. `ip`. */
  function outside(argv: readonly string[]): RunResult {
    const r = spawnSync("nsenter", [`--net=${netns}`, ...argv], { encoding: "utf8" });
    return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
  }
  /** GET url from the host side: the body, or the error's code. */
  function fetchOutside(url: string): string {
    const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((b) => process.stdout.write(b), (e) => process.stdout.write("ERR " + (e.cause?.code ?? e.name)))`;
    return outside([process.execPath, "-e", script]).stdout;
  }
  /** berth() without blocking: for runs from several processes at once. */
  function berthAsync(args: readonly string[]): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("nsenter", [`--net=${netns}`, process.execPath, BERTH, "--root", t.root, "--runroot", t.runroot, ...args], {
        env: { ...process.env, TZ: "UTC", BERTH_REGISTRY_LOOPBACK_ONLY: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 137, stdout, stderr }));
    });
  }
  const netnsFiles = () => (fs.existsSync(`${t.runroot}/netns`) ? fs.readdirSync(`${t.runroot}/netns`) : []);
  const hasBridge = () => outside(["ip", "link", "show", "berth0"]).code === 0;
  const inspect = (name: string) => JSON.parse(ok(["inspect", name]))[0] as Record<string, Record<string, unknown>>;

  before(async () => {
    t = createTempRoot("berth-net-");
    netns = await createNetns(`${t.dir}/outer`, { name: "ns" });
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(async () => {
    if (netns) {
      const ids = berth(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
      if (ids.length) berth(["rm", "-f", ...ids]);
    }
    t.cleanup();
    if (netns) await removeNetns(netns);
  });

  test("a published port answers on 127.0.0.1; port, ps and inspect say where; rm leaves nothing", () => {
    ok([
      "run",
      "-d",
      "--name",
      "web",
      "-p",
      "18080:80",
      "--expose",
      "9000",
      "busybox",
      "sh",
      "-c",
      "mkdir -p /www && echo hello from web > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    let body = "";
    for (let i = 0; i < 50 && !body.startsWith("hello"); i++) {
      body = fetchOutside("http://127.0.0.1:18080/");
      if (!body.startsWith("hello")) spawnSync("sleep", ["0.1"]);
    }
    assert.equal(body, "hello from web\n");

    assert.equal(ok(["port", "web"]), "80/tcp -> 0.0.0.0:18080\n80/tcp -> [::]:18080\n");
    assert.equal(ok(["port", "web", "80"]), "0.0.0.0:18080\n[::]:18080\n");
    assert.deepEqual(berth(["port", "web", "9000"]), { code: 1, stdout: "", stderr: "Error: No public port '9000' published for web\n" });
    assert.equal(ok(["ps", "--format", "{{.Ports}}"]), "9000/tcp, 0.0.0.0:18080->80/tcp, [::]:18080->80/tcp\n");

    const json = inspect("web");
    const settings = json["NetworkSettings"]!;
    assert.equal(settings["IPAddress"], "172.17.0.2");
    assert.equal(settings["Gateway"], "172.17.0.1");
    assert.equal(settings["IPPrefixLen"], 16);
    assert.equal(settings["MacAddress"], "02:42:ac:11:00:02");
    assert.equal(settings["Bridge"], "");
    assert.match(settings["SandboxID"] as string, /^[0-9a-f]{64}$/);
    assert.equal(settings["SandboxKey"], `${fs.realpathSync(t.runroot)}/netns/${(settings["SandboxID"] as string).slice(0, 12)}`);
    assert.deepEqual(settings["Ports"], {
      "80/tcp": [
        { HostIp: "0.0.0.0", HostPort: "18080" },
        { HostIp: "::", HostPort: "18080" },
      ],
      "9000/tcp": null,
    });
    const bridge = (settings["Networks"] as Record<string, Record<string, unknown>>)["bridge"]!;
    assert.equal(bridge["IPAddress"], "172.17.0.2");
    assert.equal(bridge["EndpointID"], settings["EndpointID"]);
    assert.equal(bridge["Aliases"], null);
    assert.match(bridge["NetworkID"] as string, /^[0-9a-f]{64}$/);
    assert.deepEqual(json["HostConfig"]!["PortBindings"], { "80/tcp": [{ HostIp: "", HostPort: "18080" }] });
    assert.equal(json["HostConfig"]!["NetworkMode"], "default");
    assert.equal(
      fs
        .readFileSync(json["HostsPath"] as unknown as string, "utf8")
        .split("\n")
        .at(-2),
      `172.17.0.2\t${(json["Id"] as unknown as string).slice(0, 12)}`,
    );
    assert.deepEqual(netnsFiles(), [(settings["SandboxID"] as string).slice(0, 12)]);
    assert.ok(hasBridge(), "the bridge is up while a container is on it");

    ok(["rm", "-f", "web"]);
    assert.deepEqual(netnsFiles(), []);
    assert.ok(!hasBridge(), "the bridge goes with the last container");
    assert.match(fetchOutside("http://127.0.0.1:18080/"), /^ERR /);
    assert.equal(ok(["system", "check"]), "No problems found\n");
  });

  test("the container sees its address on eth0 and a default route through the gateway", () => {
    const out = ok(["run", "--rm", "busybox", "sh", "-c", "ip -4 -o addr show eth0; ip route; ls /sys/class/net"]);
    assert.match(out, /^\d+: eth0 +inet 172\.17\.0\.\d+\/16 /m);
    assert.match(out, /^default via 172\.17\.0\.1 dev eth0/m);
    assert.match(out, /^eth0\nlo\n$/m);
    assert.deepEqual(netnsFiles(), []);
    assert.ok(!hasBridge());
  });

  test("a taken host port: Docker's error, the container stays created, and nothing is left half made", () => {
    ok(["run", "-d", "--name", "holder", "-p", "127.0.0.1:18081:80", "busybox", "sleep", "600"]);
    const r = berth(["run", "-d", "--name", "second", "-p", "127.0.0.1:18081:80", "busybox", "sleep", "600"]);
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      /^berth: Error response from daemon: driver failed programming external connectivity on endpoint second \([0-9a-f]{64}\): Bind for 127\.0\.0\.1:18081 failed: port is already allocated\n\nRun 'berth run --help' for more information\n$/,
    );
    const state = inspect("second")["State"]!;
    assert.equal(state["Status"], "created");
    assert.equal(state["ExitCode"], 128);
    assert.match(state["Error"] as string, /port is already allocated$/);
    assert.equal(netnsFiles().length, 1, "only the holder's namespace");
    assert.equal(inspect("second")["NetworkSettings"]!["SandboxKey"], "");

    // Stopping the holder frees the port: the second container now starts with it.
    ok(["stop", "-t", "0", "holder"]);
    assert.deepEqual(netnsFiles(), []);
    ok(["start", "second"]);
    assert.equal(ok(["port", "second"]), "80/tcp -> 127.0.0.1:18081\n");
    // A stopped container keeps the network it was on, and loses its address and ports.
    const stopped = inspect("holder")["NetworkSettings"]!;
    assert.equal(stopped["IPAddress"], "");
    assert.deepEqual(stopped["Ports"], {});
    assert.match((stopped["Networks"] as Record<string, Record<string, unknown>>)["bridge"]!["NetworkID"] as string, /^[0-9a-f]{64}$/);
    ok(["rm", "-f", "holder", "second"]);
    assert.deepEqual(netnsFiles(), []);
    assert.ok(!hasBridge());
  });

  test("berth processes starting at once get distinct addresses and ephemeral ports", async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4].map((i) => berthAsync(["run", "-d", "--name", `par${i}`, "-p", "80", "busybox", "sleep", "600"])),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const seen = [1, 2, 3, 4].map((i) => {
      const settings = inspect(`par${i}`)["NetworkSettings"]!;
      const ports = settings["Ports"] as Record<string, { HostPort: string }[]>;
      return { ip: settings["IPAddress"] as string, port: ports["80/tcp"]![0]!.HostPort };
    });
    assert.equal(new Set(seen.map((s) => s.ip)).size, 4, JSON.stringify(seen));
    assert.equal(new Set(seen.map((s) => s.port)).size, 4, JSON.stringify(seen));
    assert.equal(netnsFiles().length, 4);
    ok(["rm", "-f", "par1", "par2", "par3", "par4"]);
    assert.deepEqual(netnsFiles(), []);
    assert.ok(!hasBridge());
  });

  test("-P publishes every exposed port on an ephemeral host port", () => {
    ok(["run", "-d", "--name", "all", "-P", "--expose", "7000", "busybox", "sleep", "600"]);
    const port = ok(["port", "all", "7000/tcp"]);
    assert.match(port, /^0\.0\.0\.0:(\d+)\n\[::\]:\1\n$/);
    const hostPort = Number(/:(\d+)/.exec(port)![1]);
    assert.ok(hostPort >= 32768 && hostPort <= 60999, port);
    ok(["rm", "-f", "all"]);
    assert.deepEqual(netnsFiles(), []);
  });

  test("--network none has only lo; --network host sees the host side's interfaces", () => {
    const names = (ipLink: string) => [...ipLink.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(names(ok(["run", "--rm", "--network", "none", "busybox", "ip", "-o", "link"])), ["lo"]);
    // An interface of the host side's own, which only a container on the host's network can see.
    assert.equal(outside(["ip", "link", "add", "berthdummy0", "type", "veth", "peer", "name", "berthdummy1"]).code, 0);
    try {
      const hostSide = names(outside(["ip", "-o", "link"]).stdout);
      assert.ok(hostSide.includes("berthdummy0"));
      assert.deepEqual(names(ok(["run", "--rm", "--network", "host", "busybox", "ip", "-o", "link"])), hostSide);
    } finally {
      outside(["ip", "link", "del", "berthdummy0"]);
    }
    assert.deepEqual(netnsFiles(), []);
    assert.ok(!hasBridge());
  });

  test("--network container:NAME shares that container's eth0", () => {
    ok(["run", "-d", "--name", "peer", "busybox", "sleep", "600"]);
    const address = inspect("peer")["NetworkSettings"]!["IPAddress"] as string;
    const out = ok(["run", "--rm", "--network", "container:peer", "busybox", "ip", "-4", "-o", "addr", "show", "eth0"]);
    assert.match(out, new RegExp(`inet ${address.replace(/\./g, "\\.")}/16 `));
    assert.equal(netnsFiles().length, 1, "the joiner makes no namespace of its own");
    const conflict = berth(["create", "--network", "container:peer", "-p", "80", "busybox"]);
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /conflicting options: port publishing and the container type network mode/);
    ok(["rm", "-f", "peer"]);
    assert.deepEqual(netnsFiles(), []);
  });

  test("-p and --expose values the docker CLI refuses, in its words", () => {
    assert.deepEqual(berth(["run", "-p", "abc", "busybox"]), {
      code: 125,
      stdout: "",
      stderr: "berth: invalid containerPort: abc\n\nRun 'berth run --help' for more information\n",
    });
    assert.deepEqual(berth(["create", "--expose", "a:b", "busybox"]), {
      code: 125,
      stdout: "",
      stderr: "berth: invalid port format for --expose: a:b\n\nRun 'berth create --help' for more information\n",
    });
    assert.equal(ok(["ps", "-aq"]), "");
    // dockerd keeps the bindings of a host-network container and warns that they do nothing.
    const host = berth(["create", "--name", "hostports", "--network", "host", "-p", "80", "busybox"]);
    assert.equal(host.code, 0, host.stderr);
    assert.equal(host.stderr, "WARNING: Published ports are discarded when using host network mode\n");
    assert.deepEqual(inspect("hostports")["HostConfig"]!["PortBindings"], { "80/tcp": [{ HostIp: "", HostPort: "" }] });
    ok(["rm", "hostports"]);
  });
});
