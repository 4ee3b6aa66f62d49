// POST /containers/create's per-container network fields (HostConfig.Dns, DnsSearch, DnsOptions,
// ExtraHosts, Links; Config.Domainname, MacAddress) and inspect's view of them. The answers are
// dockerd 20.10.24's, measured with curl against its socket.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "needs root";

describe("the API's per-container network options", { skip }, () => {
  const served = useApiServer();
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await served.server.request(method, path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: { "Content-Type": "application/json" },
    });
    return { status: r.status, json: r.body.length ? (JSON.parse(r.body.toString()) as Record<string, unknown>) : undefined };
  };
  const create = (name: string, body: Record<string, unknown>) =>
    api("POST", `/v1.41/containers/create?name=${name}`, { Image: "busybox", Cmd: ["true"], ...body });
  const inspect = async (name: string) =>
    (await api("GET", `/v1.41/containers/${name}/json`)).json as Record<string, Record<string, unknown>>;

  test("fields left out or null are null in inspect, as Go's nil slices", async () => {
    assert.equal((await create("apiplain", {})).status, 201);
    assert.equal(
      (
        await create("apinull", {
          HostConfig: { Dns: null, DnsSearch: null, DnsOptions: null, ExtraHosts: null, Links: null },
          Domainname: null,
          MacAddress: null,
        })
      ).status,
      201,
    );
    for (const name of ["apiplain", "apinull"]) {
      const c = await inspect(name);
      const h = c.HostConfig!;
      assert.deepEqual([h.Dns, h.DnsOptions, h.DnsSearch, h.ExtraHosts, h.Links], [null, null, null, null, null], name);
      assert.equal(c.Config!.Domainname, "");
      assert.equal("MacAddress" in c.Config!, false);
    }
  });

  test("given fields are kept, links in dockerd's /target:/container/alias form, MacAddress after Entrypoint", async () => {
    assert.equal((await create("apitarget", {})).status, 201);
    const made = await create("apiopts", {
      Domainname: "ex.com",
      MacAddress: "02:42:ac:11:00:99",
      HostConfig: {
        Dns: ["127.0.0.1"],
        DnsSearch: ["example.test"],
        DnsOptions: ["ndots:2"],
        ExtraHosts: ["h:1.2.3.4", "gw:host-gateway"],
        Links: ["apitarget:lnk"],
      },
    });
    // dockerd's client prints the loopback warning; the daemon sends none.
    assert.deepEqual(made, { status: 201, json: { Id: made.json!.Id, Warnings: [] } });
    const c = await inspect("apiopts");
    const h = c.HostConfig!;
    assert.deepEqual(h.Dns, ["127.0.0.1"]);
    assert.deepEqual(h.DnsSearch, ["example.test"]);
    assert.deepEqual(h.DnsOptions, ["ndots:2"]);
    assert.deepEqual(h.ExtraHosts, ["h:1.2.3.4", "gw:host-gateway"]);
    assert.deepEqual(h.Links, ["/apitarget:/apiopts/lnk"]);
    assert.equal(c.Config!.Domainname, "ex.com");
    const keys = Object.keys(c.Config!);
    assert.equal(keys.indexOf("MacAddress"), keys.indexOf("Entrypoint") + 1);
    assert.equal(c.Config!.MacAddress, "02:42:ac:11:00:99");
  });

  test("what dockerd refuses at create, with its status and words", async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ HostConfig: { ExtraHosts: ["x"] } }, 400, 'bad format for add-host: "x"'],
      [{ HostConfig: { ExtraHosts: ["h:zz"] } }, 400, 'invalid IP address in add-host: "zz"'],
      [{ HostConfig: { Links: ["nosuch:s"] } }, 400, "could not get container for nosuch: No such container: nosuch"],
      [{ HostConfig: { Links: ["apiplain:a:b"] } }, 500, "bad format for links: apiplain:a:b"],
      [
        { HostConfig: { NetworkMode: "host", Links: ["apiplain:s"] } },
        400,
        "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      ],
      [{ HostConfig: { NetworkMode: "container:apiplain", Dns: ["1.1.1.1"] } }, 400, "conflicting options: dns and the network mode"],
      [
        { HostConfig: { Dns: "1.1.1.1" } },
        400,
        "json: cannot unmarshal string into Go struct field container.HostConfig.Dns of type []string",
      ],
    ];
    for (const [body, status, message] of cases) {
      assert.deepEqual(await create("apibad", body), { status, json: { message } }, JSON.stringify(body));
    }
  });

  test("a bad MacAddress is created and refused when the container starts (500)", async () => {
    assert.equal((await create("apimac", { MacAddress: "zz" })).status, 201);
    assert.deepEqual(await api("POST", "/v1.41/containers/apimac/start"), {
      status: 500,
      json: { message: "address zz: invalid MAC address" },
    });
    const state = (await inspect("apimac")).State!;
    assert.equal(state.Status, "created");
    assert.equal(state.Error, "address zz: invalid MAC address");
    assert.equal(state.ExitCode, 128);
  });
});
