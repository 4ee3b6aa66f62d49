// The CLI and the API on one root: both reach the same engine use cases, so `berth ps` shows the
// rows /containers/json describes, and both refuse the same things in the same words.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";
import { buildTar } from "../helpers/tar-builder.js";

const skip = isRoot() ? false : "needs root";

/** A status without its clock-dependent part: "Exited (3) 1 second ago" → "Exited (3) <time> ago". */
function untimed(status: string): string {
  return status.replace(/(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?)) ?/, "<time> ");
}

describe("the CLI and the API agree", { skip }, () => {
  const served = useApiServer();
  const berth = (args: string[], code = 0) => {
    const r = served.server.t.berth(args);
    assert.equal(r.code, code, `berth ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await served.server.request(method, path, {
      ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
      headers: { "Content-Type": Buffer.isBuffer(body) ? "application/x-tar" : "application/json" },
    });
    return { status: r.status, json: r.body.length ? (JSON.parse(r.body.toString()) as unknown) : undefined };
  };

  test("ps rows and /containers/json entries: ID, image, command, status, ports, names", async () => {
    berth(["create", "--name", "par-created", "busybox", "sh", "-c", "echo hi there; sleep 1"]);
    berth(["run", "-d", "--name", "par-up", "busybox", "sleep", "300"]);
    berth(["run", "--name", "par-exited", "busybox", "sh", "-c", "exit 3"], 3);
    try {
      type Entry = { Id: string; Image: string; Command: string; Status: string; State: string; Ports: unknown[]; Names: string[] };
      const listed = async () => (await api("GET", "/containers/json?all=1")).json as Entry[];
      const before = await listed();
      const rows = berth(["ps", "-a", "--no-trunc", "--format", "{{json .}}"])
        .stdout.trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, string>);
      const after = await listed();
      assert.deepEqual(
        rows.map((r) => r.Names),
        before.map((e) => e.Names.map((n) => n.slice(1)).join(",")),
        "the same containers, newest first",
      );
      for (const [i, row] of rows.entries()) {
        const entry = before[i]!;
        assert.equal(row.ID, entry.Id);
        assert.equal(row.Image, entry.Image);
        // docker ps quotes the API's Command (strconv.Quote; these are plain ASCII, as JSON quotes them).
        assert.equal(row.Command, JSON.stringify(entry.Command));
        assert.equal(row.State, entry.State);
        // A status that reads the clock ("Up 2 seconds", "Exited (3) Less than a second ago") may
        // tick between the reads, and under load more than once: the words around the time must agree.
        assert.equal(untimed(row.Status!), untimed(entry.Status), `${row.Status} vs ${entry.Status}`);
        assert.equal(untimed(after[i]!.Status), untimed(entry.Status));
        assert.deepEqual(entry.Ports, []);
        assert.equal(row.Ports, "");
      }
      const created = rows.find((r) => r.Names === "par-created")!;
      assert.equal(created.Command, `"sh -c 'echo hi there; sleep 1'"`, "measured with docker ps --no-trunc");
      assert.equal(created.Status, "Created");
      assert.match(rows.find((r) => r.Names === "par-exited")!.Status!, /^Exited \(3\) /);
      const truncated = berth(["ps", "-a", "--filter", "name=par-created", "--format", "{{.Command}}"]).stdout;
      assert.equal(truncated, `"sh -c 'echo hi ther…"\n`, "measured with docker ps");
    } finally {
      berth(["rm", "-f", "par-created", "par-up", "par-exited"]);
    }
  });

  test("cp into a read-only rootfs is refused in the same words", async () => {
    berth(["create", "--name", "par-ro", "--read-only", "busybox", "true"]);
    const dir = fs.mkdtempSync(`${served.server.t.dir}/cp-`);
    fs.writeFileSync(`${dir}/file`, "x");
    try {
      const cli = berth(["cp", `${dir}/file`, "par-ro:/"], 1);
      assert.equal(cli.stderr, "Error response from daemon: container rootfs is marked read-only\n");
      const put = await api("PUT", "/containers/par-ro/archive?path=/", await buildTar([{ type: "file", name: "file", body: "x" }]));
      assert.deepEqual(put.json, { message: "container rootfs is marked read-only" });
      assert.equal(put.status, 500, "as dockerd 20.10 answers it");
    } finally {
      berth(["rm", "par-ro"]);
    }
  });

  test("exec --privileged is refused in the same words", async () => {
    berth(["run", "-d", "--name", "par-exec", "busybox", "sleep", "300"]);
    try {
      const cli = berth(["exec", "--privileged", "par-exec", "true"], 1);
      assert.equal(cli.stderr, "Error response from daemon: exec --privileged is not supported by berth yet\n");
      const made = await api("POST", "/containers/par-exec/exec", { Cmd: ["true"], Privileged: true });
      assert.deepEqual(made.json, { message: "exec --privileged is not supported by berth yet" });
      assert.equal(made.status, 501);
    } finally {
      berth(["rm", "-f", "par-exec"]);
    }
  });

  test("run and create of a missing image with --pull=never: No such image, from the CLI and the API", async () => {
    const run = berth(["run", "--pull=never", "par-nosuch"], 125);
    assert.equal(
      run.stderr,
      "berth: Error response from daemon: No such image: par-nosuch:latest\n\nRun 'berth run --help' for more information\n",
    );
    // (docker create prints a daemon's refusal bare and exits 1; berth create still wraps it as run does.)
    assert.match(
      served.server.t.berth(["create", "--pull=never", "par-nosuch"]).stderr,
      /Error response from daemon: No such image: par-nosuch:latest\n/,
    );
    const api404 = await api("POST", "/containers/create", { Image: "par-nosuch" });
    assert.equal(api404.status, 404);
    assert.deepEqual(api404.json, { message: "No such image: par-nosuch:latest" });
    assert.equal(berth(["ps", "-aq"]).stdout, "", "nothing was created");
  });
});
