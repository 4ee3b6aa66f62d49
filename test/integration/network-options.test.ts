// The per-container network options of run/create end to end on the default bridge: --dns,
// --dns-search, --dns-option, --add-host, --domainname, --link and --mac-address, as the
// container sees them and as inspect shows them. Expectations measured against dockerd 20.10.24
// with the docker CLI 28.2.2. Every berth command runs in a network namespace this file makes, so
// that the bridge and its rules are this file's alone and go with the namespace at the end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { BERTH, createTempRoot, isRoot, type RunResult, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { createNetns, removeNetns } from "../../src/network/netns.js";

const NETAVARK = ["/usr/lib/podman/netavark", "/usr/libexec/podman/netavark"];
const skip = !isRoot()
  ? "needs root: network namespaces, bridges and iptables"
  : !NETAVARK.some((p) => fs.existsSync(p))
    ? "netavark is not installed"
    : false;

const DEFAULT_HOSTS =
  "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

describe("per-container network options", { skip }, () => {
  let t: TempRoot;
  let netns = "";

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
  const inspect = (name: string) => JSON.parse(ok(["inspect", name]))[0] as Record<string, Record<string, unknown>>;

  before(async () => {
    t = createTempRoot("berth-netopts-");
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

  test("--dns, --dns-search and --dns-option write resolv.conf as dockerd does, the CLI warning of the loopback server", () => {
    const r = berth([
      "run",
      "--rm",
      "--dns",
      "127.0.0.1",
      "--dns-search",
      "example.test",
      "--dns-option",
      "ndots:2",
      "busybox",
      "cat",
      "/etc/resolv.conf",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "search example.test\nnameserver 127.0.0.1\noptions ndots:2\n");
    assert.equal(r.stderr, "WARNING: Localhost DNS (127.0.0.1) may fail in containers.\n");
    const host = berth([
      "run",
      "--rm",
      "--network",
      "host",
      "--dns",
      "10.1.1.1",
      "--dns-search",
      "example.test",
      "--dns-option",
      "ndots:2",
      "busybox",
      "cat",
      "/etc/resolv.conf",
    ]);
    assert.equal(host.stdout, "search example.test\nnameserver 10.1.1.1\noptions ndots:2\n");
    assert.equal(host.stderr, "");
  });

  test("inspect shows HostConfig.Dns, DnsSearch and DnsOptions, [] when not given, and ExtraHosts and Links null", () => {
    ok(["create", "--name", "dnsc", "--dns", "10.1.1.1", "--dns-search", "example.test", "--dns-option", "ndots:2", "busybox"]);
    const h = inspect("dnsc").HostConfig!;
    assert.deepEqual([h.Dns, h.DnsSearch, h.DnsOptions], [["10.1.1.1"], ["example.test"], ["ndots:2"]]);
    ok(["create", "--name", "plainc", "busybox"]);
    const p = inspect("plainc").HostConfig!;
    assert.deepEqual([p.Dns, p.DnsOptions, p.DnsSearch, p.ExtraHosts, p.Links], [[], [], [], null, null]);
    assert.equal(inspect("plainc").Config!.MacAddress, undefined);
  });

  test("--dns and --dns-search values the docker CLI refuses are flag errors", () => {
    const bad = berth(["create", "--dns", "notanip", "busybox"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^invalid argument "notanip" for "--dns" flag: IP address is not correctly formatted: notanip\n/);
    const search = berth(["create", "--dns-search", "a..b", "busybox"]);
    assert.equal(search.code, 125);
    assert.match(search.stderr, /^invalid argument "a..b" for "--dns-search" flag: a..b is not a valid domain\n/);
  });

  test("--add-host lines follow the ip6 lines, host-gateway is the default bridge's gateway, and the CLI's bad forms are flag errors", () => {
    const out = ok([
      "run",
      "--rm",
      "--add-host",
      "h:[1.2.3.4]",
      "--add-host",
      "gw:host-gateway",
      "--add-host",
      "h6=2001:db8::1",
      "busybox",
      "cat",
      "/etc/hosts",
    ]);
    const lines = out.split("\n");
    assert.equal(lines.slice(0, 6).join("\n") + "\n", DEFAULT_HOSTS);
    assert.deepEqual(lines.slice(6, 9), ["1.2.3.4\th", "172.17.0.1\tgw", "2001:db8::1\th6"]);
    assert.match(lines[9]!, /^172\.17\.0\.\d+\t[0-9a-f]{12}$/);
    ok(["create", "--name", "ahc", "--add-host", "h:[1.2.3.4]", "--add-host", "gw:host-gateway", "busybox"]);
    assert.deepEqual(inspect("ahc").HostConfig!.ExtraHosts, ["h:1.2.3.4", "gw:host-gateway"]);
    for (const [value, words] of [
      ["x", 'bad format for add-host: "x"'],
      ["h:notip", 'invalid IP address in add-host: "notip"'],
    ]) {
      const r = berth(["create", "--add-host", value!, "busybox"]);
      assert.equal(r.code, 125);
      assert.ok(r.stderr.startsWith(`invalid argument "${value}" for "--add-host" flag: ${words}\n`), r.stderr);
    }
    // With the host's network, an --add-host makes a file of its own, without a line for the container.
    assert.equal(
      ok(["run", "--rm", "--network", "host", "--add-host", "h:1.2.3.4", "busybox", "cat", "/etc/hosts"]),
      `${DEFAULT_HOSTS}1.2.3.4\th\n`,
    );
    const conflict = berth(["create", "--network", "container:ahc", "--add-host", "a:1.1.1.1", "busybox"]);
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /conflicting options: custom host-to-IP mapping and the network mode/);
  });

  test("--domainname: the hosts line names host.domain, hostname -d and the kernel's domain name say it, /etc/hostname does not", () => {
    const out = ok([
      "run",
      "--rm",
      "--hostname",
      "web",
      "--domainname",
      "ex.com",
      "busybox",
      "sh",
      "-c",
      "tail -1 /etc/hosts; cat /etc/hostname; hostname -d; hostname -f; cat /proc/sys/kernel/domainname",
    ]);
    const [line, ...rest] = out.split("\n");
    assert.match(line!, /^172\.17\.0\.\d+\tweb\.ex\.com web$/);
    assert.deepEqual(rest, ["web", "ex.com", "web.ex.com", "ex.com", ""]);
    ok(["create", "--name", "domc", "--domainname", "ex.com", "busybox"]);
    assert.equal(inspect("domc").Config!.Domainname, "ex.com");
  });

  test("--link on the default bridge: the target's hosts line and link variables, HostConfig.Links, and dockerd's refusals", () => {
    ok(["run", "-d", "--name", "nwb1", "-e", "XTRA=1", "--expose", "80", "--expose", "53/udp", "busybox", "sleep", "1000"]);
    const target = inspect("nwb1");
    const ip = (target.NetworkSettings as Record<string, string>).IPAddress!;
    const hostname = (target.Config as Record<string, string>).Hostname!;
    const out = ok([
      "run",
      "--rm",
      "--name",
      "nwd1",
      "--link",
      "nwb1:lnk",
      "busybox",
      "sh",
      "-c",
      "tail -2 /etc/hosts; env | grep ^LNK_ | sort",
    ]);
    const lines = out.trim().split("\n");
    assert.equal(lines[0], `${ip}\tlnk ${hostname} nwb1`);
    assert.match(lines[1]!, new RegExp(`^172\\.17\\.0\\.\\d+\\t[0-9a-f]{12}$`));
    assert.deepEqual(lines.slice(2), [
      "LNK_ENV_XTRA=1",
      "LNK_NAME=/nwd1/lnk",
      `LNK_PORT=udp://${ip}:53`,
      `LNK_PORT_53_UDP=udp://${ip}:53`,
      `LNK_PORT_53_UDP_ADDR=${ip}`,
      "LNK_PORT_53_UDP_PORT=53",
      "LNK_PORT_53_UDP_PROTO=udp",
      `LNK_PORT_80_TCP=tcp://${ip}:80`,
      `LNK_PORT_80_TCP_ADDR=${ip}`,
      "LNK_PORT_80_TCP_PORT=80",
      "LNK_PORT_80_TCP_PROTO=tcp",
    ]);
    ok(["create", "--name", "nwd2", "--link", "nwb1:lnk", "busybox"]);
    assert.deepEqual(inspect("nwd2").HostConfig!.Links, ["/nwb1:/nwd2/lnk"]);

    ok(["create", "--name", "stopped", "busybox", "true"]);
    ok(["create", "--name", "nwd3", "--link", "stopped:s", "busybox", "true"]);
    const notRunning = berth(["start", "nwd3"]);
    assert.equal(notRunning.code, 1);
    assert.match(notRunning.stderr, /Error response from daemon: Cannot link to a non running container: \/stopped AS \/nwd3\/s\n/);
    const missing = berth(["create", "--link", "nosuch:s", "busybox"]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /Error response from daemon: could not get container for nosuch: No such container: nosuch\n/);
    const host = berth(["create", "--network", "host", "--link", "nwb1:s", "busybox"]);
    assert.equal(host.code, 125);
    assert.match(
      host.stderr,
      /conflicting options: host type networking can't be used with links\. This would result in undefined behavior/,
    );
    const shared = berth(["create", "--network", "container:nwb1", "--link", "nwb1:s", "busybox"]);
    assert.match(
      shared.stderr,
      /conflicting options: container type network can't be used with links\. This would result in undefined behavior/,
    );
    const bad = berth(["create", "--link", "nwb1:a:b", "busybox"]);
    assert.equal(bad.code, 125);
    assert.ok(bad.stderr.startsWith('invalid argument "nwb1:a:b" for "--link" flag: bad format for links: nwb1:a:b\n'), bad.stderr);
    ok(["rm", "-f", "nwb1"]);
  });

  test("--mac-address sets eth0's address, shown in Config and NetworkSettings; a bad one is the CLI's error", () => {
    ok(["run", "-d", "--name", "macc", "--mac-address", "02-42-AC-11-00-99", "busybox", "sleep", "1000"]);
    assert.match(ok(["exec", "macc", "ip", "link", "show", "eth0"]), /link\/ether 02:42:ac:11:00:99 /);
    const c = inspect("macc");
    assert.equal(c.Config!.MacAddress, "02-42-AC-11-00-99");
    assert.equal((c.NetworkSettings as Record<string, unknown>).MacAddress, "02:42:ac:11:00:99");
    ok(["rm", "-f", "macc"]);
    const bad = berth(["run", "--rm", "--mac-address", "zz", "busybox", "true"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /zz is not a valid mac address\n/);
    const host = berth(["create", "--network", "host", "--mac-address", "02:42:ac:11:00:99", "busybox"]);
    assert.equal(host.code, 125);
    assert.match(host.stderr, /conflicting options: mac-address and the network mode/);
  });
});
