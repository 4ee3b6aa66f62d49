// The seed's workflow with the real docker CLI (28 on these machines) against berth serve:
// DOCKER_HOST=unix://<socket> docker …, interactive `run -it` included. Skips when docker is absent.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";
import { startRegistry } from "../helpers/registry.js";

const DOCKER = ["/usr/local/bin/docker", "/usr/bin/docker"].find((p) => fs.existsSync(p));
const skip = !isRoot() ? "needs root" : !DOCKER ? "the docker CLI is not installed" : false;

describe("berth serve: the docker CLI", { skip }, () => {
  const served = useApiServer();
  const env = () => ({ ...process.env, DOCKER_HOST: served.server.dockerHost, DOCKER_CONFIG: `${served.server.t.dir}/docker-config` });

  function docker(args: string[], opts: { input?: string | Buffer; code?: number } = {}): { stdout: string; stderr: string; code: number } {
    const r = spawnSync(DOCKER!, args, { input: opts.input ?? "", env: env(), encoding: "utf8", timeout: 60_000 });
    const result = { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
    assert.equal(
      result.code,
      opts.code ?? 0,
      `docker ${args.join(" ")} exited ${result.code}: ${r.stderr}\nserver: ${served.server.log().slice(-2000)}`,
    );
    return result;
  }

  test("version and info negotiate API 1.41", () => {
    assert.equal(docker(["version", "--format", "{{.Server.APIVersion}}"]).stdout, "1.41\n");
    assert.equal(docker(["info", "--format", "{{.Images}} {{.OSType}}"]).stdout, "1 linux\n");
  });

  test("run in the foreground: output, exit codes, --rm, stdin, and the CLI's 125/126/127", () => {
    const r = docker(["run", "--name", "cli-fg", "busybox", "sh", "-c", "echo out1; echo err1 >&2; exit 3"], { code: 3 });
    assert.equal(r.stdout, "out1\n");
    assert.equal(r.stderr, "err1\n");
    assert.equal(docker(["run", "--rm", "-i", "busybox", "cat"], { input: "stdin-ok\n" }).stdout, "stdin-ok\n");
    assert.match(docker(["run", "--rm", "busybox", "nosuchcmd"], { code: 127 }).stderr, /executable file not found/);
    assert.match(docker(["run", "--rm", "busybox", "/etc"], { code: 126 }).stderr, /permission denied/);
    const taken = docker(["run", "--name", "cli-fg", "busybox", "true"], { code: 125 });
    assert.match(
      taken.stderr,
      /^docker: Error response from daemon: Conflict\. The container name "\/cli-fg" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.\n/,
    );
    // The missing image is pulled, from a loopback port where no registry listens.
    const missing = docker(["run", "127.0.0.1:1/nosuchimage-dapi"], { code: 125 });
    assert.match(
      missing.stderr,
      /Unable to find image '127\.0\.0\.1:1\/nosuchimage-dapi:latest' locally\ndocker: Error response from daemon: Get "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused/,
    );
    assert.equal(docker(["ps", "-a", "--format", "{{.Names}}"]).stdout, "cli-fg\n", "the --rm containers are gone, failed starts included");
  });

  test("several docker runs at once each get their own output and exit code", async () => {
    const { spawn } = await import("node:child_process");
    const before = docker(["ps", "-aq"]).stdout;
    const runs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(
        (i) =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(DOCKER!, ["run", "--rm", "busybox", "sh", "-c", `echo run-${i}; exit ${i}`], { env: env() });
            let out = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            child.on("exit", (code) => resolve({ code, out }));
          }),
      ),
    );
    assert.deepEqual(
      runs,
      [1, 2, 3, 4, 5, 6].map((i) => ({ code: i, out: `run-${i}\n` })),
    );
    assert.equal(docker(["ps", "-aq"]).stdout, before, "every --rm container is gone");
  });

  test("run -it through a terminal: the shell's echo, the exit code, --rm", () => {
    const dockerHost = served.server.dockerHost;
    const feed = "sleep 1.5; printf 'echo hi-$((40+2))\\r'; sleep 0.7; printf 'exit 3\\r'";
    const command = `stty cols 100 rows 30; DOCKER_HOST=${dockerHost} DOCKER_CONFIG=${served.server.t.dir}/docker-config ${DOCKER} run -it --rm busybox sh`;
    const r = spawnSync("bash", ["-c", `(${feed}) | script -eqfc '${command}' /dev/null`], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 3, r.stdout);
    assert.match(r.stdout, /hi-42/);
    assert.equal(docker(["ps", "-aq", "--filter", "status=running"]).stdout, "");
  });

  test("run -d, logs (-f, -t, --tail), exec, top, stop, kill, wait, rename, pause", () => {
    const id = docker(["run", "-d", "--name", "cli-d", "busybox", "sh", "-c", "echo L1; echo E1 >&2; sleep 300"]).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    let logs = docker(["logs", "cli-d"]);
    for (let i = 0; i < 50 && logs.stdout === ""; i++) {
      spawnSync("sleep", ["0.1"]);
      logs = docker(["logs", "cli-d"]);
    }
    assert.equal(logs.stdout, "L1\n");
    assert.equal(logs.stderr, "E1\n");
    assert.match(docker(["logs", "-t", "--tail", "1", "cli-d"]).stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z E1\n$/);
    const exec = docker(["exec", "cli-d", "sh", "-c", "echo in-exec; echo ee >&2; exit 4"], { code: 4 });
    assert.deepEqual([exec.stdout, exec.stderr], ["in-exec\n", "ee\n"]);
    assert.equal(docker(["exec", "-i", "cli-d", "cat"], { input: "piped\n" }).stdout, "piped\n");
    assert.match(docker(["exec", "cli-d", "nosuchcmd"], { code: 127 }).stdout, /executable file not found in \$PATH/);
    assert.match(docker(["top", "cli-d"]).stdout, /^UID +PID +PPID .*\n.*sleep 300/s);
    assert.match(docker(["ps", "--format", "{{.Names}} {{.Status}} {{.Command}}"]).stdout, /^cli-d Up .* "sh -c 'echo L1; ech…"\n$/);
    docker(["pause", "cli-d"]);
    assert.match(docker(["ps", "--format", "{{.Status}}"]).stdout, /\(Paused\)/);
    docker(["unpause", "cli-d"]);
    docker(["rename", "cli-d", "cli-d2"]);
    docker(["stop", "-t", "1", "cli-d2"]);
    assert.equal(docker(["wait", "cli-d2"]).stdout, "137\n");
    docker(["stop", "cli-d2"]); // 304: nothing to do, exit 0
    const notRunning = docker(["exec", "cli-d2", "true"], { code: 1 });
    assert.match(notRunning.stderr, /^Error response from daemon: Container [0-9a-f]{64} is not running\n$/);
    const killed = docker(["run", "-d", "--name", "cli-k", "busybox", "sleep", "300"]).stdout.trim();
    docker(["kill", "cli-k"]);
    assert.equal(docker(["wait", killed]).stdout, "137\n");
    assert.equal(docker(["rm", "-vf", "cli-d2", "cli-k"]).stdout, "cli-d2\ncli-k\n");
  });

  test("start -a and attach stream a container's output and take its exit code", () => {
    docker(["create", "--name", "cli-sa", "busybox", "sh", "-c", "echo started; exit 2"]);
    assert.equal(docker(["start", "-a", "cli-sa"], { code: 2 }).stdout, "started\n");
    assert.equal(docker(["start", "-a", "cli-sa"], { code: 2 }).stdout, "started\n", "a second start -a of a stopped container");
    docker(["run", "-d", "--name", "cli-at", "busybox", "sh", "-c", "sleep 1; echo late; exit 6"]);
    assert.equal(docker(["attach", "cli-at"], { code: 6 }).stdout, "late\n");
    docker(["rm", "cli-sa", "cli-at"]);
  });

  test("logs -f ends when the container exits", () => {
    docker(["run", "-d", "--name", "cli-f", "busybox", "sh", "-c", "for i in 1 2 3; do echo n$i; sleep 0.3; done"]);
    assert.equal(docker(["logs", "-f", "cli-f"]).stdout, "n1\nn2\nn3\n");
    docker(["rm", "cli-f"]);
  });

  test("the seed's image work: diff, commit -a -m -c, history, tag, images, inspect, rmi", () => {
    docker(["run", "--name", "tweak-d", "busybox", "rm", "/bin/vi"]);
    assert.equal(docker(["diff", "tweak-d"]).stdout, "C /bin\nD /bin/vi\n");
    docker(["run", "--name", "hw", "-e", "ENV_EXAMPLE1=Rich", "busybox", "touch", "/HelloWorld"]);
    assert.equal(docker(["diff", "hw"]).stdout, "A /HelloWorld\n");
    assert.match(docker(["commit", "-a", "@dockerinaction", "-m", "Added file", "hw", "hw_image"]).stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match(docker(["run", "--rm", "hw_image", "ls", "-l", "/HelloWorld"]).stdout, /\/HelloWorld\n$/);
    assert.equal(docker(["run", "--rm", "hw_image", "sh", "-c", "echo $ENV_EXAMPLE1"]).stdout, "Rich\n");
    docker(["commit", "-c", 'CMD ["echo", "from-cmd"]', "-c", "ENV X=1", "hw", "hw_image:c"]);
    assert.equal(docker(["run", "--rm", "hw_image:c"]).stdout, "from-cmd\n");
    const history = docker(["history", "hw_image"]).stdout.trim().split("\n");
    assert.equal(history.length, 3);
    assert.match(history[1]!, /^[0-9a-f]{12} .*touch \/HelloWorld .* Added file$/);
    docker(["tag", "hw_image", "myuser/myfirstrepo:mytag"]);
    docker(["tag", "myuser/myfirstrepo:mytag", "myuser/mod_ubuntu"]);
    const images = docker(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n");
    for (const name of ["hw_image:latest", "myuser/myfirstrepo:mytag", "myuser/mod_ubuntu:latest", "busybox:latest"])
      assert.ok(images.includes(name), images.join(","));
    const inspect = JSON.parse(docker(["inspect", "hw_image"]).stdout)[0];
    assert.equal(inspect.Author, "@dockerinaction");
    assert.equal(inspect.Comment, "Added file");
    assert.equal(docker(["inspect", "-f", "{{.State.ExitCode}} {{.Config.Cmd}}", "hw"]).stdout, "0 [touch /HelloWorld]\n");
    const nothing = docker(["inspect", "nosuchthing-dapi"], { code: 1 });
    assert.deepEqual([nothing.stdout, nothing.stderr], ["[]\n", "Error: No such object: nosuchthing-dapi\n"]);
    assert.equal(
      docker(["rmi", "myuser/mod_ubuntu", "myuser/myfirstrepo:mytag"]).stdout,
      "Untagged: myuser/mod_ubuntu:latest\nUntagged: myuser/myfirstrepo:mytag\n",
    );
    docker(["run", "--name", "user", "hw_image", "true"]);
    assert.match(
      docker(["rmi", "hw_image"], { code: 1 }).stderr,
      /^Error response from daemon: conflict: unable to remove repository reference "hw_image" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$/,
    );
    docker(["rm", "user"]);
    assert.equal(docker(["rmi", "nosuch-dapi"], { code: 1 }).stderr, "Error response from daemon: No such image: nosuch-dapi:latest\n");
    docker(["rm", "-vf", "tweak-d", "hw"]);
  });

  test("export, import (file, stdin, -c -m), cp both ways, save and load", () => {
    const dir = served.server.t.dir;
    docker(["run", "--name", "packer", "busybox", "cp", "/bin/busybox", "/echo"]);
    docker(["export", "-o", `${dir}/contents.tar`, "packer"]);
    const listing = spawnSync("tar", ["-tf", `${dir}/contents.tar`], { encoding: "utf8" }).stdout.split("\n");
    assert.ok(listing.includes("echo") && listing.includes("bin/busybox"));
    assert.match(docker(["import", `${dir}/contents.tar`, "flat"]).stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(docker(["run", "--rm", "flat", "/echo", "again"]).stdout, "again\n");
    docker(["import", "-", "flat:stdin"], { input: fs.readFileSync(`${dir}/contents.tar`) });
    docker(["import", "-c", 'CMD ["/echo", "imported-cmd"]', "-m", "msg here", `${dir}/contents.tar`, "flat:c"]);
    assert.equal(docker(["run", "--rm", "flat:c"]).stdout, "imported-cmd\n");
    assert.match(docker(["history", "flat:c"]).stdout, /msg here\n$/);
    fs.writeFileSync(`${dir}/note.txt`, "hello cp\n");
    docker(["cp", `${dir}/note.txt`, "packer:/etc/"]);
    docker(["cp", `${dir}/note.txt`, "packer:/renamed.txt"]);
    docker(["cp", "packer:/etc/note.txt", `${dir}/back.txt`]);
    assert.equal(fs.readFileSync(`${dir}/back.txt`, "utf8"), "hello cp\n");
    docker(["cp", "packer:/renamed.txt", `${dir}/back2.txt`]);
    assert.equal(fs.readFileSync(`${dir}/back2.txt`, "utf8"), "hello cp\n");
    assert.equal(
      docker(["cp", "packer:/nonexist", dir], { code: 1 }).stderr,
      "Error response from daemon: Could not find the file /nonexist in container packer\n",
    );
    assert.equal(
      docker(["cp", `${dir}/note.txt`, "packer:/nonexistdir/sub/x"], { code: 1 }).stderr,
      "Error response from daemon: Could not find the file /nonexistdir/sub in container packer\n",
    );
    assert.equal(
      docker(["cp", `${dir}/note.txt`, "packer:/bin/sh/x"], { code: 1 }).stderr,
      "Error response from daemon: extraction point is not a directory\n",
    );
    docker(["save", "-o", `${dir}/flat.tar`, "flat:c"]);
    docker(["rmi", "flat:c"]);
    assert.match(docker(["load", "-i", `${dir}/flat.tar`]).stdout, /Loaded image: flat:c\n/);
    const notTar = docker(["import", "-", "bad"], { input: "this is not a tar", code: 1 });
    assert.match(notTar.stderr, /^Error response from daemon: /);
    docker(["rm", "packer"]);
  });

  test("cp refuses read-only places and follows docker's placement rules through the API", () => {
    const dir = `${served.server.t.dir}/cp-rules`;
    fs.mkdirSync(`${dir}/dir/sub`, { recursive: true });
    fs.mkdirSync(`${dir}/tree/data`, { recursive: true });
    fs.mkdirSync(`${dir}/out`);
    fs.writeFileSync(`${dir}/file`, "f\n");
    fs.writeFileSync(`${dir}/dir/sub/s`, "s\n");
    fs.writeFileSync(`${dir}/tree/data/x`, "x\n");
    fs.writeFileSync(`${dir}/out/existing`, "e\n");
    // The CLI's last line; before a refusal of its own it may log that its tar writer saw the pipe close (so does it against dockerd).
    const fails = (args: string[], stderr: string) =>
      assert.equal(docker(args, { code: 1 }).stderr.replace(/^time=".*" level=error msg="Can't .*\n/gm, ""), stderr);
    docker(["create", "--name", "cli-ro", "--read-only", "-v", "cli-rw:/rw", "busybox", "true"]);
    fails(["cp", `${dir}/file`, "cli-ro:/"], "Error response from daemon: container rootfs is marked read-only\n");
    fails(["cp", `${dir}/file`, "cli-ro:/tmp/"], "Error response from daemon: container rootfs is marked read-only\n");
    fails(["cp", `${dir}/file`, "cli-ro:/nonexist/"], "no such directory\n");
    docker(["cp", `${dir}/file`, "cli-ro:/rw/"]);
    docker(["cp", "cli-ro:/etc/passwd", `${dir}/out/passwd`]);
    docker(["create", "--name", "cli-vro", "-v", "cli-vol:/data:ro", "busybox", "true"]);
    docker(["create", "--name", "cli-bro", "--mount", `type=bind,src=${dir}/dir,dst=/data,readonly`, "busybox", "true"]);
    for (const ctr of ["cli-vro", "cli-bro"]) {
      fails(["cp", `${dir}/file`, `${ctr}:/data/`], "Error response from daemon: mounted volume is marked read-only\n");
      fails(
        ["cp", `${dir}/tree/.`, `${ctr}:/`],
        "Error response from daemon: Error processing tar file(exit status 1): lchown /data: read-only file system\n",
      );
    }
    assert.deepEqual(fs.readdirSync(`${dir}/dir`), ["sub"], "the read-only bind's directory is untouched");
    docker(["run", "--name", "cli-links", "busybox", "sh", "-c", "ln -s /etc /link-to-dir"]);
    fails(["cp", `${dir}/file`, "cli-links:/nonexistent/"], "no such directory\n");
    fails(["cp", `${dir}/dir`, "cli-links:/etc/hostname"], "cannot copy directory\n");
    fails(
      ["cp", `${dir}/dir`, "cli-links:/etc/passwd/"],
      'Error response from daemon: Error processing tar file(exit status 1): cannot overwrite non-directory "/etc/passwd" with directory "/etc"\n',
    );
    docker(["cp", "cli-links:/link-to-dir/", `${dir}/out/a`]);
    assert.ok(
      fs.lstatSync(`${dir}/out/a`).isDirectory() && fs.existsSync(`${dir}/out/a/passwd`),
      "the directory the link names, not the link",
    );
    fails(["cp", "cli-links:/etc", `${dir}/out/existing`], "cannot copy directory\n");
    fails(["cp", "cli-links:/etc/passwd", `${dir}/out/nonexist/`], "no such directory\n");
    docker(["rm", "cli-ro", "cli-vro", "cli-bro", "cli-links"]);
    docker(["volume", "rm", "cli-vol", "cli-rw"]);
  });

  test("volumes, system df, container prune", () => {
    assert.equal(docker(["volume", "create", "cli-vol"]).stdout, "cli-vol\n");
    docker(["run", "--rm", "-v", "cli-vol:/data", "busybox", "sh", "-c", "echo kept > /data/f"]);
    assert.equal(docker(["run", "--rm", "-v", "cli-vol:/data", "busybox", "cat", "/data/f"]).stdout, "kept\n");
    assert.match(docker(["volume", "ls", "--format", "{{.Name}}"]).stdout, /^cli-vol$/m);
    assert.equal(JSON.parse(docker(["volume", "inspect", "cli-vol"]).stdout)[0].Name, "cli-vol");
    assert.match(docker(["system", "df"]).stdout, /^Images +\d+ +\d+ /m);
    docker(["run", "--name", "cli-prune", "busybox", "true"]);
    assert.match(docker(["container", "prune", "-f"]).stdout, /Deleted Containers:\n[0-9a-f]{64}\n/);
    docker(["volume", "rm", "cli-vol"]);
    docker(["run", "--name", "cli-prune2", "busybox", "true"]);
    assert.match(docker(["system", "prune", "-f"]).stdout, /Deleted Containers:\n[0-9a-f]{64}\n/);
    assert.match(docker(["network", "ls", "--format", "{{.Name}}"]).stdout, /^bridge\nhost\nnone\n$/);
  });

  test("docker events through the API", () => {
    const since = String(Date.now() / 1000);
    docker(["run", "--name", "cli-events", "busybox", "true"]);
    docker(["rm", "cli-events"]);
    const out = docker([
      "events",
      "--since",
      since,
      "--until",
      String(Date.now() / 1000 + 1),
      "--filter",
      "container=cli-events",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}}",
    ]).stdout;
    assert.equal(out, "create cli-events\nstart cli-events\ndie cli-events\ndestroy cli-events\n");
  });

  test("docker stats through the API", () => {
    const id = docker(["run", "-d", "--memory", "32m", "busybox", "sleep", "1000"]).stdout.trim();
    const line = docker(["stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}} {{.PIDs}}", id]).stdout.trim();
    assert.match(line, new RegExp(`^${id.slice(0, 12)} [\\d.]+(B|KiB|MiB) / 32MiB 1$`));
    docker(["rm", "-f", id]);
  });

  test("restart policies travel through the API", async () => {
    const id = docker(["run", "-d", "--restart", "on-failure:1", "busybox", "sh", "-c", "exit 7"]).stdout.trim();
    assert.equal(
      docker(["inspect", "-f", "{{json .HostConfig.RestartPolicy}}", id]).stdout.trim(),
      '{"Name":"on-failure","MaximumRetryCount":1}',
    );
    for (
      const end = Date.now() + 20_000;
      docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", id]).stdout.trim() !== "1 exited";
    ) {
      assert.ok(Date.now() < end, "the one retry did not happen");
      await new Promise((r) => setTimeout(r, 200));
    }
    docker(["rm", id]);
    assert.match(docker(["run", "--restart", "sometimes", "busybox", "true"], { code: 125 }).stderr, /invalid restart policy/);
  });

  test("login, push, pull and run through a registry with basic auth", async () => {
    const reg = await startRegistry({ mode: "basic" });
    try {
      const repo = `${reg.host}/api/busybox`;
      const refused = docker(["login", "-u", reg.username!, "--password-stdin", reg.host], { input: "wrong\n", code: 1 });
      assert.match(refused.stderr, new RegExp(`login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`));
      assert.match(
        docker(["login", "-u", reg.username!, "--password-stdin", reg.host], { input: `${reg.password}\n` }).stdout,
        /Login Succeeded/,
      );
      docker(["tag", "busybox", `${repo}:1`]);
      const pushed = docker(["push", `${repo}:1`]).stdout;
      assert.match(pushed, new RegExp(`^The push refers to repository \\[${reg.host}/api/busybox\\]$`, "m"));
      assert.match(pushed, /^[0-9a-f]{12}: Pushed$/m);
      const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed)?.[1];
      assert.ok(digest, pushed);
      docker(["rmi", `${repo}:1`]);
      const pulled = docker(["pull", `${repo}:1`]).stdout;
      assert.match(pulled, /^1: Pulling from api\/busybox$/m);
      assert.match(pulled, new RegExp(`^Digest: ${digest}$`, "m"));
      assert.match(pulled, new RegExp(`^Status: Downloaded newer image for ${repo}:1$`, "m"));
      assert.equal(docker(["run", "--rm", `${repo}:1`, "echo", "pulled-ok"]).stdout, "pulled-ok\n");
      assert.match(docker(["images", "--digests", "--format", "{{.Digest}}", repo]).stdout, new RegExp(`^${digest}$`, "m"));
      const nope = docker(["pull", `${repo}:nope`], { code: 1 });
      assert.equal(nope.stderr, `Error response from daemon: manifest for ${repo}:nope not found: manifest unknown: manifest unknown\n`);
      docker(["logout", reg.host]);
      const anonymous = docker(["pull", `${repo}:1`], { code: 1 });
      assert.match(anonymous.stderr, /pull access denied|unauthorized/);
      assert.match(docker(["search", "busybox"], { code: 1 }).stderr, /search is not supported by berth/);
    } finally {
      await reg.stop();
    }
  });
  test("what dockerd refuses at create and start: an unnamed variable, a working directory that is a file", async () => {
    const create = (body: object) =>
      served.server.request("POST", "/v1.41/containers/create", {
        body: JSON.stringify(body),
        headers: { "Content-Type": "application/json" },
      });
    // dockerd 20.10's answers, measured with curl.
    for (const [entry, message] of [
      ["", "invalid environment variable: "],
      ["=x", "invalid environment variable: =x"],
    ] as const) {
      const r = await create({ Image: "busybox", Cmd: ["env"], Env: [entry] });
      assert.equal(r.status, 400);
      assert.deepEqual(JSON.parse(r.body.toString()), { message });
    }
    const file = await create({ Image: "busybox", Cmd: ["pwd"], WorkingDir: "/bin/busybox" });
    assert.equal(file.status, 500);
    assert.deepEqual(JSON.parse(file.body.toString()), { message: "Cannot mkdir: /bin/busybox is not a directory" });
    const run = docker(["run", "--rm", "-w", "/bin/busybox", "busybox", "pwd"], { code: 125 });
    assert.equal(
      run.stderr,
      "docker: Error response from daemon: Cannot mkdir: /bin/busybox is not a directory\n\nRun 'docker run --help' for more information\n",
    );

    docker(["run", "--name", "cli-wfile", "-w", "/w", "busybox", "sh", "-c", "cd / && rmdir /w && touch /w"]);
    const start = docker(["start", "cli-wfile"], { code: 1 });
    assert.equal(
      start.stderr,
      "Error response from daemon: Cannot mkdir: /w is not a directory\nError: failed to start containers: cli-wfile\n",
    );
    const raw = await served.server.request("POST", "/v1.41/containers/cli-wfile/start");
    assert.equal(raw.status, 500);
    assert.deepEqual(JSON.parse(raw.body.toString()), { message: "Cannot mkdir: /w is not a directory" });
    assert.equal(
      docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{json .State.Error}}", "cli-wfile"]).stdout,
      'exited 128 "Cannot mkdir: /w is not a directory"\n',
    );
    const rm = docker(["rm", "-f", "nosuch-dapi", "cli-wfile"]);
    assert.deepEqual([rm.stdout, rm.stderr], ["cli-wfile\n", "Error response from daemon: No such container: nosuch-dapi\n"]);
  });
});
