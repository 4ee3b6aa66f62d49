// The last run/create settings through berth serve: the Engine API's HostConfig.DeviceRequests,
// Isolation and VolumeDriver, EndpointsConfig's LinkLocalIPs, DELETE ?link=1, with docker CLI 28
// as the client where it is installed; and --use-api-socket, whose mounted socket is shown to be
// serve's by a request made through the container's own mount of it. Words and statuses measured
// on dockerd 20.10.24.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { spawnSync } from "node:child_process";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));
const skip = isRoot() ? false : "needs root";

/** GET through a unix socket, as a client inside the container would. */
function getOver(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("berth serve: the last run and create settings", { skip }, () => {
  const served = useApiServer();
  const create = async (body: Record<string, unknown>, name?: string) => {
    const r = await served.server.request("POST", `/v1.41/containers/create${name ? `?name=${name}` : ""}`, {
      body: JSON.stringify({ Image: "busybox", Cmd: ["true"], ...body }),
      headers: { "Content-Type": "application/json" },
    });
    return { status: r.status, body: JSON.parse(r.body.toString()) as Record<string, unknown> };
  };

  test("POST /containers/create takes DeviceRequests (refused at start), Isolation and VolumeDriver as dockerd does", async () => {
    const gpu = await create({ HostConfig: { DeviceRequests: [{ Driver: "x", Count: -1, Capabilities: [["gpu"]] }] } }, "api-gpu");
    assert.equal(gpu.status, 201);
    const start = await served.server.request("POST", "/v1.41/containers/api-gpu/start");
    assert.deepEqual(
      [start.status, JSON.parse(start.body.toString())],
      [500, { message: 'could not select device driver "x" with capabilities: [[gpu]]' }],
    );
    const iso = await create({ HostConfig: { Isolation: "hyperv" } });
    assert.deepEqual([iso.status, iso.body], [500, { message: "Invalid isolation: \"hyperv\" - linux only supports 'default'" }]);
    const volume = await create({ HostConfig: { VolumeDriver: "foo", Binds: ["apivol:/data"] } });
    assert.deepEqual(
      [volume.status, volume.body],
      [404, { message: 'create apivol: error looking up volume plugin foo: plugin "foo" not found' }],
    );
    const local = await create({ Volumes: { "/data": {} }, HostConfig: { VolumeDriver: "local", Isolation: "default" } }, "api-local");
    assert.equal(local.status, 201);
    const inspect = JSON.parse((await served.server.request("GET", "/v1.41/containers/api-local/json")).body.toString()) as {
      HostConfig: Record<string, unknown>;
    };
    assert.deepEqual(
      [inspect.HostConfig.VolumeDriver, inspect.HostConfig.Isolation, inspect.HostConfig.DeviceRequests],
      ["local", "default", null],
    );
    for (const name of ["api-gpu", "api-local"]) await served.server.request("DELETE", `/v1.41/containers/${name}?v=1`);
  });

  test("run --use-api-socket mounts the socket of the berth serve of its runroot, and fails without one", async () => {
    const t = served.server.t;
    const run = await t.berthAsync(["run", "-d", "--name", "sock", "--use-api-socket", "busybox", "sleep", "60"]);
    assert.equal(run.code, 0, run.stderr);
    const inside = await t.berthAsync(["exec", "sock", "sh", "-c", "test -S /var/run/docker.sock && echo socket"]);
    assert.equal(inside.stdout, "socket\n");
    const pid = (await t.berthAsync(["inspect", "-f", "{{.State.Pid}}", "sock"])).stdout.trim();
    // Through the container's mount namespace: the socket the container sees answers as serve.
    const seen = `/proc/${pid}/root/var/run/docker.sock`;
    assert.deepEqual(await getOver(seen, "/_ping"), { status: 200, body: "OK" });
    const listed = JSON.parse((await getOver(seen, "/v1.41/containers/json")).body) as { Names: string[] }[];
    assert.ok(
      listed.some((c) => c.Names.includes("/sock")),
      "the API behind the mounted socket is the engine that runs the container",
    );
    await t.berthAsync(["rm", "-f", "sock"]);
    const records = fs.readdirSync(`${t.runroot}/serve`);
    assert.equal(records.length, 1, "serve records its socket while it runs");
  });

  test(
    "docker CLI 28: --gpus, --link-local-ip, --isolation and rm --link against berth serve",
    { skip: !DOCKER && "no docker CLI" },
    () => {
      const env = { ...process.env, DOCKER_HOST: served.server.dockerHost, DOCKER_CONFIG: `${served.server.t.dir}/docker-config` };
      const docker = (args: string[]) => {
        const r = spawnSync(DOCKER!, args, { env, encoding: "utf8", timeout: 60_000 });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const gpus = docker(["run", "--rm", "--gpus", "all", "busybox", "true"]);
      assert.equal(gpus.code, 125);
      assert.match(gpus.stderr, /^docker: Error response from daemon: could not select device driver "" with capabilities: \[\[gpu\]\]/);
      const iso = docker(["create", "--isolation", "process", "busybox"]);
      assert.match(iso.stderr, /^Error response from daemon: Invalid isolation: "process" - linux only supports 'default'/);
      const ll = docker(["run", "--rm", "--link-local-ip", "169.254.10.10", "busybox", "ip", "-4", "addr", "show", "eth0"]);
      assert.equal(ll.code, 0, ll.stderr);
      assert.match(ll.stdout, /inet 169\.254\.10\.10\/16 brd 169\.254\.255\.255 scope global eth0/);
      assert.equal(docker(["create", "--name", "cli-ll", "--link-local-ip", "169.254.1.1", "busybox"]).code, 0);
      assert.equal(
        docker(["inspect", "-f", "{{json .NetworkSettings.Networks.bridge.IPAMConfig}}", "cli-ll"]).stdout,
        '{"LinkLocalIPs":["169.254.1.1"]}\n',
      );
      assert.equal(docker(["run", "-d", "--name", "cli-tgt", "busybox", "sleep", "60"]).code, 0);
      assert.equal(docker(["create", "--name", "cli-src", "--link", "cli-tgt:al", "busybox"]).code, 0);
      assert.deepEqual(docker(["rm", "--link", "/cli-src/al"]), { code: 0, stdout: "/cli-src/al\n", stderr: "" });
      assert.equal(docker(["inspect", "-f", "{{json .HostConfig.Links}}", "cli-src"]).stdout, "null\n");
      assert.deepEqual(docker(["rm", "--link", "/cli-src/al"]), {
        code: 1,
        stdout: "",
        stderr: "Error response from daemon: No such container: cli-src/al\n",
      });
      assert.match(
        docker(["rm", "-l", "cli-src"]).stderr,
        /^Error response from daemon: Conflict, cannot remove the default link name of the container/,
      );
      const sock = docker(["run", "--rm", "--use-api-socket", "busybox", "sh", "-c", "test -S /var/run/docker.sock && echo socket"]);
      assert.equal(sock.stdout, "socket\n", sock.stderr);
      docker(["rm", "-f", "cli-ll", "cli-src", "cli-tgt"]);
    },
  );
});

describe("run --use-api-socket without berth serve", { skip }, () => {
  test("fails, saying a running berth serve is missing", async () => {
    const { createTempRoot } = await import("../helpers/temp-root.js");
    const t = createTempRoot();
    try {
      const r = t.berth(["create", "--use-api-socket", "busybox"]);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^flag --use-api-socket needs a running 'berth serve' to mount its socket: none listens for runroot /);
    } finally {
      t.cleanup();
    }
  });
});
