// Dockerfile builds through `berth serve` by the three real clients (BUILD-API.md): the docker CLI 28
// (classic builder, POST /build), docker-compose 1.29 (through docker-py and through the CLI) and
// docker-py's images.build(); and POST /build's rm/forcerm as dockerd keeps or removes the step
// containers (§7). Run through scripts/run-tests.mjs: RUN steps on the default bridge stay in the
// tests' private network namespace.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { isRoot, outputOf, type RunResult } from "../helpers/temp-root.js";
import { useApiServer, type ApiServerHandle } from "../helpers/api-server.js";
import { buildTar } from "../helpers/tar-builder.js";

const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import docker"]).status === 0);
const COMPOSE = ["/usr/bin/docker-compose", "/usr/local/bin/docker-compose"].find((p) => fs.existsSync(p));
const skip = isRoot() ? false : "needs root";

/** Runs a client against the server, without blocking this process. */
function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: Buffer } = {},
): Promise<RunResult> {
  return outputOf(spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: "pipe" }), opts.input);
}

/** A context directory under the server's temp dir, from file names and contents. */
function context(server: ApiServerHandle, name: string, files: Record<string, string>): string {
  const dir = `${server.t.dir}/${name}`;
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [path, body] of Object.entries(files)) {
    fs.mkdirSync(`${dir}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    fs.writeFileSync(`${dir}/${path}`, body);
  }
  return dir;
}

async function inspectImage(
  server: ApiServerHandle,
  ref: string,
): Promise<{ Id: string; Config: { Labels: Record<string, string> | null; Cmd: string[] } }> {
  const r = await server.request("GET", `/v1.41/images/${encodeURIComponent(ref)}/json`);
  assert.equal(r.status, 200, `${ref}: ${r.body.toString()}`);
  return JSON.parse(r.body.toString());
}

/** Containers of the server, all of them, as "image-short-id status". */
async function containers(server: ApiServerHandle): Promise<{ Id: string; State: string; Command: string }[]> {
  const r = await server.request("GET", "/v1.41/containers/json?all=1");
  return JSON.parse(r.body.toString());
}

const TWO_STAGES = `FROM busybox AS builder
ARG GREETING=hello
RUN echo "$GREETING" > /greeting.txt
COPY app.txt /app.txt

FROM busybox
LABEL stage=final
COPY --from=builder /greeting.txt /greeting.txt
CMD ["cat", "/greeting.txt"]
`;

describe("docker build through berth serve (docker CLI 28, classic builder)", { skip: skip || (!DOCKER && "no docker CLI") }, () => {
  const served = useApiServer();
  const docker = (args: string[], input?: Buffer) =>
    run(DOCKER!, args, {
      env: { ...process.env, DOCKER_HOST: served.server.dockerHost, DOCKER_CONFIG: `${served.server.t.dir}/docker-config` },
      ...(input ? { input } : {}),
    });
  const ok = async (args: string[], input?: Buffer) => {
    const r = await docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}\n${r.stdout}\nserver: ${served.server.log().slice(-3000)}`);
    return r;
  };

  test("a two-stage build with two tags, a build arg and a label: dockerd's Step lines in order, then built and tagged", async () => {
    const { server } = served;
    const dir = context(server, "two", { Dockerfile: TWO_STAGES, "app.txt": "app\n" });
    const r = await ok(["build", "-t", "bb-two:1", "-t", "bb-two:2", "--build-arg", "GREETING=hi", "--label", "org.x=y", dir]);
    const steps = [...r.stdout.matchAll(/^Step (\d+)\/(\d+) : (.*)$/gm)].map((m) => `${m[1]}/${m[2]} ${m[3]}`);
    assert.deepEqual(steps, [
      "1/9 FROM busybox AS builder",
      "2/9 ARG GREETING=hello",
      '3/9 RUN echo "$GREETING" > /greeting.txt',
      "4/9 COPY app.txt /app.txt",
      "5/9 FROM busybox",
      "6/9 LABEL stage=final",
      "7/9 COPY --from=builder /greeting.txt /greeting.txt",
      '8/9 CMD ["cat", "/greeting.txt"]',
      "9/9 LABEL org.x=y",
    ]);
    // A metadata step makes no container when none is kept (rm is on): no "Running in" for it.
    assert.match(r.stdout, /Step 2\/9 : ARG GREETING=hello\n ---> [0-9a-f]{12}\n/);
    assert.match(r.stdout, /Step 3\/9 : RUN .*\n ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/);
    assert.match(r.stdout, /Step 4\/9 : COPY app.txt \/app.txt\n ---> [0-9a-f]{12}\n/, "COPY: no container");
    const image = await inspectImage(server, "bb-two:1");
    const short = image.Id.slice(7, 19);
    assert.match(r.stdout, new RegExp(`\\nSuccessfully built ${short}\\nSuccessfully tagged bb-two:1\\nSuccessfully tagged bb-two:2\\n$`));
    assert.equal((await inspectImage(server, "bb-two:2")).Id, image.Id);
    assert.deepEqual(image.Config.Labels, { stage: "final", "org.x": "y" });
    assert.deepEqual(image.Config.Cmd, ["cat", "/greeting.txt"]);
    const out = await ok(["run", "--rm", "bb-two:1"]);
    assert.equal(out.stdout, "hi\n");
    // No step container is left behind (rm is the CLI's default).
    assert.deepEqual(await containers(server), []);

    // The same build again: every step from the cache, the same image.
    const again = await ok(["build", "-t", "bb-two:1", "--build-arg", "GREETING=hi", "--label", "org.x=y", dir]);
    assert.equal(again.stdout.match(/ ---> Using cache\n/g)?.length, 7, again.stdout);
    assert.match(again.stdout, new RegExp(`Successfully built ${short}\\n`));

    const history = await ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "bb-two:1"]);
    assert.deepEqual(
      history.stdout
        .replace(/file:[0-9a-f]{64}/g, "file:X")
        .split("\n")
        .slice(0, 4),
      [
        "/bin/sh -c #(nop)  LABEL org.x=y",
        '/bin/sh -c #(nop)  CMD ["cat" "/greeting.txt"]',
        "/bin/sh -c #(nop) COPY file:X in /greeting.txt ",
        "/bin/sh -c #(nop)  LABEL stage=final",
      ],
    );
  });

  test("--target, -f, -q and --iidfile: the stage asked for, only the ID printed, and the ID in the file", async () => {
    const { server } = served;
    const dir = context(server, "target", { "build/App.Dockerfile": TWO_STAGES, "app.txt": "app\n" });
    const iid = `${server.t.dir}/iid`;
    const r = await ok([
      "build",
      "-q",
      "--target",
      "builder",
      "-f",
      `${dir}/build/App.Dockerfile`,
      "--iidfile",
      iid,
      "-t",
      "bb-builder",
      dir,
    ]);
    const image = await inspectImage(server, "bb-builder");
    assert.equal(r.stdout, `${image.Id}\n`);
    // With -q the CLI writes what it printed to the file, the newline too (it does so with dockerd).
    assert.equal(fs.readFileSync(iid, "utf8"), `${image.Id}\n`);
    const cat = await ok(["run", "--rm", "bb-builder", "cat", "/greeting.txt", "/app.txt"]);
    assert.equal(cat.stdout, "hello\napp\n");
  });

  test("--no-cache runs every step again; a failing RUN makes docker build exit with its code", async () => {
    const { server } = served;
    const dir = context(server, "nocache", { Dockerfile: "FROM busybox\nRUN echo built > /f\n" });
    const iid = `${server.t.dir}/iid-nc`;
    await ok(["build", "--iidfile", iid, "-t", "bb-nc", dir]);
    const first = (await inspectImage(server, "bb-nc")).Id;
    assert.equal(fs.readFileSync(iid, "utf8"), first, "the last aux message's ID");
    const again = await ok(["build", "--no-cache", "-t", "bb-nc", dir]);
    assert.doesNotMatch(again.stdout, /Using cache/);
    assert.match(again.stdout, /Running in/);
    assert.notEqual((await inspectImage(server, "bb-nc")).Id, first);

    const failing = context(server, "failing", { Dockerfile: "FROM busybox\nRUN echo to-stdout; echo to-stderr >&2; exit 3\n" });
    const before = (await containers(server)).length;
    const r = await docker(["build", failing]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /Step 2\/2 : RUN echo to-stdout; echo to-stderr >&2; exit 3\n ---> Running in [0-9a-f]{12}\nto-stdout\n/);
    assert.match(r.stderr + r.stdout, /to-stderr/);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo to-stdout; echo to-stderr >&2; exit 3' returned a non-zero code: 3/);
    // The failed RUN's container is kept, as dockerd keeps it without --force-rm (§7).
    assert.equal((await containers(server)).length, before + 1);
    const q = await docker(["build", "-q", failing]);
    assert.equal(q.code, 3);
    assert.match(q.stderr + q.stdout, /Step 2\/2 : RUN/, "-q still shows the log of a failed build");
  });

  test("docker build - < ctx.tar.gz: the gzip context as it is", async () => {
    const tar = await buildTar(
      [
        { type: "file", name: "Dockerfile", body: 'FROM busybox\nCOPY f.txt /f.txt\nCMD ["cat", "/f.txt"]\n' },
        { type: "file", name: "f.txt", body: "from-stdin\n" },
      ],
      { gzip: true },
    );
    await ok(["build", "-t", "bb-stdin", "-"], tar);
    assert.equal((await ok(["run", "--rm", "bb-stdin"])).stdout, "from-stdin\n");
  });
});

describe("docker-py, docker-compose and POST /build's rm and forcerm through berth serve", { skip }, () => {
  const served = useApiServer();

  test(
    "docker-py's images.build() returns the image; a failing build raises BuildError with the RUN's message",
    { skip: !PYTHON && "no python3 with the docker module" },
    async () => {
      const { server } = served;
      const good = context(server, "py-good", { Dockerfile: 'FROM busybox\nRUN echo py > /py.txt\nCMD ["cat", "/py.txt"]\n' });
      const bad = context(server, "py-bad", { Dockerfile: "FROM busybox\nRUN echo failing; exit 4\n" });
      const script = `
import docker, json, sys
c = docker.DockerClient(base_url=sys.argv[1])
image, logs = c.images.build(path=sys.argv[2], tag="bb-py:1")
out = {"id": image.id, "tags": image.tags, "log": "".join(m.get("stream", "") for m in logs)}
try:
    c.images.build(path=sys.argv[3], tag="bb-py:bad")
except docker.errors.BuildError as e:
    out["error"] = e.msg
    out["error_log"] = "".join(m.get("stream", "") for m in e.build_log)
print(json.dumps(out))
`;
      const before = (await containers(server)).length;
      const r = await run(PYTHON!, ["-c", script, server.dockerHost, good, bad]);
      assert.equal(r.code, 0, `${r.stderr}\nserver: ${server.log().slice(-3000)}`);
      const facts = JSON.parse(r.stdout) as { id: string; tags: string[]; log: string; error: string; error_log: string };
      assert.equal(facts.id, (await inspectImage(server, "bb-py:1")).Id);
      assert.deepEqual(facts.tags, ["bb-py:1"]);
      assert.match(facts.log, /Step 2\/3 : RUN echo py > \/py.txt\n ---> Running in [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
      assert.doesNotMatch(facts.log, /Removing intermediate container/, "docker-py's rm=False");
      assert.equal(facts.error, "The command '/bin/sh -c echo failing; exit 4' returned a non-zero code: 4");
      assert.match(facts.error_log, /failing\n/);
      // rm=False keeps every step container: the good build's RUN and CMD, the bad build's RUN (§7).
      assert.equal((await containers(server)).length, before + 3);
    },
  );

  test("POST /build with rm=false keeps the step containers; forcerm removes a failed one", async () => {
    const { server } = served;
    const post = async (query: string, dockerfile: string) => {
      const body = await buildTar([{ type: "file", name: "Dockerfile", body: dockerfile }]);
      const r = await server.request("POST", `/v1.41/build?${query}`, { body, headers: { "Content-Type": "application/x-tar" } });
      assert.equal(r.status, 200, r.body.toString());
      return r.body.toString();
    };
    const count = async () => (await containers(server)).length;
    const start = await count();
    const kept = await post("t=bb-rm&rm=0&nocache=1", "FROM busybox\nENV A=b\nRUN true\n");
    assert.match(kept, /Successfully built/);
    assert.doesNotMatch(kept, /Removing intermediate container/);
    const after = await containers(server);
    assert.equal(after.length, start + 2, "ENV's never started container and RUN's");
    assert.deepEqual(
      // The newest first: RUN's ran, ENV's was only created.
      after.slice(0, 2).map((c) => c.State),
      ["exited", "created"],
    );

    const forced = await post("t=bb-rm&forcerm=1", "FROM busybox\nRUN exit 5\n");
    assert.match(forced, /"errorDetail":\{"code":5,/);
    assert.equal(await count(), start + 2, "forcerm: the failed step's container is removed too");
  });

  for (const viaCli of [false, true]) {
    test(
      `docker-compose build ${viaCli ? "through the docker CLI (its default)" : "through docker-py (COMPOSE_DOCKER_CLI_BUILD=0)"} with args, target and labels, then up`,
      { skip: (!COMPOSE && "no docker-compose") || (viaCli && !DOCKER && "no docker CLI") },
      async () => {
        const { server } = served;
        const project = viaCli ? "bcli" : "bpy";
        const dir = context(server, project, {
          Dockerfile: `FROM busybox AS base
ARG GREETING=hello
RUN echo "$GREETING from ${project}" > /greeting.txt
CMD ["cat", "/greeting.txt"]

FROM base AS unused
RUN exit 9
`,
          "docker-compose.yml": `version: "2.4"
services:
  app:
    build:
      context: .
      target: base
      args:
        GREETING: hi
      labels:
        org.example.built-by: compose
`,
        });
        const env = {
          ...process.env,
          DOCKER_HOST: server.dockerHost,
          DOCKER_CONFIG: `${server.t.dir}/docker-config`,
          COMPOSE_INTERACTIVE_NO_CLI: "1",
          COMPOSE_DOCKER_CLI_BUILD: viaCli ? "1" : "0",
        };
        const compose = async (args: string[]) => {
          const r = await run(COMPOSE!, ["-p", project, ...args], { cwd: dir, env });
          assert.equal(r.code, 0, `docker-compose ${args.join(" ")}: ${r.stderr}\n${r.stdout}\nserver: ${server.log().slice(-3000)}`);
          return r;
        };
        try {
          const built = await compose(["build"]);
          assert.match(built.stdout + built.stderr, /Successfully tagged b(cli|py)_app:latest/);
          const image = await inspectImage(server, `${project}_app`);
          assert.equal(image.Config.Labels?.["org.example.built-by"], "compose");
          const up = await compose(["up", "--no-color"]);
          assert.match(up.stdout, new RegExp(`app_1 +\\| hi from ${project}`));
        } finally {
          await run(COMPOSE!, ["-p", project, "down", "-t", "0"], { cwd: dir, env });
        }
      },
    );
  }
});
