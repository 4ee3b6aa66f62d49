// User-defined networks end to end: `network create|ls|inspect|rm|prune|connect|disconnect` with
// dockerd's answers and words (NETWORKING.md §3), name resolution through aardvark-dns, isolation
// between networks, static addresses, and the same through the API. Every berth command runs in a
// network namespace of this file's own (test/helpers/netns-root.ts).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { bridgeTestsSkip, createNetnsRoot, type NetnsRoot } from "../helpers/netns-root.js";
import { startApiServer, type ApiServerHandle } from "../helpers/api-server.js";

type Json = Record<string, unknown>;

const spawnSleep = (ms: number) => spawnSync("sleep", [String(ms / 1000)]);

describe("user-defined networks", { skip: bridgeTestsSkip }, () => {
  let n: NetnsRoot;
  before(async () => {
    n = await createNetnsRoot("berth-usernet-");
  });
  after(async () => {
    await n?.cleanup();
  });
  const inspect = (kind: "network" | "container", name: string) => (JSON.parse(n.ok([kind, "inspect", name])) as Json[])[0]!;
  const networksIn = (container: Json) => (container.NetworkSettings as Json).Networks as Record<string, Json>;
  const networksOf = (name: string) => networksIn(inspect("container", name));
  /** Reachability in one second, by ping (busybox's wget -T crashes, and a dropped SYN would wait minutes). */
  const pings = (container: string, address: string) => n.berth(["exec", container, "ping", "-c", "1", "-W", "1", address]).code === 0;

  test("create, ls, inspect and rm with dockerd's shapes and refusals", () => {
    const id = n.ok(["network", "create", "--subnet", "10.213.1.0/24", "--gateway", "10.213.1.254", "--label", "team=x", "nwnet1"]).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const net = inspect("network", "nwnet1");
    assert.equal(net.Id, id);
    assert.equal(net.Driver, "bridge");
    assert.equal(net.Scope, "local");
    assert.deepEqual(net.IPAM, { Driver: "default", Options: {}, Config: [{ Subnet: "10.213.1.0/24", Gateway: "10.213.1.254" }] });
    assert.deepEqual(net.Labels, { team: "x" });
    assert.deepEqual(net.Containers, {});
    // By ID prefix too.
    assert.equal(inspect("network", id.slice(0, 6)).Name, "nwnet1");

    const dup = n.berth(["network", "create", "nwnet1"]);
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr, "Error response from daemon: network with name nwnet1 already exists\n");
    const overlap = n.berth(["network", "create", "--subnet", "10.213.1.128/25", "nwover"]);
    assert.equal(overlap.stderr, "Error response from daemon: Pool overlaps with other one on this address space\n");
    const gateway = n.berth(["network", "create", "--subnet", "10.213.2.0/24", "--gateway", "10.99.0.1", "nwgw"]);
    assert.equal(gateway.stderr, "no matching subnet for gateway 10.99.0.1\n");
    assert.equal(n.berth(["network", "inspect", "nwnosuch"]).stderr, "Error response from daemon: network nwnosuch not found\n");
    assert.equal(
      n.berth(["network", "rm", "bridge"]).stderr,
      "Error response from daemon: bridge is a pre-defined network and cannot be removed\n",
    );

    const ls = n.ok(["network", "ls"]).split("\n");
    assert.match(ls[0]!, /^NETWORK ID +NAME +DRIVER +SCOPE$/);
    assert.deepEqual(
      ls.slice(1, -1).map((l) => l.split(/ +/).slice(1)),
      [
        ["bridge", "bridge", "local"],
        ["host", "host", "local"],
        ["none", "null", "local"],
        ["nwnet1", "bridge", "local"],
      ],
    );
    assert.equal(n.ok(["network", "ls", "-q", "--filter", "label=team=x"]), `${id.slice(0, 12)}\n`);
    assert.equal(n.ok(["network", "ls", "--no-trunc", "--filter", "name=nwnet", "--format", "{{.ID}} {{.Name}}"]), `${id} nwnet1\n`);
    assert.equal(n.ok(["network", "ls", "--filter", "type=custom", "--format", "{{.Name}}"]), "nwnet1\n");
    assert.equal(n.ok(["network", "ls", "--filter", "driver=null", "--format", "{{.Name}}"]), "none\n");

    // An automatic subnet: dockerd's next default pool, with its gateway shown.
    n.ok(["network", "create", "nwauto"]);
    const auto = inspect("network", "nwauto").IPAM as Json;
    assert.match(JSON.stringify(auto.Config), /"Subnet":"172\.\d+\.0\.0\/16","Gateway":"172\.\d+\.0\.1"/);

    assert.equal(n.ok(["network", "rm", "nwnet1", "nwauto"]), "nwnet1\nnwauto\n");
    assert.equal(n.berth(["network", "inspect", "nwnet1"]).code, 1);
  });

  test("containers resolve each other by name, alias, host name and NAME.NETWORK; networks are isolated", () => {
    n.ok(["network", "create", "nwa"]);
    n.ok(["network", "create", "nwb"]);
    n.ok([
      "run",
      "-d",
      "--name",
      "web",
      "--hostname",
      "webhost",
      "--network",
      "nwa",
      "--network-alias",
      "www",
      "busybox",
      "httpd",
      "-f",
      "-p",
      "8080",
      "-h",
      "/etc",
    ]);
    n.ok(["run", "-d", "--name", "far", "--network", "nwb", "busybox", "sleep", "600"]);
    const client = ["run", "--rm", "--network", "nwa", "busybox", "sh", "-c"];
    const fetched = n.ok([...client, "for h in web www webhost web.nwa; do wget -qO- http://$h:8080/hostname; done; cat /etc/resolv.conf"]);
    const gateway = (inspect("network", "nwa").IPAM as { Config: { Gateway: string }[] }).Config[0]!.Gateway;
    assert.equal(fetched, `webhost\nwebhost\nwebhost\nwebhost\nnameserver ${gateway}\noptions ndots:0\n`);

    // One inspect of web serves the checks of its endpoint and of its top-level settings.
    const webContainer = inspect("container", "web");
    const web = networksIn(webContainer).nwa!;
    assert.deepEqual(web.Aliases, ["www", webContainer.Id!.toString().slice(0, 12)]);
    assert.equal(web.Gateway, gateway);
    assert.equal(
      web.MacAddress,
      `02:42:${String(web.IPAddress)
        .split(".")
        .map((b) => Number(b).toString(16).padStart(2, "0"))
        .join(":")}`,
    );
    const top = webContainer.NetworkSettings as Json;
    assert.equal(top.IPAddress, "", "only the default bridge fills the top-level address");

    // nwb cannot reach nwa (Docker's isolation; netavark alone would let it through), nor resolve its names.
    assert.equal(pings("far", String(web.IPAddress)), false);
    assert.doesNotMatch(n.berth(["exec", "far", "nslookup", "web"]).stdout, /Name:\s+web\s+Address/);

    // connect brings far onto nwa: it reaches web by name at once, and keeps nwb.
    n.ok(["network", "connect", "--alias", "faraway", "nwa", "far"]);
    assert.equal(n.ok(["exec", "far", "wget", "-qO-", "http://web:8080/hostname"]), "webhost\n");
    assert.match(n.ok(["exec", "far", "ip", "-o", "-4", "addr"]), /eth1/);
    const farNetworks = networksOf("far");
    assert.deepEqual(Object.keys(farNetworks).sort(), ["nwa", "nwb"]);
    assert.deepEqual(farNetworks.nwa!.DriverOpts, {});
    assert.equal(n.ok(["exec", "web", "nslookup", "faraway"]).includes("Name:\tfaraway"), true);
    const nwa = inspect("network", "nwa").Containers as Record<string, Json>;
    assert.deepEqual(
      Object.values(nwa)
        .map((c) => c.Name)
        .sort(),
      ["far", "web"],
    );

    const again = n.berth(["network", "connect", "nwa", "far"]);
    assert.equal(again.stderr, "Error response from daemon: endpoint with name far already exists in network nwa\n");
    const inUse = n.berth(["network", "rm", "nwa"]);
    assert.match(
      inUse.stderr,
      /^Error response from daemon: error while removing network: network nwa id [0-9a-f]{64} has active endpoints\n$/,
    );

    n.ok(["network", "disconnect", "nwa", "far"]);
    assert.doesNotMatch(n.ok(["exec", "far", "ip", "-o", "-4", "addr"]), /eth1/);
    const farAfter = inspect("container", "far");
    assert.deepEqual(Object.keys(networksIn(farAfter)), ["nwb"]);
    const farId = farAfter.Id as string;
    assert.equal(
      n.berth(["network", "disconnect", "nwa", "far"]).stderr,
      `Error response from daemon: container ${farId} is not connected to network nwa\n`,
    );
    n.ok(["rm", "-f", "web", "far"]);
    n.ok(["network", "rm", "nwa", "nwb"]);
    assert.equal(n.outside(["iptables", "-S", "BERTH-ISOLATION-STAGE-2"]).stdout, "-N BERTH-ISOLATION-STAGE-2\n");
    assert.doesNotMatch(n.outside(["ip", "-o", "link"]).stdout, /br-/);
  });

  test("--ip, --network-alias and --ip where dockerd refuses them; a missing network fails the start", () => {
    n.ok(["network", "create", "--subnet", "10.214.0.0/24", "nwip"]);
    n.ok(["run", "-d", "--name", "fixed", "--network", "nwip", "--ip", "10.214.0.20", "busybox", "sleep", "600"]);
    const net = networksOf("fixed").nwip!;
    assert.deepEqual(net.IPAMConfig, { IPv4Address: "10.214.0.20" });
    assert.equal(net.IPAddress, "10.214.0.20");
    assert.match(n.ok(["exec", "fixed", "ip", "-o", "-4", "addr", "show", "eth0"]), /10\.214\.0\.20\/24/);
    const taken = n.berth(["run", "-d", "--name", "clash", "--network", "nwip", "--ip", "10.214.0.20", "busybox", "true"]);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, /Address already in use/);
    // A stopped container's address is free again at once.
    n.ok(["stop", "-t", "0", "fixed"]);
    n.ok(["start", "clash"]);
    n.ok(["rm", "-f", "fixed", "clash"]);

    const onBridge = n.berth(["create", "--ip", "172.17.0.9", "busybox"]);
    assert.equal(onBridge.code, 125);
    assert.match(onBridge.stderr, /Error response from daemon: user specified IP address is supported on user defined networks only\n/);
    const alias = n.berth(["create", "--network-alias", "x", "busybox"]);
    assert.match(
      alias.stderr,
      /Error response from daemon: network-scoped alias is supported only for containers in user defined networks\n/,
    );

    const missing = n.berth(["run", "--name", "lost", "--network", "nwnosuch", "busybox", "true"]);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /network nwnosuch not found/);
    assert.equal((inspect("container", "lost").State as Json).Status, "created");
    // Made later, the network is found by name at the next start.
    n.ok(["network", "create", "nwnosuch"]);
    n.ok(["start", "lost"]);
    n.ok(["rm", "-f", "lost"]);
    n.ok(["network", "rm", "nwip", "nwnosuch"]);
  });

  test("connect and disconnect of a created container change what its start joins; prune keeps networks in use", () => {
    n.ok(["network", "create", "--label", "p=1", "nwc"]);
    n.ok(["network", "create", "--label", "p=1", "nwidle"]);
    n.ok(["create", "--name", "later", "busybox", "sleep", "600"]);
    n.ok(["network", "connect", "nwc", "later"]);
    n.ok(["network", "disconnect", "bridge", "later"]);
    assert.deepEqual(Object.keys(networksOf("later")), ["nwc"]);
    n.ok(["start", "later"]);
    const addrs = n.ok(["exec", "later", "ip", "-o", "-4", "addr"]);
    assert.match(addrs, /eth0 +inet 172\.\d+\.0\.2\//);
    assert.equal(networksOf("later").nwc!.IPAddress, addrs.match(/eth0 +inet ([\d.]+)\//)![1]);

    assert.equal(n.ok(["network", "prune", "-f", "--filter", "label=p=1"]), "Deleted Networks:\nnwidle\n\n");
    assert.equal(n.ok(["network", "ls", "-q", "--filter", "name=nwc"]).trim().length, 12);
    n.ok(["rm", "-f", "later"]);
    assert.equal(n.ok(["network", "prune", "-f"]), "Deleted Networks:\nnwc\n\n");
  });

  test("IPv6 user networks, published ports on a user network, and a restart that keeps the container's network", () => {
    n.ok(["network", "create", "--ipv6", "--subnet", "fd00:db8:1::/64", "--subnet", "10.77.0.0/24", "nw6"]);
    assert.equal(n.ok(["network", "inspect", "-f", "{{.EnableIPv6}}", "nw6"]), "true\n");
    n.ok([
      "run",
      "-d",
      "--name",
      "w6",
      "--network",
      "nw6",
      "-p",
      "127.0.0.1:18099:8080",
      "busybox",
      "httpd",
      "-f",
      "-p",
      "8080",
      "-h",
      "/etc",
    ]);
    const w6 = inspect("container", "w6");
    const net = networksIn(w6).nw6!;
    assert.deepEqual(
      [net.IPAddress, net.Gateway, net.GlobalIPv6Address, net.GlobalIPv6PrefixLen, net.IPv6Gateway],
      ["10.77.0.2", "10.77.0.1", "fd00:db8:1::2", 64, "fd00:db8:1::1"],
    );
    assert.equal(n.ok(["run", "--rm", "--network", "nw6", "busybox", "sh", "-c", "ping -6 -c1 -W1 w6 >/dev/null && echo v6"]), "v6\n");
    assert.equal(n.ok(["port", "w6"]), "8080/tcp -> 127.0.0.1:18099\n");
    assert.equal(n.outside(["busybox", "wget", "-qO-", "http://127.0.0.1:18099/hostname"]).stdout, `${String(w6.Id).slice(0, 12)}\n`);
    n.ok(["rm", "-f", "w6"]);
    n.ok(["network", "rm", "nw6"]);

    // A restart policy brings the container back on its network, with its name resolvable again.
    n.ok(["network", "create", "nwr"]);
    n.ok([
      "run",
      "-d",
      "--name",
      "flaky",
      "--network",
      "nwr",
      "--network-alias",
      "svc",
      "--restart",
      "always",
      "busybox",
      "sh",
      "-c",
      "[ -f /once ] || { touch /once; sleep 1; exit 3; }; exec sleep 600",
    ]);
    // The restart is counted when the first run exits, while the container reads "restarting"
    // (as dockerd records it); its network is back only once it runs again.
    const backUp = (): boolean => {
      const c = inspect("container", "flaky");
      return (c.RestartCount as number) >= 1 && (c.State as Json).Running === true && (c.State as Json).Restarting === false;
    };
    const deadline = Date.now() + 30_000;
    while (!backUp() && Date.now() < deadline) spawnSleep(200);
    assert.ok(backUp(), "restarted and running");
    assert.equal(n.ok(["run", "--rm", "--network", "nwr", "busybox", "sh", "-c", "nslookup svc >/dev/null && echo back"]), "back\n");
    n.ok(["rm", "-f", "flaky"]);
    n.ok(["network", "rm", "nwr"]);
  });

  test("--ip-range, a named bridge, --internal and -o options berth does not carry out", () => {
    n.ok([
      "network",
      "create",
      "--subnet",
      "10.65.0.0/24",
      "--ip-range",
      "10.65.0.128/25",
      "-o",
      "com.docker.network.bridge.name=nwbr1",
      "nwr1",
    ]);
    const nwr1 = inspect("network", "nwr1");
    assert.deepEqual((nwr1.IPAM as Json).Config, [{ Subnet: "10.65.0.0/24", IPRange: "10.65.0.128/25" }]);
    assert.deepEqual(nwr1.Options, { "com.docker.network.bridge.name": "nwbr1" });
    n.ok(["run", "-d", "--name", "ranged", "--network", "nwr1", "busybox", "sleep", "600"]);
    // dockerd's gateway is the range's first address, the first container the next.
    const ranged = networksOf("ranged").nwr1!;
    assert.equal(ranged.Gateway, "10.65.0.128");
    assert.equal(ranged.IPAddress, "10.65.0.129");
    assert.match(n.outside(["ip", "-o", "-4", "addr", "show", "nwbr1"]).stdout, /10\.65\.0\.128\/24/);
    n.ok(["network", "create", "--internal", "nwint"]);
    n.ok(["network", "connect", "nwint", "ranged"]);
    assert.equal(inspect("network", "nwint").Internal, true);
    assert.doesNotMatch(n.ok(["exec", "ranged", "ip", "route"]), /default via 172/, "an internal network gives no way out");
    n.ok(["rm", "-f", "ranged"]);
    n.ok(["network", "rm", "nwr1", "nwint"]);

    const icc = n.berth(["network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "nwicc"]);
    assert.equal(
      icc.stderr,
      "Error response from daemon: berth does not support the network option com.docker.network.bridge.enable_icc yet\n",
    );
    assert.equal(n.berth(["network", "inspect", "nwicc"]).code, 1);
  });

  describe("through the API", () => {
    let api: ApiServerHandle;
    before(async () => {
      api = await startApiServer(n.t, [], "net-api.sock", { netns: n.netns });
    });
    after(async () => {
      await api?.stop();
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await api.request(
        method,
        path,
        body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } },
      );
      return { status: r.status, headers: r.headers, text: r.body.toString(), json: () => JSON.parse(r.body.toString()) as Json };
    };

    test("create, connect with aliases on a created container, inspect, disconnect, delete, prune", async () => {
      const created = await call("POST", "/v1.41/networks/create", {
        Name: "apinet",
        CheckDuplicate: true,
        Labels: { "com.docker.compose.project": "p" },
        Attachable: true,
      });
      assert.equal(created.status, 201);
      assert.deepEqual(Object.keys(created.json()), ["Id", "Warning"]);
      assert.equal((await call("POST", "/v1.41/networks/create", { Name: "apinet" })).status, 409);
      assert.equal(
        (await call("POST", "/v1.41/networks/create", { Name: "x2", Driver: "nosuch" })).text,
        '{"message":"plugin \\"nosuch\\" not found"}\n',
      );

      const container = await call("POST", "/v1.41/containers/create?name=apic", {
        Image: "busybox",
        Cmd: ["sleep", "600"],
        HostConfig: { NetworkMode: "apinet" },
        NetworkingConfig: { EndpointsConfig: { apinet: { Aliases: ["svc"], IPAMConfig: {} } } },
      });
      assert.equal(container.status, 201, container.text);
      const id = container.json().Id as string;
      // compose's dance on a created container: disconnect, then connect with the short ID among the aliases.
      assert.equal((await call("POST", "/v1.41/networks/apinet/disconnect", { Container: id })).status, 200);
      const connected = await call("POST", "/v1.41/networks/apinet/connect", {
        Container: id,
        EndpointConfig: { Aliases: [id.slice(0, 12), "svc"] },
      });
      assert.equal(connected.status, 200);
      assert.equal(connected.text, "");
      assert.equal(connected.headers["content-type"], undefined);
      assert.equal((await call("POST", `/v1.41/containers/${id}/start`)).status, 204);
      assert.equal(n.ok(["run", "--rm", "--network", "apinet", "busybox", "sh", "-c", "nslookup svc >/dev/null && echo found"]), "found\n");

      const net = (await call("GET", "/v1.41/networks/apinet")).json();
      assert.equal(net.Attachable, true);
      assert.deepEqual(Object.keys(net.Containers as Json), [id]);
      const list = (
        await call(
          "GET",
          `/v1.41/networks?filters=${encodeURIComponent(JSON.stringify({ label: { "com.docker.compose.project=p": true } }))}`,
        )
      ).json() as unknown as Json[];
      assert.deepEqual(
        list.map((x) => x.Name),
        ["apinet"],
      );
      assert.deepEqual(list[0]!.Containers, {}, "the list shows no containers, as dockerd's");

      assert.equal((await call("DELETE", "/v1.41/networks/apinet")).status, 403);
      assert.equal((await call("POST", "/v1.41/networks/apinet/connect", { Container: id })).status, 403);
      assert.equal((await call("DELETE", `/v1.41/containers/${id}?force=1`)).status, 204);
      assert.equal((await call("DELETE", "/v1.41/networks/apinet")).status, 204);
      assert.equal((await call("GET", "/v1.41/networks/apinet")).status, 404);
      const pruned = await call("POST", "/v1.41/networks/prune");
      assert.deepEqual(pruned.json(), { NetworksDeleted: null });
    });
  });
});
