// The per-container network options as pure functions: resolv.conf and /etc/hosts as dockerd 20.10
// writes them, the docker CLI 28's checks of --dns, --dns-search, --add-host, --link and
// --mac-address, and the link environment. Literal expectations measured against dockerd 20.10.24
// (bridge 10.211.0.0/24) with the docker CLI 28.2.2; the messages are theirs, word for word.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  localhostDnsWarning,
  parseDnsSearch,
  parseDnsServer,
  parseResolvConf,
  resolvConf,
} from "../../src/engine/containers/resolv-conf.js";
import { extraHostEntries, hostsFile, parseAddHostFlag, parseExtraHost } from "../../src/engine/containers/hosts-file.js";
import { linkEnv, linkHostEntry, type LinkedContainer } from "../../src/engine/network/links.js";
import { parseLink } from "../../src/engine/network/link-spec.js";
import { parseMacAddress } from "../../src/engine/network/mac-address.js";
import { checkNetworkOptions, type NetworkOptionsRequest } from "../../src/engine/network/network-options.js";
import { containerEnv } from "../../src/engine/containers/container-env.js";
import { InvalidArgumentError, SystemError } from "../../src/errors.js";

const HOST_RESOLV =
  "# made by hand\nsearch corp.example lab.example\nnameserver 127.0.0.53\nnameserver 10.255.255.53 ; main\noptions edns0 trust-ad\n";
const none = { servers: [], search: [], options: [] };

describe("resolvConf()", () => {
  it("writes search, nameserver and options lines from --dns flags, keeping a loopback --dns on the default bridge", () => {
    const text = resolvConf({
      host: HOST_RESOLV,
      dns: { servers: ["127.0.0.1"], search: ["example.test"], options: ["ndots:2"] },
      hostNetwork: false,
    });
    assert.equal(text, "search example.test\nnameserver 127.0.0.1\noptions ndots:2\n");
  });

  it("takes what a flag does not set from the host's file, its loopback servers included", () => {
    assert.equal(
      resolvConf({ host: HOST_RESOLV, dns: { ...none, search: ["a.test", "b.test"] }, hostNetwork: false }),
      "search a.test b.test\nnameserver 127.0.0.53\nnameserver 10.255.255.53\noptions edns0 trust-ad\n",
    );
    assert.equal(
      resolvConf({ host: HOST_RESOLV, dns: { ...none, servers: ["10.1.1.1"] }, hostNetwork: true }),
      "search corp.example lab.example\nnameserver 10.1.1.1\noptions edns0 trust-ad\n",
    );
  });

  it("leaves the search line out for --dns-search .", () => {
    assert.equal(
      resolvConf({ host: "", dns: { ...none, servers: ["10.1.1.1"], search: ["."] }, hostNetwork: false }),
      "nameserver 10.1.1.1\n",
    );
  });

  it("copies the host's file without its loopback servers when no flag is given, and whole with the host's network", () => {
    const own = resolvConf({ host: HOST_RESOLV, dns: none, hostNetwork: false });
    assert.doesNotMatch(own, /127\.0\.0\.53/);
    assert.match(own, /nameserver 10\.255\.255\.53/);
    assert.equal(resolvConf({ host: HOST_RESOLV, dns: none, hostNetwork: true }), HOST_RESOLV);
  });

  it("lists only the networks' resolvers on DNS-enabled networks, with ndots:0 unless an ndots option is given", () => {
    const dns = { servers: ["127.0.0.1"], search: ["example.test"], options: ["ndots:2"] };
    assert.equal(
      resolvConf({ host: HOST_RESOLV, dns, hostNetwork: false, networkServers: ["10.89.0.1"] }),
      "search example.test\nnameserver 10.89.0.1\noptions ndots:2\n",
    );
    assert.equal(
      resolvConf({ host: "nameserver 10.255.255.53\n", dns: none, hostNetwork: false, networkServers: ["10.89.0.1", "10.90.0.1"] }),
      "nameserver 10.89.0.1\nnameserver 10.90.0.1\noptions ndots:0\n",
    );
  });

  it("parseResolvConf() reads every server, the first search and options lines, and drops comments", () => {
    assert.deepEqual(parseResolvConf(HOST_RESOLV + "search ignored.example\n"), {
      nameservers: ["127.0.0.53", "10.255.255.53"],
      search: ["corp.example", "lab.example"],
      options: ["edns0", "trust-ad"],
    });
  });
});

describe("the docker CLI's checks of --dns and --dns-search", () => {
  it("parseDnsServer() gives the address as Go prints it and refuses what is not one", () => {
    assert.equal(parseDnsServer(" 10.0.0.1 "), "10.0.0.1");
    assert.equal(parseDnsServer("2001:DB8:0:0::1"), "2001:db8::1");
    assert.throws(() => parseDnsServer("notanip"), new InvalidArgumentError("IP address is not correctly formatted: notanip"));
  });

  it("parseDnsSearch() takes domains and '.', and refuses the rest", () => {
    assert.equal(parseDnsSearch("example.test."), "example.test");
    assert.equal(parseDnsSearch("."), ".");
    assert.throws(() => parseDnsSearch("a..b"), new InvalidArgumentError("a..b is not a valid domain"));
    assert.throws(() => parseDnsSearch("123"), new InvalidArgumentError("123 is not a valid domain"));
  });

  it("localhostDnsWarning() names the first loopback server, IPv4 or IPv6", () => {
    assert.equal(localhostDnsWarning(["10.0.0.1", "127.0.0.1", "::1"]), "WARNING: Localhost DNS (127.0.0.1) may fail in containers.");
    assert.equal(localhostDnsWarning(["::1", "127.0.0.53"]), "WARNING: Localhost DNS (::1) may fail in containers.");
    assert.equal(localhostDnsWarning(["10.0.0.1"]), undefined);
  });
});

describe("/etc/hosts and --add-host", () => {
  const DEFAULT =
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
    "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

  it("hostsFile() puts --add-host lines and links after the ip6 lines and the container's own line last", () => {
    const extra = [
      ...extraHostEntries(["h:1.2.3.4", "h2:  1.2.3.4", "gw:host-gateway", "h6:2001:db8:0:0::1"], "10.211.0.1"),
      { address: "10.211.0.2", names: "lnk 56e1cdbe42ac nwb1" },
    ];
    assert.equal(
      hostsFile({ hostname: "9bb25ee28e28", domainname: "", extra, address: "10.211.0.3" }),
      DEFAULT +
        "1.2.3.4\th\n  1.2.3.4\th2\n10.211.0.1\tgw\n2001:db8:0:0::1\th6\n10.211.0.2\tlnk 56e1cdbe42ac nwb1\n10.211.0.3\t9bb25ee28e28\n",
    );
  });

  it("hostsFile() names the container host.domain host with --domainname, and has no own line without an address", () => {
    assert.equal(
      hostsFile({ hostname: "62702c15fe8d", domainname: "ex.com", extra: [], address: "10.211.0.2" }),
      `${DEFAULT}10.211.0.2\t62702c15fe8d.ex.com 62702c15fe8d\n`,
    );
    assert.equal(hostsFile({ hostname: "myh", domainname: "", extra: [{ address: "1.2.3.4", names: "h" }] }), `${DEFAULT}1.2.3.4\th\n`);
  });

  it("parseAddHostFlag() sends NAME:IP as the CLI does: = or the first colon, brackets dropped, spaces kept", () => {
    assert.equal(parseAddHostFlag("h:[1.2.3.4]"), "h:1.2.3.4");
    assert.equal(parseAddHostFlag("h=1.2.3.5"), "h:1.2.3.5");
    assert.equal(parseAddHostFlag("h:::1"), "h:::1");
    assert.equal(parseAddHostFlag("h:[::1]"), "h:::1");
    assert.equal(parseAddHostFlag("h2:  1.2.3.4"), "h2:  1.2.3.4");
    assert.equal(parseAddHostFlag("h:host-gateway"), "h:host-gateway");
  });

  it("parseAddHostFlag() refuses the forms docker CLI 28 refuses, in its words", () => {
    const cases: [string, string][] = [
      ["x", 'bad format for add-host: "x"'],
      [":1.2.3.4", 'bad format for add-host: ":1.2.3.4"'],
      ["h:notip", 'invalid IP address in add-host: "notip"'],
      ["h:", 'invalid IP address in add-host: ""'],
      ["h:1.2.3.4:5", 'invalid IP address in add-host: "1.2.3.4:5"'],
      ["h3:01.2.3.4", 'invalid IP address in add-host: "01.2.3.4"'],
    ];
    for (const [value, message] of cases) assert.throws(() => parseAddHostFlag(value), new InvalidArgumentError(message), value);
  });

  it("parseExtraHost() refuses an API entry as dockerd 20.10 does at create", () => {
    assert.throws(() => parseExtraHost("x"), new InvalidArgumentError('bad format for add-host: "x"'));
    assert.throws(() => parseExtraHost("h:zz"), new InvalidArgumentError('invalid IP address in add-host: "zz"'));
    assert.deepEqual(parseExtraHost("h6:2001:db8::1"), { name: "h6", address: "2001:db8::1" });
  });
});

describe("checkNetworkOptions()", () => {
  const base: NetworkOptionsRequest = { networkMode: "default", links: [], dns: [], extraHosts: [], macAddress: "" };
  it("refuses what dockerd refuses with another container's network or the host's, in its order", () => {
    const cases: [Partial<NetworkOptionsRequest>, string][] = [
      [
        { networkMode: "host", links: ["nwb1:s"] },
        "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      ],
      [
        { networkMode: "container:nwb1", links: ["nwb1:s"], dns: ["1.1.1.1"] },
        "conflicting options: container type network can't be used with links. This would result in undefined behavior",
      ],
      [{ networkMode: "container:nwb1", dns: ["1.1.1.1"], extraHosts: ["a:1.1.1.1"] }, "conflicting options: dns and the network mode"],
      [{ networkMode: "container:nwb1", extraHosts: ["a:1.1.1.1"] }, "conflicting options: custom host-to-IP mapping and the network mode"],
      [{ networkMode: "host", macAddress: "02:42:ac:11:00:99" }, "conflicting options: mac-address and the network mode"],
      [{ networkMode: "default", extraHosts: ["x"] }, 'bad format for add-host: "x"'],
    ];
    for (const [req, message] of cases) assert.throws(() => checkNetworkOptions({ ...base, ...req }), new InvalidArgumentError(message));
  });
  it("lets --dns with the host's network and links with none pass", () => {
    checkNetworkOptions({ ...base, networkMode: "host", dns: ["1.1.1.1"], extraHosts: ["a:1.1.1.1"] });
    checkNetworkOptions({ ...base, networkMode: "none", links: ["nwb1:s"] });
  });
});

describe("links", () => {
  const link: LinkedContainer = {
    linkName: "/nwd1/lnk",
    alias: "lnk",
    targetName: "nwb1",
    targetHostname: "56e1cdbe42ac",
    address: "10.211.0.2",
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar", "BAZ=a b", "XTRA=1"],
    exposedPorts: ["80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp", "443/tcp"],
  };

  it("parseLink() reads NAME, NAME:ALIAS and the stored /NAME:/CONTAINER/ALIAS, and refuses a third part", () => {
    assert.deepEqual(parseLink("nwb1"), { name: "nwb1", alias: "nwb1" });
    assert.deepEqual(parseLink("nwb1:lnk"), { name: "nwb1", alias: "lnk" });
    assert.deepEqual(parseLink("/nwb1:/nwd1/lnk"), { name: "nwb1", alias: "lnk" });
    assert.deepEqual(parseLink("/nwb1:/x"), { name: "nwb1", alias: "x" });
    assert.throws(() => parseLink("nwb1:a:b"), new SystemError("bad format for links: nwb1:a:b"));
  });

  it("linkHostEntry() names the alias, the target's host name, and its name when the alias differs", () => {
    assert.deepEqual(linkHostEntry(link), { address: "10.211.0.2", names: "lnk 56e1cdbe42ac nwb1" });
    assert.deepEqual(linkHostEntry({ ...link, alias: "nwb1" }), { address: "10.211.0.2", names: "nwb1 56e1cdbe42ac" });
  });

  it("linkEnv() and containerEnv() give the environment dockerd gave `run -e ZZ=1 -e PATH=/bin --link nwb1:lnk`", () => {
    // `cat /proc/1/environ` in that container (the image sets PATH, the target EXPOSE 80 53/udp
    // 8000-8002/tcp 443 and ENV FOO=bar BAZ="a b", and ran with -e XTRA=1); HOME comes from runc.
    const env = containerEnv({ Hostname: "eb03f342556f", Env: ["PATH=/bin", "ZZ=1"] }, linkEnv(link));
    assert.deepEqual(env, [
      "PATH=/bin",
      "HOSTNAME=eb03f342556f",
      "LNK_PORT=udp://10.211.0.2:53",
      "LNK_PORT_8000_TCP_START=tcp://10.211.0.2:8000",
      "LNK_PORT_8000_TCP_ADDR=10.211.0.2",
      "LNK_PORT_8000_TCP_PROTO=tcp",
      "LNK_PORT_8000_TCP_PORT_START=8000",
      "LNK_PORT_8000_TCP_END=tcp://10.211.0.2:8002",
      "LNK_PORT_8000_TCP_PORT_END=8002",
      "LNK_PORT_53_UDP=udp://10.211.0.2:53",
      "LNK_PORT_53_UDP_ADDR=10.211.0.2",
      "LNK_PORT_53_UDP_PORT=53",
      "LNK_PORT_53_UDP_PROTO=udp",
      "LNK_PORT_80_TCP=tcp://10.211.0.2:80",
      "LNK_PORT_80_TCP_ADDR=10.211.0.2",
      "LNK_PORT_80_TCP_PORT=80",
      "LNK_PORT_80_TCP_PROTO=tcp",
      "LNK_PORT_443_TCP=tcp://10.211.0.2:443",
      "LNK_PORT_443_TCP_ADDR=10.211.0.2",
      "LNK_PORT_443_TCP_PORT=443",
      "LNK_PORT_443_TCP_PROTO=tcp",
      "LNK_PORT_8000_TCP=tcp://10.211.0.2:8000",
      "LNK_PORT_8000_TCP_PORT=8000",
      "LNK_PORT_8001_TCP=tcp://10.211.0.2:8001",
      "LNK_PORT_8001_TCP_ADDR=10.211.0.2",
      "LNK_PORT_8001_TCP_PORT=8001",
      "LNK_PORT_8001_TCP_PROTO=tcp",
      "LNK_PORT_8002_TCP=tcp://10.211.0.2:8002",
      "LNK_PORT_8002_TCP_ADDR=10.211.0.2",
      "LNK_PORT_8002_TCP_PORT=8002",
      "LNK_PORT_8002_TCP_PROTO=tcp",
      "LNK_NAME=/nwd1/lnk",
      "LNK_ENV_FOO=bar",
      "LNK_ENV_BAZ=a b",
      "LNK_ENV_XTRA=1",
      "ZZ=1",
    ]);
  });

  it("linkEnv() upper-cases the alias and turns its hyphens into underscores; a target without ports has no PORT variables", () => {
    assert.deepEqual(linkEnv({ ...link, alias: "my-db", linkName: "/c/my-db", exposedPorts: [], env: [] }), ["MY_DB_NAME=/c/my-db"]);
  });
});

describe("parseMacAddress()", () => {
  it("takes Go's 48-bit forms and writes them with colons, lower case", () => {
    assert.equal(parseMacAddress("02:42:AC:11:00:99"), "02:42:ac:11:00:99");
    assert.equal(parseMacAddress("02-42-ac-11-00-99"), "02:42:ac:11:00:99");
    assert.equal(parseMacAddress("0242.ac11.0099"), "02:42:ac:11:00:99");
    for (const bad of ["zz", "02:42:ac:11:00", "02:42-ac:11:00:99", "02:42:ac:11:00:99:00:00"])
      assert.equal(parseMacAddress(bad), undefined, bad);
  });
});
