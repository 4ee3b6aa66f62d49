// The wire protocol of berth serve, byte for byte where clients depend on it (DOCKER-API.md):
// versions and headers, error bodies and codes, the hijacked attach and exec streams, wait's early
// headers, hostile input, several clients at once, clients that hang up, TCP, SIGTERM.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as http from "node:http";
import { isRoot, mountsUnder } from "../helpers/temp-root.js";
import { startApiServer, useApiServer } from "../helpers/api-server.js";

const json = (body: Buffer) => JSON.parse(body.toString()) as Record<string, unknown>;
const JSON_HEADERS = { "Content-Type": "application/json" };

/** A raw request on its own connection; resolves with everything the server sent until it closed. */
function rawExchange(socketPath: string, request: string, opts: { closeWrite?: boolean; timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no end of stream; got ${Buffer.concat(chunks).toString()}`));
    }, opts.timeoutMs ?? 15_000);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => {
      clearTimeout(timer);
      s.end();
      resolve(Buffer.concat(chunks));
    });
    s.on("error", reject);
    s.write(request);
    if (opts.closeWrite) s.end();
  });
}

/** Sends the start of a request and resolves with the first response bytes, without sending more. */
function rawResponse(socketPath: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let got = "";
    s.on("data", (c: Buffer) => {
      got += c.toString();
      if (got.includes("\r\n\r\n") && /\}\n?$/.test(got)) {
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", reject);
    s.write(request);
    setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer: ${got}`));
    }, 10_000);
  });
}

/** Splits stdcopy frames: [[stream, text], …]. */
function frames(data: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let off = 0; off + 8 <= data.length;) {
    const size = data.readUInt32BE(off + 4);
    out.push([data[off]!, data.subarray(off + 8, off + 8 + size).toString()]);
    off += 8 + size;
  }
  return out;
}

function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

describe("berth serve: protocol", { skip: !isRoot() && "needs root" }, () => {
  const served = useApiServer();

  test("HEAD and GET /_ping carry Api-Version 1.41 and dockerd's headers", async () => {
    const { server } = served;
    const head = await server.request("HEAD", "/_ping");
    assert.equal(head.status, 200);
    assert.equal(head.headers["api-version"], "1.41");
    assert.equal(head.headers["ostype"], "linux");
    assert.equal(head.headers["docker-experimental"], "false");
    assert.equal(head.headers["content-length"], "0");
    const get = await server.request("GET", "/v1.41/_ping");
    assert.equal(get.body.toString(), "OK");
    assert.equal(get.headers["content-type"], "text/plain; charset=utf-8");
  });

  test("swarm paths answer as a dockerd outside any swarm (measured on 20.10), after their own checks", async () => {
    const { server } = served;
    const notManager =
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
    const ask = async (method: string, path: string, body?: string) => {
      const r = await server.request(method, path, body === undefined ? {} : { body, headers: { "Content-Type": "application/json" } });
      return [r.status, (json(r.body) as { message: string }).message];
    };
    for (const path of [
      "/swarm",
      "/v1.41/swarm/unlockkey",
      "/nodes",
      "/nodes/n1",
      "/services",
      "/services/s1",
      "/tasks",
      "/tasks/t1",
      "/secrets",
      "/secrets/x",
      "/configs",
      "/configs/x",
    ]) {
      assert.deepEqual(await ask("GET", path), [503, notManager], path);
    }
    for (const path of ["/nodes/n1", "/services/s1", "/secrets/x", "/configs/x"])
      assert.deepEqual(await ask("DELETE", path), [503, notManager], path);
    for (const path of [
      "/services/create",
      "/secrets/create",
      "/configs/create",
      "/swarm/unlock",
      "/services/s1/update?version=3",
      "/swarm/update?version=1",
    ]) {
      assert.deepEqual(await ask("POST", path, "{}"), [503, notManager], path);
    }
    assert.deepEqual(await ask("POST", "/swarm/leave"), [503, "This node is not part of a swarm"]);
    assert.deepEqual(await ask("POST", "/nodes/n1/update", "{}"), [
      400,
      `invalid node version '': strconv.ParseUint: parsing "": invalid syntax`,
    ]);
    assert.deepEqual(await ask("POST", "/secrets/x/update", "{}"), [400, "invalid secret version"]);
    assert.deepEqual(await ask("GET", "/services/s1/logs"), [500, "Bad parameters: you must choose at least one stream"]);
    assert.deepEqual(await ask("GET", "/tasks/t1/logs?stdout=1"), [503, notManager]);
    assert.equal((await ask("POST", "/services/create", "{x"))[0], 400, "a bad body is refused before the swarm is looked for");
    assert.equal((await ask("POST", "/swarm/init", "{}"))[0], 501);
    assert.equal((await server.request("GET", "/swarm/nothing")).status, 404);
  });

  test("/version answers with and without a version prefix; versions out of range get dockerd's 400", async () => {
    const { server } = served;
    const plain = json((await server.request("GET", "/version")).body);
    assert.equal(plain.ApiVersion, "1.41");
    assert.equal(plain.MinAPIVersion, "1.24");
    assert.equal(json((await server.request("GET", "/v1.41/version")).body).ApiVersion, "1.41");
    const old = await server.request("GET", "/v1.11/version");
    assert.equal(old.status, 400);
    assert.equal(
      json(old.body).message,
      "client version 1.11 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
    );
    const tooNew = await server.request("GET", "/v1.99/version");
    assert.equal(tooNew.status, 400);
    assert.equal(json(tooNew.body).message, "client version 1.99 is too new. Maximum supported API version is 1.50");
    const info = json((await server.request("GET", "/info")).body);
    assert.equal((info.Swarm as Record<string, unknown>).LocalNodeState, "inactive");
    assert.equal(info.Images, 1);
  });

  test("errors are {message} with Content-Type exactly application/json and Docker's codes and words", async () => {
    const { server } = served;
    const cases: [string, string, number, string][] = [
      ["GET", "/v1.41/nosuch/route", 404, "page not found"],
      ["GET", "/containers/nosuch/json", 404, "No such container: nosuch"],
      ["GET", "/images/nosuch/history", 404, "No such image: nosuch:latest"],
      ["GET", "/images/nosuch/json", 404, "no such image: nosuch: No such image: nosuch:latest"],
      ["DELETE", "/images/nosuch", 404, "No such image: nosuch:latest"],
      ["GET", "/exec/nosuch/json", 404, "No such exec instance: nosuch"],
      ["GET", "/volumes/nosuch", 404, "get nosuch: no such volume"],
      // A registry that is not there (loopback port 1): the pull fails before its stream begins.
      [
        "POST",
        "/images/create?fromImage=127.0.0.1%3A1%2Falpine&tag=latest",
        503,
        'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      ],
    ];
    for (const [method, path, status, message] of cases) {
      const r = await server.request(method, path);
      assert.equal(r.status, status, `${method} ${path}`);
      assert.equal(r.headers["content-type"], "application/json", `${method} ${path}`);
      assert.deepEqual(json(r.body), { message }, `${method} ${path}`);
    }
  });

  test("create refuses bad JSON, wrong types, other content types and huge bodies with 400, and ignores unknown fields", async () => {
    const { server } = served;
    const bad = await server.request("POST", "/containers/create", { body: "bogus{", headers: JSON_HEADERS });
    assert.equal(bad.status, 400);
    assert.equal(json(bad.body).message, "invalid character 'b' looking for beginning of value");
    const truncated = await server.request("POST", "/containers/create", { body: '{"Image":', headers: JSON_HEADERS });
    assert.deepEqual([truncated.status, json(truncated.body).message], [400, "unexpected EOF"]);
    const wrongType = await server.request("POST", "/containers/create", {
      body: JSON.stringify({ Image: "busybox", Cmd: 5 }),
      headers: JSON_HEADERS,
    });
    assert.deepEqual(
      [wrongType.status, json(wrongType.body).message],
      [400, "json: cannot unmarshal number into Go struct field container.Config.Cmd of type []string"],
    );
    const text = await server.request("POST", "/containers/create", { body: "{}", headers: { "Content-Type": "text/plain" } });
    assert.deepEqual([text.status, json(text.body).message], [400, "Content-Type specified (text/plain) must be 'application/json'"]);
    // A body declared larger than the limit is refused before it is sent (the answer is read with
    // the body still unsent, so no write of ours races the server's close).
    const huge = await rawResponse(
      server.socket,
      `POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 << 20}\r\n\r\n{"Image":`,
    );
    assert.match(huge, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(huge, /\{"message":"request body of 5242880 bytes exceeds the limit of 4194304 bytes"\}/);
    const chunked = await server
      .request("POST", "/containers/create", {
        body: Buffer.alloc(4 << 20, 0x20),
        headers: { ...JSON_HEADERS, "Transfer-Encoding": "chunked" },
      })
      .catch((err: NodeJS.ErrnoException) => err.code);
    assert.ok(chunked === "EPIPE" || chunked === "ECONNRESET" || (typeof chunked === "object" && chunked.status === 400), String(chunked));
    const unknown = await server.request("POST", "/containers/create?name=api-unknown", {
      body: JSON.stringify({ Image: "busybox", Cmd: ["true"], NoSuchField: { deep: [1] }, name: "ignored" }),
      headers: JSON_HEADERS,
    });
    assert.equal(unknown.status, 201, unknown.body.toString());
    assert.match(String(json(unknown.body).Id), /^[0-9a-f]{64}$/);
    const conflict = await server.request("POST", "/containers/create?name=api-unknown", {
      body: JSON.stringify({ Image: "busybox" }),
      headers: JSON_HEADERS,
    });
    assert.equal(conflict.status, 409);
    assert.equal(
      json(conflict.body).message,
      `Conflict. The container name "/api-unknown" is already in use by container "${json(unknown.body).Id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    const badName = await server.request("POST", "/containers/create?name=bad/name", {
      body: JSON.stringify({ Image: "busybox" }),
      headers: JSON_HEADERS,
    });
    assert.deepEqual(
      [badName.status, json(badName.body).message],
      [400, "Invalid container name (bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"],
    );
    const noImage = await server.request("POST", "/containers/create", {
      body: JSON.stringify({ Image: "nosuchimage-dapi" }),
      headers: JSON_HEADERS,
    });
    assert.deepEqual([noImage.status, json(noImage.body).message], [404, "No such image: nosuchimage-dapi:latest"]);
    assert.equal((await server.request("DELETE", "/containers/api-unknown")).status, 204);
    assert.equal((await server.request("GET", "/_ping")).status, 200);
  });

  test("attach before start streams framed stdout and stderr on a 101, ends at exit, and wait's headers come first", async () => {
    const { server } = served;
    const created = await server.request("POST", "/containers/create?name=api-attach", {
      body: JSON.stringify({
        Image: "busybox",
        Cmd: ["sh", "-c", "echo out1; echo err1 >&2; exit 3"],
        AttachStdout: true,
        AttachStderr: true,
      }),
      headers: JSON_HEADERS,
    });
    const id = String(json(created.body).Id);
    const attached = rawExchange(
      server.socket,
      `POST /v1.41/containers/${id}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 0\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\n`,
      { closeWrite: true },
    );
    // wait?condition=next-exit must answer its headers before the container has even started.
    const waitBody = new Promise<{ headersBeforeStart: boolean; body: string }>((resolve, reject) => {
      let started = false;
      const req = http.request(
        { socketPath: server.socket, method: "POST", path: `/v1.41/containers/${id}/wait?condition=next-exit`, agent: false },
        (res) => {
          const headersBeforeStart = !started;
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ headersBeforeStart, body }));
        },
      );
      req.on("error", reject);
      req.end();
      setTimeout(() => {
        started = true;
        server.request("POST", `/v1.41/containers/${id}/start`).then((r) => assert.equal(r.status, 204), reject);
      }, 500);
    });
    const raw = await attached;
    const headEnd = raw.indexOf("\r\n\r\n");
    const head = raw.subarray(0, headEnd).toString();
    assert.match(
      head,
      /^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n/,
    );
    const got = frames(raw.subarray(headEnd + 4));
    assert.deepEqual(
      got
        .filter(([s]) => s === 1)
        .map(([, t]) => t)
        .join(""),
      "out1\n",
    );
    assert.deepEqual(
      got
        .filter(([s]) => s === 2)
        .map(([, t]) => t)
        .join(""),
      "err1\n",
    );
    const waited = await waitBody;
    assert.equal(waited.headersBeforeStart, true);
    assert.deepEqual(JSON.parse(waited.body), { Error: null, StatusCode: 3 });
    const again = await server.request("POST", `/containers/${id}/start`);
    assert.equal(again.status, 204);
    await server.request("POST", `/containers/${id}/wait`);
    assert.equal((await server.request("POST", `/containers/${id}/stop`)).status, 304);
    assert.equal((await server.request("DELETE", `/containers/${id}?v=1`)).status, 204);
  });

  test("exec start hijacks with the JSON body in the upgrade head, and the exit code is recorded before the stream ends", async () => {
    const { server } = served;
    const created = await server.request("POST", "/containers/create?name=api-exec", {
      body: JSON.stringify({ Image: "busybox", Cmd: ["sleep", "300"] }),
      headers: JSON_HEADERS,
    });
    const id = String(json(created.body).Id);
    assert.equal((await server.request("POST", `/containers/${id}/start`)).status, 204);
    assert.equal((await server.request("POST", `/containers/${id}/start`)).status, 304);
    const exec = await server.request("POST", `/containers/${id}/exec`, {
      body: JSON.stringify({ Cmd: ["sh", "-c", "echo in-exec; exit 4"], AttachStdout: true, AttachStderr: true, Tty: false, Bogus: 1 }),
      headers: JSON_HEADERS,
    });
    assert.equal(exec.status, 201);
    const execId = String(json(exec.body).Id);
    const startBody = '{"Detach":false,"Tty":false}';
    const raw = await rawExchange(
      server.socket,
      `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${startBody.length}\r\n\r\n${startBody}`,
      { closeWrite: true },
    );
    const body = raw.subarray(raw.indexOf("\r\n\r\n") + 4);
    assert.deepEqual(frames(body), [[1, "in-exec\n"]]);
    const inspect = json((await server.request("GET", `/exec/${execId}/json`)).body);
    assert.equal(inspect.ExitCode, 4);
    assert.equal(inspect.Running, false);
    assert.deepEqual(inspect.ProcessConfig, { tty: false, entrypoint: "sh", arguments: ["-c", "echo in-exec; exit 4"], privileged: false });
    const missing = await server.request("POST", `/containers/${id}/exec`, {
      body: JSON.stringify({ Cmd: ["nosuchcmd"], AttachStdout: true }),
      headers: JSON_HEADERS,
    });
    const missingId = String(json(missing.body).Id);
    const raw2 = await rawExchange(
      server.socket,
      `POST /exec/${missingId}/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${startBody.length}\r\n\r\n${startBody}`,
      { closeWrite: true },
    );
    const text = frames(raw2.subarray(raw2.indexOf("\r\n\r\n") + 4))
      .map(([, t]) => t)
      .join("");
    assert.match(text, /executable file not found in \$PATH: unknown\r\n$/);
    assert.equal(json((await server.request("GET", `/exec/${missingId}/json`)).body).ExitCode, 127);
    const rm = await server.request("DELETE", `/containers/${id}`);
    assert.equal(rm.status, 409);
    assert.equal(
      json(rm.body).message,
      `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    );
    assert.equal((await server.request("DELETE", `/containers/${id}?force=True&v=True&link=False`)).status, 204);
    const stopped = await server.request("POST", `/containers/api-exec/exec`, {
      body: JSON.stringify({ Cmd: ["true"] }),
      headers: JSON_HEADERS,
    });
    assert.equal(stopped.status, 404);
  });

  test("archive endpoints keep paths inside the container and refuse tars that climb out", async () => {
    const { server } = served;
    const created = await server.request("POST", "/containers/create?name=api-cp", {
      body: JSON.stringify({ Image: "busybox", Cmd: ["true"] }),
      headers: JSON_HEADERS,
    });
    const id = String(json(created.body).Id);
    fs.writeFileSync(`${server.t.dir}/host-secret`, "secret");
    const climb = await server.request(
      "HEAD",
      `/containers/${id}/archive?path=${encodeURIComponent(`/../../../../..${server.t.dir}/host-secret`)}`,
    );
    assert.equal(climb.status, 404);
    const stat = await server.request("HEAD", `/containers/${id}/archive?path=%2Fbin%2Fsh`);
    assert.equal(stat.status, 200);
    const decoded = JSON.parse(Buffer.from(String(stat.headers["x-docker-container-path-stat"]), "base64").toString());
    assert.deepEqual({ ...decoded, mtime: undefined }, { name: "sh", size: 7, mode: 134218239, mtime: undefined, linkTarget: "busybox" });
    const etc = JSON.parse(
      Buffer.from(
        String((await server.request("HEAD", `/containers/${id}/archive?path=/etc`)).headers["x-docker-container-path-stat"]),
        "base64",
      ).toString(),
    );
    assert.equal(etc.mode, 2147484141);
    // A tar whose entry climbs out with "..": refused, nothing written outside.
    const { default: tarStream } = await import("tar-stream");
    const pack = tarStream.pack();
    pack.entry({ name: "../../../../../../tmp/berth-api-escape" }, "x");
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const put = await server.request("PUT", `/containers/${id}/archive?path=%2Ftmp`, {
      body: Buffer.concat(chunks),
      headers: { "Content-Type": "application/x-tar" },
    });
    assert.ok(put.status >= 400 && put.status < 500, `PUT answered ${put.status} ${put.body}`);
    assert.equal(fs.existsSync("/tmp/berth-api-escape"), false);
    const missing = await server.request("GET", `/containers/${id}/archive?path=/nonexist`);
    assert.deepEqual([missing.status, json(missing.body).message], [404, `Could not find the file /nonexist in container ${id}`]);
    assert.equal((await server.request("DELETE", `/containers/${id}`)).status, 204);
    assert.equal((await server.request("GET", "/_ping")).status, 200);
  });

  test("PUT archive refuses a read-only rootfs or volume with dockerd's 500s, HEAD follows a trailing slash", async () => {
    const { server } = served;
    const { buildTar } = await import("../helpers/tar-builder.js");
    const create = async (name: string, hostConfig: object) => {
      const created = await server.request("POST", `/containers/create?name=${name}`, {
        body: JSON.stringify({ Image: "busybox", Cmd: ["sh", "-c", "ln -s /etc /link-to-dir"], HostConfig: hostConfig }),
        headers: JSON_HEADERS,
      });
      assert.equal(created.status, 201, created.body.toString());
    };
    await create("api-ro", { ReadonlyRootfs: true, Binds: ["api-rw:/data"] });
    await create("api-vro", { Binds: ["api-vol:/data:ro"] });
    const put = async (name: string, path: string, tar: Buffer) => {
      const r = await server.request("PUT", `/containers/${name}/archive?path=${encodeURIComponent(path)}`, {
        body: tar,
        headers: { "Content-Type": "application/x-tar" },
      });
      return [r.status, r.status === 200 ? "" : json(r.body).message];
    };
    const file = await buildTar([{ type: "file", name: "f", body: "f\n" }]);
    assert.deepEqual(await put("api-ro", "/", file), [500, "container rootfs is marked read-only"]);
    assert.deepEqual(await put("api-ro", "/tmp", file), [500, "container rootfs is marked read-only"]);
    assert.deepEqual(await put("api-ro", "/nonexist", file), [404, "Could not find the file /nonexist in container api-ro"]);
    assert.deepEqual(await put("api-ro", "/data", file), [200, ""]);
    assert.deepEqual(await put("api-vro", "/data", file), [500, "mounted volume is marked read-only"]);
    assert.deepEqual(await put("api-vro", "/tmp", file), [200, ""]);
    assert.deepEqual(await put("api-vro", "/etc/passwd", file), [500, "extraction point is not a directory"]);
    // Entries below the extraction point that land in the read-only volume: the write the kernel refuses.
    const below = async (entries: Parameters<typeof buildTar>[0]) => put("api-vro", "/", await buildTar(entries));
    const erofs = (what: string) => [500, `Error processing tar file(exit status 1): ${what}: read-only file system`];
    assert.deepEqual(await below([{ type: "file", name: "data/x", body: "x" }]), erofs("open /data/x"));
    assert.deepEqual(await below([{ type: "directory", name: "data/sub" }]), erofs("mkdir /data/sub"));
    assert.deepEqual(await below([{ type: "file", name: "data/sub/y", body: "y" }]), erofs("mkdir /data/sub"));
    assert.deepEqual(await below([{ type: "symlink", name: "data/sl", linkname: "/etc" }]), erofs("symlink /etc /data/sl"));
    assert.deepEqual(await below([{ type: "directory", name: "data" }]), erofs("lchown /data"));
    const volume = String(json((await server.request("GET", "/volumes/api-vol")).body).Mountpoint);
    assert.deepEqual(fs.readdirSync(volume), []);
    // A trailing slash follows a symlink, and what it names must be a directory.
    await server.request("POST", "/containers/api-vro/start");
    await server.request("POST", "/containers/api-vro/wait");
    const head = await server.request("HEAD", "/containers/api-vro/archive?path=/link-to-dir/");
    assert.equal(head.status, 200);
    const stat = JSON.parse(Buffer.from(String(head.headers["x-docker-container-path-stat"]), "base64").toString());
    assert.deepEqual([stat.name, stat.mode, stat.linkTarget], ["link-to-dir", 2147484141, ""]);
    const notDir = await server.request("HEAD", "/containers/api-vro/archive?path=/etc/passwd/");
    assert.equal(notDir.status, 500);
    for (const name of ["api-ro", "api-vro"]) assert.equal((await server.request("DELETE", `/containers/${name}?v=1`)).status, 204);
  });

  test("many clients at once, and clients that hang up mid-stream leave no sockets or waiters behind", async () => {
    const { server } = served;
    const created = await server.request("POST", "/containers/create?name=api-busy", {
      body: JSON.stringify({ Image: "busybox", Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.2; done"] }),
      headers: JSON_HEADERS,
    });
    const id = String(json(created.body).Id);
    await server.request("POST", `/containers/${id}/start`);
    await new Promise((r) => setTimeout(r, 300));
    const pid = server.proc.pid!;
    const before = openFds(pid);
    const waiting = String(
      json(
        (
          await server.request("POST", "/containers/create?name=api-later", {
            body: JSON.stringify({ Image: "busybox", Cmd: ["echo", "later"] }),
            headers: JSON_HEADERS,
          })
        ).body,
      ).Id,
    );
    const parallel = await Promise.all(
      Array.from({ length: 30 }, (_, i) => server.request("GET", i % 2 ? "/containers/json?all=1" : "/images/json")),
    );
    assert.ok(parallel.every((r) => r.status === 200));
    // Followers of logs, attaches and waits that the client abandons.
    const abandoned: net.Socket[] = [];
    for (let i = 0; i < 10; i++) {
      for (const request of [
        `GET /containers/${id}/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: x\r\n\r\n`,
        `POST /containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
        `POST /containers/${id}/wait HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
        `POST /containers/${waiting}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
        `POST /containers/${waiting}/wait?condition=next-exit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      ]) {
        const s = net.connect(server.socket);
        s.write(request);
        s.on("error", () => undefined);
        abandoned.push(s);
      }
    }
    for (let i = 0; i < 50 && openFds(pid) < before + 50; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(openFds(pid) >= before + 50, "the streams were open");
    for (const s of abandoned) s.destroy();
    for (let i = 0; i < 50 && openFds(pid) > before + 10 + 2; i++) await new Promise((r) => setTimeout(r, 100));
    // A peer that closed looks like one that only half-closed (the CLI's FIN) until a write fails:
    // the ten attaches to api-later, which has not started, are held until it starts or goes.
    assert.ok(openFds(pid) <= before + 10 + 2, `fds before ${before}, after ${openFds(pid)}`);
    const inspect = json((await server.request("GET", `/containers/${id}/json`)).body);
    assert.equal((inspect.State as Record<string, unknown>).Running, true);
    assert.equal((await server.request("DELETE", `/containers/${id}?force=1`)).status, 204);
    // The attaches that waited for api-later's start are gone: it starts and runs with no one attached.
    assert.equal((await server.request("POST", `/containers/${waiting}/start`)).status, 204);
    assert.deepEqual(JSON.parse((await server.request("POST", `/containers/${waiting}/wait`)).body.toString()), {
      Error: null,
      StatusCode: 0,
    });
    assert.equal((await server.request("DELETE", `/containers/${waiting}`)).status, 204);
    for (let i = 0; i < 30 && openFds(pid) > before + 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(openFds(pid) <= before + 2, `fds before ${before}, at the end ${openFds(pid)}`);
  });

  test("a client that leaves an export or an archive download half-read leaves no mount behind", async () => {
    const { server } = served;
    const created = await server.request("POST", "/containers/create?name=api-export", {
      body: JSON.stringify({ Image: "busybox", Cmd: ["true"] }),
      headers: JSON_HEADERS,
    });
    const id = String(json(created.body).Id);
    const merged = `${server.t.root}/containers/${id}/merged`;
    for (const path of [`/containers/${id}/export`, `/containers/${id}/archive?path=/bin`]) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ socketPath: server.socket, path, agent: false }, (res) => {
          res.once("data", () => {
            assert.ok(mountsUnder(merged).length > 0, "mounted while the tar streams");
            req.destroy();
            resolve();
          });
        });
        req.on("error", () => undefined);
        req.end();
        setTimeout(() => reject(new Error("no data")), 10_000);
      });
      for (let i = 0; i < 50 && mountsUnder(merged).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(mountsUnder(merged), [], `${path}: the rootfs is unmounted once the client has gone`);
    }
    assert.equal((await server.request("DELETE", `/containers/${id}`)).status, 204);
  });

  test("the socket is root's with mode 0660", () => {
    const st = fs.statSync(served.server.socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.uid, 0);
  });

  test("TCP listens only where asked, warns off loopback, and SIGTERM stops the server and removes its socket", async () => {
    const { server } = served;
    const second = await startApiServer(server.t, ["-H", "tcp://127.0.0.1:0", "-H", "tcp://0.0.0.0:0"], "second.sock");
    try {
      const log = second.log();
      const port = Number(/API listen on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1]);
      assert.ok(port > 0, log);
      assert.match(log, /level=warn msg="Binding to IP address without --tlsverify is insecure.*tcp:\/\/0\.0\.0\.0:0/);
      assert.doesNotMatch(log, /insecure[^\n]*127\.0\.0\.1/);
      const ping = await fetch(`http://127.0.0.1:${port}/_ping`);
      assert.equal(await ping.text(), "OK");
    } finally {
      assert.equal(await second.stop(), 0);
    }
    assert.equal(fs.existsSync(second.socket), false);
    assert.match(second.log(), /Daemon shutdown complete/);
  });
});
