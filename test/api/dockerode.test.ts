// dockerode (npm) against berth serve, unversioned as it talks by default: create, attach without
// an upgrade, start, wait, logs, changes, commit, history, tag, export, import, remove.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("berth serve: dockerode", { skip: !isRoot() && "needs root" }, () => {
  const served = useApiServer();
  const client = () => new Docker({ socketPath: served.server.socket });

  test("ping and version", async () => {
    const docker = client();
    assert.equal(String(await docker.ping()), "OK");
    assert.equal((await docker.version()).ApiVersion, "1.41");
  });

  test("create, attach (no upgrade), start, wait, inspect, logs, changes", async () => {
    const docker = client();
    const container = await docker.createContainer({
      Image: "busybox",
      Cmd: ["sh", "-c", "echo out1; echo err1 >&2; touch /made; exit 3"],
      name: "dode-1",
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    docker.modem.demuxStream(stream, out, err);
    const ended = new Promise((resolve) => stream.on("end", resolve));
    await container.start();
    const waited = await container.wait();
    assert.equal(waited.StatusCode, 3);
    await ended;
    out.end();
    err.end();
    assert.equal((await collect(out)).toString(), "out1\n");
    assert.equal((await collect(err)).toString(), "err1\n");
    const info = await container.inspect();
    assert.equal(info.State.ExitCode, 3);
    assert.equal(info.Name, "/dode-1");
    assert.deepEqual(info.Config.Cmd, ["sh", "-c", "echo out1; echo err1 >&2; touch /made; exit 3"]);
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    const lo = new PassThrough();
    const le = new PassThrough();
    const src = new PassThrough();
    docker.modem.demuxStream(src, lo, le);
    src.end(logs);
    await new Promise((r) => setImmediate(r));
    lo.end();
    le.end();
    assert.equal((await collect(lo)).toString(), "out1\n");
    assert.equal((await collect(le)).toString(), "err1\n");
    assert.deepEqual(await container.changes(), [{ Path: "/made", Kind: 1 }]);
    const list = await docker.listContainers({ all: true });
    const mine = list.find((c) => c.Names.includes("/dode-1"));
    assert.match(String(mine?.Status), /^Exited \(3\) /);
  });

  test("commit, history, tag, listImages, image inspect", async () => {
    const docker = client();
    const container = docker.getContainer("dode-1");
    const committed = (await container.commit({ repo: "dode-img", tag: "v1", author: "A", comment: "M" })) as { Id: string };
    assert.match(committed.Id, /^sha256:[0-9a-f]{64}$/);
    const image = docker.getImage("dode-img:v1");
    const history = (await image.history()) as { Id: string; Comment: string; CreatedBy: string; Tags: string[] | null }[];
    assert.equal(history.length, 2);
    assert.equal(history[0]!.Id, committed.Id);
    assert.equal(history[0]!.Comment, "M");
    assert.deepEqual(history[0]!.Tags, ["dode-img:v1"]);
    assert.equal(history[1]!.Comment, "Imported from -");
    await image.tag({ repo: "dode-img", tag: "v2" });
    const images = await docker.listImages();
    const found = images.find((i) => i.Id === committed.Id);
    assert.deepEqual(found?.RepoTags?.sort(), ["dode-img:v1", "dode-img:v2"]);
    const inspected = await image.inspect();
    assert.equal(inspected.Author, "A");
    assert.equal(inspected.Comment, "M");
  });

  test("export, import from a stream, run with a TTY, remove", async () => {
    const docker = client();
    const exported = await collect(await docker.getContainer("dode-1").export());
    assert.ok(exported.length > 1_000_000);
    const importStream = new PassThrough();
    importStream.end(exported);
    const progress = await collect(await docker.importImage(importStream, { repo: "dode-imported", tag: "latest" }));
    const status = JSON.parse(progress.toString().trim().split("\r\n").pop()!) as { status: string };
    assert.match(status.status, /^sha256:[0-9a-f]{64}$/);
    const out = new PassThrough();
    const [result, ran] = (await docker.run("dode-imported", ["sh", "-c", "cat /made && echo ran-with-tty; exit 5"], out)) as [
      { StatusCode: number },
      Docker.Container,
    ];
    assert.equal(result.StatusCode, 5);
    out.end();
    assert.equal((await collect(out)).toString().replace(/\r/g, ""), "ran-with-tty\n");
    await ran.remove({ force: true, v: true });
    await docker.getContainer("dode-1").remove({ force: true, v: true });
    await assert.rejects(
      docker.getContainer("dode-1").inspect(),
      (err: { statusCode?: number; json?: { message?: string } }) =>
        err.statusCode === 404 && err.json?.message === "No such container: dode-1",
    );
    const removed = (await docker.getImage("dode-img:v2").remove()) as { Untagged?: string }[];
    assert.deepEqual(removed, [{ Untagged: "dode-img:v2" }]);
    await docker.getImage("dode-img:v1").remove();
    await docker.getImage("dode-imported").remove();
    const left = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []);
    assert.deepEqual(left, ["busybox:latest"]);
  });

  test("a TTY run's output reaches the client before its wait answers, even when the server stalls as the container exits", async () => {
    // A loaded machine can hold the server back while the container exits and conmon's exit
    // command records the exit: when the server runs again, the wait must still not answer before
    // the output still waiting in the attach socket has been sent (dockerode's run() returns on the
    // wait, and its caller reads the output then). SIGSTOP makes that stall certain.
    const docker = client();
    const cmd = ["sh", "-c", "sleep 1; echo late-output; exit 5"];
    const out = new PassThrough();
    const got = collect(out);
    const ran = docker.run("busybox", cmd, out) as Promise<[{ StatusCode: number }, Docker.Container]>;
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      id = (await docker.listContainers()).find((c) => c.Command.includes("late-output") && c.State === "running")?.Id;
      if (!id) await pause(25);
    }
    assert.ok(id, "the container runs");
    await pause(300); // dockerode sends its wait as soon as the start has answered
    const server = served.server.proc;
    server.kill("SIGSTOP");
    try {
      // The container exits at 1 s; its exit command records the exit (and has runc forget the
      // container) while the server sleeps.
      const runtimeState = `${served.server.t.runroot}/runc/${id}`;
      for (let i = 0; i < 300 && fs.existsSync(runtimeState); i++) await pause(50);
      assert.ok(!fs.existsSync(runtimeState), "the exit command has cleaned up");
    } finally {
      server.kill("SIGCONT");
    }
    const [result, container] = await ran;
    out.end();
    assert.equal(result.StatusCode, 5);
    assert.equal((await got).toString().replace(/\r/g, ""), "late-output\n");
    await container.remove({ force: true });
  });
});
