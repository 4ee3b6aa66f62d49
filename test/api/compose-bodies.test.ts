// The create bodies docker-compose 1.29 sends (COMPOSE.md §2), nulls and all, and the
// Config.Healthcheck they carry: kept and merged with the image's as dockerd 20.10 does, refused
// in its words, and never reported as a State.Health that nothing measured (issue 13).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";
import { busyboxRootfsTar } from "../helpers/busybox.js";

const skip = isRoot() ? false : "needs root";

describe("berth serve: docker-compose's create bodies", { skip }, () => {
  const served = useApiServer();

  async function create(name: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await served.server.request("POST", `/v1.41/containers/create?name=${name}`, {
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    return { status: res.status, json: JSON.parse(res.body.toString()) as Record<string, unknown> };
  }

  async function inspect(name: string): Promise<{ Config: Record<string, unknown>; State: Record<string, unknown> }> {
    const res = await served.server.request("GET", `/v1.41/containers/${name}/json`);
    assert.equal(res.status, 200, res.body.toString());
    return JSON.parse(res.body.toString()) as { Config: Record<string, unknown>; State: Record<string, unknown> };
  }

  test("POST /containers/create takes compose's body with its nulls and keeps Config.Healthcheck", async () => {
    const created = await create("cb_web_1", {
      ExposedPorts: { "8080/tcp": {} },
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Cmd: ["httpd", "-f", "-p", "8080"],
      Image: "busybox",
      Volumes: { "/data": {} },
      NetworkDisabled: false,
      HostConfig: {
        NetworkMode: "none",
        VolumesFrom: [],
        Binds: ["cb_data:/data:rw"],
        PortBindings: {},
        Links: [],
        LogConfig: { Type: "", Config: {} },
      },
      Labels: { "com.docker.compose.project": "cb", "com.docker.compose.service": "web", "com.docker.compose.oneoff": "False" },
      Healthcheck: {
        Test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"],
        Interval: 1000000000,
        Timeout: null,
        Retries: 3,
        StartPeriod: null,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const json = await inspect("cb_web_1");
    // dockerd 20.10 answered exactly this: the nulls are unset, Go's omitempty drops them.
    assert.deepEqual(json.Config.Healthcheck, {
      Test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"],
      Interval: 1000000000,
      Retries: 3,
    });
    assert.equal(json.State.Health, undefined, "no health status while nothing runs the check");
    assert.deepEqual((await served.server.request("DELETE", "/v1.41/containers/cb_web_1?v=True&link=False&force=False")).status, 204);
  });

  test("an image's HEALTHCHECK fills what the request leaves empty, as dockerd's merge does", async () => {
    const imported = await served.server.t.berthAsync([
      "import",
      "-c",
      'CMD ["sh"]',
      "-c",
      "HEALTHCHECK --interval=5s --timeout=2s CMD true",
      busyboxRootfsTar(),
      "hc-image",
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    // Measured on dockerd 20.10 with the same image: each line is a create body and its Config.Healthcheck.
    const cases: [unknown, unknown][] = [
      [undefined, { Test: ["CMD-SHELL", "true"], Interval: 5000000000, Timeout: 2000000000 }],
      [null, { Test: ["CMD-SHELL", "true"], Interval: 5000000000, Timeout: 2000000000 }],
      [{ Retries: 2 }, { Test: ["CMD-SHELL", "true"], Interval: 5000000000, Timeout: 2000000000, Retries: 2 }],
      [{ Test: [] }, { Test: ["CMD-SHELL", "true"], Interval: 5000000000, Timeout: 2000000000 }],
      [{ Test: ["NONE"] }, { Test: ["NONE"], Interval: 5000000000, Timeout: 2000000000 }],
      [
        { Test: ["CMD", "wget"], Interval: 1000000000, Timeout: null, Retries: 3, StartPeriod: null },
        { Test: ["CMD", "wget"], Interval: 1000000000, Timeout: 2000000000, Retries: 3 },
      ],
    ];
    for (const [i, [given, kept]] of cases.entries()) {
      const body = { Image: "hc-image", Cmd: ["true"], ...(given === undefined ? {} : { Healthcheck: given }) };
      const created = await create(`hc${i}`, body);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.deepEqual((await inspect(`hc${i}`)).Config.Healthcheck, kept, JSON.stringify(given));
      assert.equal((await served.server.request("DELETE", `/v1.41/containers/hc${i}`)).status, 204);
    }
  });

  test("a bad Healthcheck is refused in dockerd's words and creates nothing", async () => {
    const cases: [unknown, string][] = [
      [{ Interval: "1s" }, "json: cannot unmarshal string into Go struct field HealthConfig.Healthcheck.Interval of type time.Duration"],
      [{ Retries: 1.5 }, "json: cannot unmarshal number 1.5 into Go struct field HealthConfig.Healthcheck.Retries of type int"],
      [{ Test: "CMD true" }, "json: cannot unmarshal string into Go struct field HealthConfig.Healthcheck.Test of type []string"],
      [[], "json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Healthcheck of type container.HealthConfig"],
      [{ Interval: 100 }, "Interval in Healthcheck cannot be less than 1ms"],
      [{ Timeout: 999999 }, "Timeout in Healthcheck cannot be less than 1ms"],
      [{ Retries: -1 }, "Retries in Healthcheck cannot be negative"],
      [{ StartPeriod: 5 }, "StartPeriod in Healthcheck cannot be less than 1ms"],
    ];
    for (const [given, message] of cases) {
      const created = await create("bad-health", { Image: "busybox", Cmd: ["true"], Healthcheck: given });
      assert.deepEqual([created.status, created.json], [400, { message }], JSON.stringify(given));
    }
    assert.equal((await served.server.request("GET", "/v1.41/containers/bad-health/json")).status, 404);
  });

  test("a create body setting a field berth lacks is refused (501) and creates nothing; Go's zero values pass", async () => {
    // What docker-compose sends for sysctls, cpu_shares, group_add, oom_score_adj, volumes_from, ...
    const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [{}, { Cgroup: "host" }, "berth does not implement HostConfig.Cgroup (--cgroup) yet"],
      [{ NetworkDisabled: true }, {}, "berth does not implement NetworkDisabled (HostConfig.NetworkMode none does the same) yet"],
      [{}, { MaskedPaths: [] }, "berth does not implement HostConfig.MaskedPaths (--security-opt systempaths=unconfined) yet"],
    ];
    for (const [config, host, message] of cases) {
      const created = await create("lacks", { Image: "busybox", Cmd: ["true"], ...config, HostConfig: { NetworkMode: "none", ...host } });
      assert.deepEqual([created.status, created.json], [501, { message }], JSON.stringify({ config, host }));
    }
    assert.equal((await served.server.request("GET", "/v1.41/containers/lacks/json")).status, 404);

    // The docker CLI 28 sends these on every create (DOCKER-API.md §6.1), compose the empty lists.
    const zeros = await create("zeros", {
      Image: "busybox",
      Cmd: ["true"],
      Domainname: "",
      NetworkDisabled: false,
      HostConfig: {
        NetworkMode: "none",
        Dns: [],
        DnsOptions: [],
        DnsSearch: [],
        ExtraHosts: null,
        Links: [],
        VolumesFrom: [],
        GroupAdd: null,
        CgroupnsMode: "",
        Isolation: "",
        OomScoreAdj: 0,
        OomKillDisable: false,
        CpuShares: 0,
        BlkioWeightDevice: [],
        MemorySwappiness: -1,
        MaskedPaths: null,
        ConsoleSize: [0, 0],
      },
    });
    assert.equal(zeros.status, 201, JSON.stringify(zeros.json));
    assert.equal((await served.server.request("DELETE", "/v1.41/containers/zeros")).status, 204);
  });
});
