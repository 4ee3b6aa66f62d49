// Log drivers and rotation with real containers (issue 13): max-size/max-file/compress enforced on
// the file conmon writes, `logs` reading every kept file, `logs -f` following across rotations,
// --details and -t as Docker prints them. Options and messages are dockerd 20.10's (measured).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { basename, dirname } from "node:path";
import { createTempRoot, isRoot, runMonitors, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { startApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "containers need root: mounts, namespaces, cgroups";

function ok(t: TempRoot, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = t.berth(args, env ? { env } : {});
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The log files of a container, by name, with their sizes. */
function logFiles(t: TempRoot, name: string): Record<string, number> {
  const log = ok(t, ["inspect", "-f", "{{.LogPath}}", name]).trim();
  const out: Record<string, number> = {};
  for (const f of fs.readdirSync(dirname(log))) {
    if (f.startsWith(basename(log))) out[f.slice(basename(log).length) || "live"] = fs.statSync(`${dirname(log)}/${f}`).size;
  }
  return out;
}

const N = 400;
const expected = Array.from({ length: N }, (_, i) => `line-${String(i + 1).padStart(4, "0")}`);
// Waits for /tmp/go (made by exec once the monitor runs), then writes N numbered lines a little at a time.
const WRITER = `while [ ! -e /tmp/go ]; do sleep 0.05; done; i=1; while [ $i -le ${N} ]; do printf 'line-%04d\\n' $i; [ $((i % 20)) = 0 ] && sleep 0.05; i=$((i+1)); done`;

describe("log drivers and rotation", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot("berth-logs-");
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(() => t.cleanup());

  test("max-file=3 with compress: the last lines kept in order in .2.gz, .1.gz and the live file; logs -f sees every line once; the monitor ends with the container", async () => {
    const flags = ["--log-opt", "max-size=2k", "--log-opt", "max-file=3", "--log-opt", "compress=true"];
    ok(t, ["run", "-d", "--name", "rot", "--network", "none", ...flags, "busybox", "sh", "-c", WRITER]);
    await until(() => runMonitors(t).length === 1, "the run's monitor");
    const follower = t.berthAsync(["logs", "-f", "rot"]);
    ok(t, ["exec", "rot", "touch", "/tmp/go"]);
    ok(t, ["wait", "rot"]);
    const followed = await follower;
    assert.equal(followed.code, 0, followed.stderr);
    assert.deepEqual(followed.stdout.split("\n").slice(0, -1), expected, "logs -f saw every line, once, in order");
    await until(() => runMonitors(t).length === 0, "the monitor to end");
    const files = logFiles(t, "rot");
    assert.deepEqual(Object.keys(files).sort(), [".1.gz", ".2.gz", "live"]);
    // Each file stays under the documented bound (conmon's backstop, max-size x max-file).
    for (const [name, size] of Object.entries(files)) assert.ok(size <= 6000, `${name} is ${size} bytes`);
    const kept = ok(t, ["logs", "rot"]).split("\n").slice(0, -1);
    assert.ok(kept.length >= 50 && kept.length < N, `kept ${kept.length} lines`);
    assert.deepEqual(kept, expected.slice(N - kept.length), "logs shows the last lines, in order");
    assert.deepEqual(ok(t, ["logs", "--tail", "3", "rot"]), `${expected.slice(-3).join("\n")}\n`);
    const oldest = kept[0]!;
    const sinceAll = ok(t, ["logs", "--tail", String(kept.length + 10), "rot"]).split("\n")[0];
    assert.equal(sinceAll, oldest, "--tail past the live file reaches into the rotated ones");
    // rm takes the rotated files with the container.
    const dir = dirname(ok(t, ["inspect", "-f", "{{.LogPath}}", "rot"]).trim());
    ok(t, ["rm", "rot"]);
    assert.equal(fs.existsSync(dir), false);
  });

  test("max-file=1 truncates: one file, never past max-size, holding the last lines", () => {
    const script = `i=1; while [ $i -le ${N} ]; do printf 'line-%04d\\n' $i; i=$((i+1)); done`;
    ok(t, ["run", "--name", "trunc", "--network", "none", "--log-opt", "max-size=1k", "busybox", "sh", "-c", script]);
    const files = logFiles(t, "trunc");
    assert.deepEqual(Object.keys(files), ["live"]);
    assert.ok(files.live! <= 1000, `the file is ${files.live} bytes`);
    const kept = ok(t, ["logs", "trunc"]).split("\n").slice(0, -1);
    assert.ok(kept.length > 0);
    assert.deepEqual(kept, expected.slice(N - kept.length));
    assert.deepEqual(JSON.parse(ok(t, ["inspect", "-f", "{{json .HostConfig.LogConfig}}", "trunc"])), {
      Type: "json-file",
      Config: { "max-size": "1k" },
    });
  });

  test("--log-driver local: Docker's defaults, shown as given; none: refused by logs; bad options refused with dockerd's words", () => {
    ok(t, ["run", "--name", "loc", "--network", "none", "--log-driver", "local", "busybox", "echo", "hi"]);
    assert.equal(ok(t, ["logs", "loc"]), "hi\n");
    assert.deepEqual(JSON.parse(ok(t, ["inspect", "-f", "{{json .HostConfig.LogConfig}}", "loc"])), { Type: "local", Config: {} });
    ok(t, ["run", "--name", "non", "--network", "none", "--log-driver", "none", "busybox", "echo", "hi"]);
    const logs = t.berth(["logs", "non"]);
    assert.equal(logs.code, 1);
    assert.match(logs.stderr, /configured logging driver does not support reading/);
    const bad = t.berth(["run", "--rm", "--log-opt", "max-file=0", "busybox", "true"]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /failed to initialize logging driver: max-file cannot be less than 1/);
    const noneOpts = t.berth(["create", "--log-driver", "none", "--log-opt", "a=b", "busybox", "true"]);
    assert.equal(noneOpts.code, 125);
    assert.match(noneOpts.stderr, /invalid logging opts for driver none/);
  });

  test("logs --details and -t: Docker's attributes, and UTC whatever TZ says", () => {
    const tz = { TZ: "Asia/Kolkata" };
    ok(
      t,
      [
        "run",
        "--name",
        "det",
        "--network",
        "none",
        "-l",
        "zb=2",
        "-l",
        "a=1",
        "-e",
        "FOO=b r",
        "--log-opt",
        "labels=zb,a",
        "--log-opt",
        "env=FOO",
        "--log-opt",
        "tag={{.Name}}",
        "busybox",
        "echo",
        "hello",
      ],
      tz,
    );
    assert.equal(ok(t, ["logs", "--details", "det"]), "FOO=b+r,a=1,tag=det,zb=2 hello\n");
    ok(t, ["run", "--name", "plain", "--network", "none", "busybox", "echo", "hello"], tz);
    assert.equal(ok(t, ["logs", "--details", "plain"]), " hello\n");
    const stamped = ok(t, ["logs", "-t", "--details", "det"], tz);
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) FOO=b\+r,a=1,tag=det,zb=2 hello\n$/.exec(stamped);
    assert.ok(m, stamped);
    assert.ok(Math.abs(Date.parse(m[1]!) - Date.now()) < 5 * 60_000, `${m[1]} is now, in UTC`);
  });

  test("the API: create with LogConfig, logs?details=1", async () => {
    const server = await startApiServer(t, [], "logs.sock");
    try {
      const created = await server.request("POST", "/v1.41/containers/create?name=apilog", {
        body: JSON.stringify({
          Image: "busybox",
          Cmd: ["echo", "from api"],
          Labels: { k: "v" },
          HostConfig: {
            NetworkMode: "none",
            LogConfig: { Type: "json-file", Config: { labels: "k", "max-size": "10k", "max-file": "2" } },
          },
        }),
        headers: { "Content-Type": "application/json" },
      });
      assert.equal(created.status, 201, created.body.toString());
      const bad = await server.request("POST", "/v1.41/containers/create", {
        body: JSON.stringify({ Image: "busybox", HostConfig: { LogConfig: { Type: "local", Config: { tag: "x" } } } }),
        headers: { "Content-Type": "application/json" },
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(JSON.parse(bad.body.toString()), { message: "unknown log opt 'tag' for log driver local" });
      ok(t, ["start", "-a", "apilog"]);
      const logs = await server.request("GET", "/v1.41/containers/apilog/logs?stdout=1&details=1");
      assert.equal(logs.status, 200);
      // One stdout frame: 8 bytes of header, then the details and the line.
      assert.equal(logs.body.subarray(8).toString(), "k=v from api\n");
    } finally {
      await server.stop();
    }
  });
});
