// docker-compose 1.29 (Debian's package, which scripts/setup.sh installs) against `berth serve`:
// projects brought up, inspected, exec'd into, run once, recreated after an edit and taken down,
// through the calls COMPOSE.md lists. Run through scripts/run-tests.mjs: published ports, bridges
// and host-network services stay in the tests' private network namespace.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { spawn } from "node:child_process";
import { isRoot, type RunResult } from "../helpers/temp-root.js";
import { useApiServer, type ApiServerHandle } from "../helpers/api-server.js";

const skip = isRoot() ? false : "needs root";

/** docker-compose in `dir` against the server; a missing docker-compose fails the test, as setup installs it. */
function compose(server: ApiServerHandle, dir: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker-compose", args, {
      cwd: dir,
      env: { ...process.env, DOCKER_HOST: server.dockerHost, COMPOSE_INTERACTIVE_NO_CLI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new Error("docker-compose is not installed: scripts/setup.sh installs it (apt-get install -y docker-compose)")
          : err,
      ),
    );
    child.on("close", (code) => resolve({ code: code ?? 128 + 9, stdout, stderr }));
  });
}

/** A port nothing listens on now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (ok(last as T)) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`${what}: last seen ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The names of a project's containers, through the API as compose looks for them. */
async function projectContainers(server: ApiServerHandle, project: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const res = await server.request("GET", `/v1.41/containers/json?all=1&filters=${filters}`);
  assert.equal(res.status, 200, res.body.toString());
  return (JSON.parse(res.body.toString()) as { Names: string[] }[]).map((c) => c.Names[0]!.slice(1)).sort();
}

function projectDir(server: ApiServerHandle, name: string, yaml: string): string {
  const dir = `${server.t.dir}/${name}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/docker-compose.yml`, yaml);
  return dir;
}

/** The API requests the server logged after `from` (its stderr length then), as "METHOD path". */
function requestsSince(server: ApiServerHandle, from: number): string[] {
  return [
    ...server
      .log()
      .slice(from)
      .matchAll(/msg="(GET|POST|DELETE|HEAD|PUT) (\S+) → /g),
  ].map((m) => `${m[1]} ${m[2]}`);
}

describe("docker-compose through berth serve", { skip }, () => {
  const served = useApiServer();

  async function ok(dir: string, args: readonly string[]): Promise<RunResult> {
    const r = await compose(served.server, dir, args);
    assert.equal(r.code, 0, `docker-compose ${args.join(" ")}: ${r.stderr}\nserver: ${served.server.log().slice(-3000)}`);
    return r;
  }

  test("a web service and a client that reaches it by its service name: up, ps, logs, a published port, exec, down", async () => {
    const { server } = served;
    const port = await freePort();
    const project = "capnet";
    const dir = projectDir(
      server,
      project,
      `version: "2.4"
services:
  web:
    image: busybox
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 1s
    command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
  client:
    image: busybox
    depends_on: [web]
    stop_grace_period: 1s
    command: ["sh", "-c", "until wget -qO- http://web:8080/; do sleep 0.2; done; exec sleep 300"]
`,
    );
    try {
      const up = await ok(dir, ["-p", project, "up", "-d"]);
      assert.match(up.stderr, /Creating network "capnet_default" with the default driver/);
      const ps = await ok(dir, ["-p", project, "ps"]);
      assert.match(ps.stdout, new RegExp(`capnet_web_1 .* Up +127\\.0\\.0\\.1:${port}->8080/tcp`));
      assert.match(ps.stdout, /capnet_client_1 .* Up/);
      assert.equal(
        await eventually(
          "the published port",
          () => get(port),
          (b) => b !== "",
        ),
        "hello-from-web\n",
      );
      await eventually(
        "the client's fetch by service name in its logs",
        async () => (await ok(dir, ["-p", project, "logs", "--no-color", "client"])).stdout,
        (out) => /client_1 +\| hello-from-web/.test(out),
      );
      const exec = await ok(dir, ["-p", project, "exec", "-T", "client", "wget", "-qO-", "http://web:8080/"]);
      assert.equal(exec.stdout, "hello-from-web\n");
      const down = await ok(dir, ["-p", project, "down", "-t", "0"]);
      assert.match(down.stderr, /Removing network capnet_default/);
      assert.deepEqual(await projectContainers(server, project), []);
      assert.equal((await server.request("GET", "/v1.41/networks/capnet_default")).status, 404);
    } finally {
      await compose(server, dir, ["-p", project, "down", "-v", "-t", "0"]);
    }
  });

  test("host-network services: up, ps, logs, exec, run --rm, a recreate after an edit, down", async () => {
    const { server } = served;
    const port = await freePort();
    const project = "caphost";
    const yaml = (greeting: string): string => `version: "2.4"
services:
  web:
    image: busybox
    network_mode: host
    stop_grace_period: 1s
    command: ["sh", "-c", "mkdir -p /www && echo ${greeting} > /www/index.html && echo web-ready && exec httpd -f -p 127.0.0.1:${port} -h /www"]
  client:
    image: busybox
    network_mode: host
    depends_on: [web]
    stop_grace_period: 1s
    command: ["sh", "-c", "until wget -qO- http://127.0.0.1:${port}/; do sleep 0.2; done; exec sleep 300"]
`;
    const dir = projectDir(server, project, yaml("hello-v1"));
    const start = server.log().length;
    try {
      // A one-off first: compose brings up what it depends on (web), then runs it. Without the docker
      // CLI (COMPOSE_INTERACTIVE_NO_CLI) it goes through docker-py: start, attach each stream, start
      // again if it no longer runs (so a command quicker than that runs twice on dockerd too:
      // docker/compose#3283; this one sleeps first), wait, remove.
      const from = server.log().length;
      const run = await compose(server, dir, ["-p", project, "run", "--rm", "-T", "client", "sh", "-c", "sleep 1; echo one-off; exit 3"]);
      assert.deepEqual([run.code, run.stdout], [3, "one-off\n"], run.stderr);
      const runCalls = requestsSince(server, from)
        .filter((r) => /^POST .*\/(attach|wait|start)\b|^DELETE/.test(r))
        .slice(1); // the first start is web's, which run brings up first
      assert.deepEqual(
        runCalls.map((r) => r.replace(/[0-9a-f]{64}/, "ID")),
        [
          "POST /v1.41/containers/ID/start",
          "POST /v1.41/containers/ID/attach?stdin=1&stream=1&logs=False",
          "POST /v1.41/containers/ID/attach?stdout=1&stream=1&logs=False",
          "POST /v1.41/containers/ID/attach?stderr=1&stream=1&logs=False",
          "POST /v1.41/containers/ID/wait",
          "DELETE /v1.41/containers/ID?v=True&link=False&force=True",
        ],
      );
      assert.deepEqual(await projectContainers(server, project), ["caphost_web_1"], "the one-off is removed, its dependency left up");
      const up = await ok(dir, ["-p", project, "up", "-d"]);
      assert.match(up.stderr, /caphost_web_1 is up-to-date/);
      assert.match(up.stderr, /Creating caphost_client_1 +\.\.\. done/);
      // Every service has its own network mode: compose makes no default network, and asks for none.
      assert.deepEqual(
        requestsSince(server, start).filter((r) => r.includes("/networks")),
        [],
      );
      const ps = await ok(dir, ["-p", project, "ps"]);
      assert.match(ps.stdout, /caphost_client_1 .* Up/);
      assert.match(ps.stdout, /caphost_web_1 .* Up/);
      assert.equal(
        await eventually(
          "web's page",
          () => get(port),
          (b) => b !== "",
        ),
        "hello-v1\n",
      );
      const logs = await eventually(
        "the client's fetch in the logs",
        async () => (await ok(dir, ["-p", project, "logs", "--no-color"])).stdout,
        (out) => /client_1 +\| hello-v1/.test(out),
      );
      assert.match(logs, /web_1 +\| web-ready/);
      const tail = await ok(dir, ["-p", project, "logs", "--no-color", "-t", "--tail", "1", "web"]);
      assert.match(tail.stdout, /web_1 +\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z web-ready\n/);

      const exec = await compose(server, dir, ["-p", project, "exec", "-T", "client", "sh", "-c", "echo in-exec; exit 5"]);
      assert.deepEqual([exec.code, exec.stdout], [5, "in-exec\n"], exec.stderr);

      const webId = async (): Promise<string> => {
        const res = await server.request("GET", "/v1.41/containers/caphost_web_1/json");
        return String((JSON.parse(res.body.toString()) as { Id: string }).Id);
      };
      const oldId = await webId();
      fs.writeFileSync(`${dir}/docker-compose.yml`, yaml("hello-v2"));
      const before = server.log().length;
      const recreate = await ok(dir, ["-p", project, "up", "-d"]);
      assert.match(recreate.stderr, /Recreating caphost_web_1 +\.\.\. done/);
      assert.match(recreate.stderr, /caphost_client_1 is up-to-date/);
      const short = oldId.slice(0, 12);
      const steps = requestsSince(server, before).filter((r) => /\/(stop|rename|create|start)\b|^DELETE/.test(r));
      assert.deepEqual(
        steps.map((r) => r.replace(/[0-9a-f]{64}/, (id) => (id === oldId ? "OLD" : "NEW"))),
        [
          "POST /v1.41/containers/OLD/stop?t=1",
          `POST /v1.41/containers/OLD/rename?name=${short}_caphost_web_1`,
          "POST /v1.41/containers/create?name=caphost_web_1",
          "POST /v1.41/containers/NEW/start",
          "DELETE /v1.41/containers/OLD?v=False&link=False&force=False",
        ],
      );
      assert.notEqual(await webId(), oldId);
      assert.equal(
        await eventually(
          "the new web's page",
          () => get(port),
          (b) => b === "hello-v2\n",
        ),
        "hello-v2\n",
      );

      const down = await ok(dir, ["-p", project, "down", "-t", "0"]);
      assert.match(down.stderr, /Removing caphost_web_1 +\.\.\. done/);
      assert.deepEqual(await projectContainers(server, project), []);
    } finally {
      await compose(server, dir, ["-p", project, "down", "-v", "-t", "0"]);
    }
  });

  test("a bridge service with a published port, a named volume and a kept health check; two projects apart by labels", async () => {
    const { server } = served;
    const port = await freePort();
    const dir = projectDir(
      server,
      "capbr",
      `version: "2.4"
services:
  web:
    image: busybox
    network_mode: bridge
    ports: ["127.0.0.1:${port}:8080"]
    volumes: ["data:/data"]
    environment: [GREETING=hi-from-bridge]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]
      interval: 1s
    stop_grace_period: 1s
    command: ["sh", "-c", "echo $$GREETING > /data/index.html && exec httpd -f -p 8080 -h /data"]
volumes:
  data: {}
`,
    );
    // Another project with a service of the same name: compose tells them apart by the project label alone.
    const other = projectDir(
      server,
      "capnone",
      `version: "2.4"
services:
  web:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    command: ["sleep", "300"]
`,
    );
    try {
      const up = await ok(dir, ["-p", "capbr", "up", "-d"]);
      assert.match(up.stderr, /Creating volume "capbr_data" with default driver/);
      await ok(other, ["-p", "capnone", "up", "-d"]);
      const ps = await ok(dir, ["-p", "capbr", "ps"]);
      assert.match(ps.stdout, new RegExp(`capbr_web_1 .* Up( \\((healthy|health: starting)\\))? +127\\.0\\.0\\.1:${port}->8080/tcp`));
      assert.doesNotMatch(ps.stdout, /capnone/);
      assert.match((await ok(other, ["-p", "capnone", "ps"])).stdout, /capnone_web_1 .* Up/);
      assert.deepEqual(await projectContainers(server, "capnone"), ["capnone_web_1"]);
      assert.equal(
        await eventually(
          "the published port",
          () => get(port),
          (b) => b !== "",
        ),
        "hi-from-bridge\n",
      );

      const res = await server.request("GET", "/v1.41/containers/capbr_web_1/json");
      const json = JSON.parse(res.body.toString()) as { Config: { Healthcheck: unknown }; State: Record<string, unknown> };
      assert.deepEqual(json.Config.Healthcheck, { Test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"], Interval: 1000000000 });
      await eventually(
        "web's health check passing",
        async () =>
          (
            JSON.parse((await server.request("GET", "/v1.41/containers/capbr_web_1/json")).body.toString()) as {
              State: { Health?: { Status: string } };
            }
          ).State.Health?.Status,
        (status) => status === "healthy",
      );
      const volume = JSON.parse((await server.request("GET", "/v1.41/volumes/capbr_data")).body.toString()) as { Labels: unknown };
      assert.deepEqual(volume.Labels, {
        "com.docker.compose.project": "capbr",
        "com.docker.compose.version": "1.29.2",
        "com.docker.compose.volume": "data",
      });

      const down = await ok(dir, ["-p", "capbr", "down", "-v", "-t", "0"]);
      assert.match(down.stderr, /Removing volume capbr_data/);
      assert.deepEqual(await projectContainers(server, "capbr"), []);
      assert.equal((await server.request("GET", "/v1.41/volumes/capbr_data")).status, 404);
      assert.deepEqual(await projectContainers(server, "capnone"), ["capnone_web_1"], "the other project is untouched");
      await ok(other, ["-p", "capnone", "down", "-t", "0"]);
      assert.deepEqual(await projectContainers(server, "capnone"), []);
    } finally {
      await compose(server, dir, ["-p", "capbr", "down", "-v", "-t", "0"]);
      await compose(server, other, ["-p", "capnone", "down", "-v", "-t", "0"]);
    }
  });

  test("depends_on condition service_healthy waits for the health check to pass, and fails on an unhealthy service", async () => {
    const { server } = served;
    const dir = projectDir(
      server,
      "caphealth",
      `version: "2.4"
services:
  db:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 300"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 30
  app:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
    command: ["sleep", "300"]
`,
    );
    const bad = projectDir(
      server,
      "capsick",
      `version: "2.4"
services:
  db:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    command: ["sleep", "300"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1
  app:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
    command: ["sleep", "300"]
`,
    );
    type Inspected = { State: { StartedAt: string; Health?: { Status: string; Log: { End: string; ExitCode: number }[] } } };
    const inspect = async (name: string): Promise<Inspected> =>
      JSON.parse((await server.request("GET", `/v1.41/containers/${name}/json`)).body.toString()) as Inspected;
    try {
      await ok(dir, ["-p", "caphealth", "up", "-d"]);
      const db = await inspect("caphealth_db_1");
      assert.equal(db.State.Health?.Status, "healthy");
      const passed = db.State.Health.Log.find((l) => l.ExitCode === 0)!;
      const app = await inspect("caphealth_app_1");
      assert.ok(
        Date.parse(app.State.StartedAt) >= Date.parse(passed.End),
        `app started ${app.State.StartedAt}, db healthy at ${passed.End}`,
      );
      assert.match((await ok(dir, ["-p", "caphealth", "ps"])).stdout, /caphealth_db_1 .* Up \(healthy\)/);

      const sick = await compose(server, bad, ["-p", "capsick", "up", "-d"]);
      assert.notEqual(sick.code, 0, sick.stderr);
      assert.match(sick.stderr, /is unhealthy/);
      assert.equal(
        (await server.request("GET", "/v1.41/containers/capsick_app_1/json")).status,
        404,
        "the dependent service was never made",
      );
    } finally {
      await compose(server, dir, ["-p", "caphealth", "down", "-v", "-t", "0"]);
      await compose(server, bad, ["-p", "capsick", "down", "-v", "-t", "0"]);
    }
  });

  test("a service asking for what berth lacks (isolation) fails at its create with berth's message, and nothing is left", async () => {
    const { server } = served;
    const dir = projectDir(
      server,
      "caplack",
      `version: "2.4"
services:
  app:
    image: busybox
    network_mode: none
    isolation: hyperv
    command: ["sleep", "300"]
`,
    );
    try {
      const up = await compose(server, dir, ["-p", "caplack", "up", "-d"]);
      assert.equal(up.code, 1, up.stderr);
      // dockerd's own refusal: Linux has no hyperv isolation.
      assert.match(up.stderr, /Invalid isolation: "hyperv" - linux only supports 'default'/);
      assert.deepEqual(await projectContainers(server, "caplack"), []);
    } finally {
      await compose(server, dir, ["-p", "caplack", "down", "-v", "-t", "0"]);
    }
  });
});
