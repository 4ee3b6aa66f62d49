// Health checks that run (issue 13): each run of a container with a check gets a monitor process
// beside conmon that probes by exec and writes State.Health. Expected shapes, words and timings are
// dockerd 20.10's, measured (../shared/RUN-FLAGS.md §9). Containers run with --network none.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createTempRoot, isRoot, processesUsing, runMonitors, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";

const skip = isRoot() ? false : "containers need root: mounts, namespaces, cgroups";

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

function ok(t: TempRoot, args: string[]): string {
  const r = t.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function health(t: TempRoot, name: string): Health | null {
  return JSON.parse(ok(t, ["inspect", "-f", "{{json .State.Health}}", name])) as Health | null;
}

async function healthUntil(t: TempRoot, name: string, done: (h: Health) => boolean, ms = 20_000): Promise<Health> {
  const deadline = Date.now() + ms;
  for (;;) {
    const h = health(t, name);
    if (h && done(h)) return h;
    if (Date.now() > deadline) assert.fail(`${name}: health never got there; last ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) assert.fail("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(t: TempRoot, name: string, flags: string[], cmd: string[] = ["sleep", "300"]): string {
  return ok(t, ["run", "-d", "--name", name, "--network", "none", ...flags, "busybox", ...cmd]).trim();
}

describe("health checks", { skip }, () => {
  let t: TempRoot;
  before(() => {
    t = createTempRoot("berth-health-");
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(() => t.cleanup());

  test("a passing check: starting, then healthy, in inspect, ps, ps --filter health= and events; the monitor outlives run -d and ends with the container", async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = run(t, "hc-pass", ["--health-cmd", "echo hi", "--health-interval", "500ms", "--health-retries", "2"]);
    assert.deepEqual(JSON.parse(ok(t, ["inspect", "-f", "{{json .Config.Healthcheck}}", "hc-pass"])), {
      Test: ["CMD-SHELL", "echo hi"],
      Interval: 500000000,
      Retries: 2,
    });
    // run -d has exited; the monitor still runs, in a session of its own.
    const [monitor] = runMonitors(t);
    assert.ok(monitor, "a health monitor runs after run -d returned");
    const sid = fs.readFileSync(`/proc/${monitor}/stat`, "utf8").split(") ")[1]!.split(" ")[3];
    assert.equal(sid, String(monitor), "the monitor leads its own session (setsid)");
    assert.equal(ok(t, ["ps", "--filter", "health=none", "--format", "{{.Names}}"]), "");

    const healthy = await healthUntil(t, "hc-pass", (h) => h.Status === "healthy");
    assert.equal(healthy.FailingStreak, 0);
    assert.deepEqual(
      healthy.Log.map((l) => [l.ExitCode, l.Output]),
      healthy.Log.map(() => [0, "hi\n"]),
    );
    const first = healthy.Log[0]!;
    const startedAt = ok(t, ["inspect", "-f", "{{.State.StartedAt}}", "hc-pass"]).trim();
    // The first probe comes one interval after the start.
    assert.ok(Date.parse(first.Start) - Date.parse(startedAt) >= 490, `${startedAt} → ${first.Start}`);
    assert.ok(Date.parse(first.End) >= Date.parse(first.Start));
    assert.match(ok(t, ["ps", "--format", "{{.Status}}", "--filter", "name=hc-pass"]), /^Up \d+ seconds? \(healthy\)\n$/);
    assert.equal(ok(t, ["ps", "--filter", "health=healthy", "--format", "{{.Names}}"]), "hc-pass\n");
    assert.equal(ok(t, ["ps", "--filter", "health=starting", "--format", "{{.Names}}"]), "");
    const api = JSON.parse(ok(t, ["ps", "--format", "{{json .}}", "--filter", "name=hc-pass"])) as { Status: string };
    assert.match(api.Status, /\(healthy\)$/);

    // Log keeps the last five.
    await healthUntil(t, "hc-pass", (h) => h.Log.length === 5 && h.Log[0]!.Start !== first.Start, 30_000);

    const events = ok(t, [
      "events",
      "--since",
      since,
      "--until",
      String(Math.floor(Date.now() / 1000) + 1),
      "--filter",
      "event=health_status",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.ID}}",
    ]);
    assert.equal(events, `health_status: healthy hc-pass ${id}\n`, "one event, on the change of status");

    ok(t, ["stop", "-t", "0", "hc-pass"]);
    const stopped = health(t, "hc-pass")!;
    assert.equal(stopped.Status, "unhealthy", "a stopped container's check reads unhealthy (dockerd 20.10)");
    assert.equal(stopped.Log.length, 5, "the log is kept");
    assert.match(ok(t, ["ps", "-a", "--format", "{{.Status}}", "--filter", "name=hc-pass"]), /^Exited \(137\) .* ago\n$/);
    assert.deepEqual(runMonitors(t), [], "no monitor is left once the container stopped");

    // conmon's exit command of the stopped run must be done before the next start: a start while it
    // still runs races with its cleanup (a berth issue apart from health checks).
    await until(() => processesUsing(t.dir).length === 0);
    // A start again: starting (or healthy, once a probe passed), streak 0, the old log kept; and a
    // new monitor, gone after rm -f.
    ok(t, ["start", "hc-pass"]);
    const restarted = health(t, "hc-pass")!;
    const state = ok(t, ["inspect", "-f", "{{json .State}}", "hc-pass"]);
    assert.ok(["starting", "healthy"].includes(restarted.Status), state);
    assert.equal(restarted.FailingStreak, 0);
    assert.equal(restarted.Log.length, 5);
    assert.ok(
      restarted.Log.some((l) => l.Start === stopped.Log.at(-1)!.Start),
      `the old log is kept: ${state}`,
    );
    assert.equal(runMonitors(t).length, 1);
    ok(t, ["rm", "-f", "hc-pass"]);
    assert.deepEqual(runMonitors(t), [], "no monitor is left once the container is removed");
  });

  test("a failing check: unhealthy after --health-retries failures, with the streak counting on and the output of both streams", async () => {
    run(t, "hc-fail", ["--health-cmd", "echo out; echo err >&2; exit 3", "--health-interval", "1s", "--health-retries", "2"]);
    const first = await healthUntil(t, "hc-fail", (h) => h.Log.length >= 1);
    assert.equal(first.Status, "starting");
    assert.equal(first.FailingStreak, 1);
    assert.equal(first.Log[0]!.ExitCode, 3);
    assert.ok(["out\nerr\n", "err\nout\n"].includes(first.Log[0]!.Output), JSON.stringify(first.Log[0]));
    const unhealthy = await healthUntil(t, "hc-fail", (h) => h.Status === "unhealthy");
    assert.equal(unhealthy.FailingStreak, 2);
    assert.match(ok(t, ["ps", "--format", "{{.Status}}", "--filter", "name=hc-fail"]), /\(unhealthy\)\n$/);
    assert.equal(ok(t, ["ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"]), "hc-fail\n");
    await healthUntil(t, "hc-fail", (h) => h.FailingStreak >= 3 && h.Status === "unhealthy");
    ok(t, ["rm", "-f", "hc-fail"]);
  });

  test("a probe that outlives --health-timeout is killed and recorded as exit -1 with dockerd's words", async () => {
    run(t, "hc-slow", [
      "--health-cmd",
      "echo before; sleep 5",
      "--health-interval",
      "1s",
      "--health-timeout",
      "1s",
      "--health-retries",
      "1",
    ]);
    const h = await healthUntil(t, "hc-slow", (x) => x.Log.length >= 1);
    const entry = h.Log[0]!;
    assert.deepEqual([entry.ExitCode, entry.Output], [-1, "Health check exceeded timeout (1s)"]);
    assert.equal(Date.parse(entry.End) - Date.parse(entry.Start), 1000, "End is Start plus the timeout");
    assert.equal(h.Status, "unhealthy");
    ok(t, ["rm", "-f", "hc-slow"]);
  });

  test("inside --health-start-period failures do not count; a probe's output is cut at 4096 bytes", async () => {
    run(t, "hc-period", [
      "--health-cmd",
      "head -c 5000 /dev/zero | tr '\\0' a; false",
      "--health-interval",
      "1s",
      "--health-retries",
      "1",
      "--health-start-period",
      "3s",
    ]);
    const early = await healthUntil(t, "hc-period", (h) => h.Log.length >= 1);
    assert.deepEqual([early.Status, early.FailingStreak], ["starting", 0]);
    assert.equal(early.Log[0]!.Output, "a".repeat(4096) + "...");
    const late = await healthUntil(t, "hc-period", (h) => h.Status === "unhealthy");
    assert.equal(late.FailingStreak, 1);
    assert.ok(late.Log.length >= 3, "two or more probes ran inside the period");
    ok(t, ["rm", "-f", "hc-period"]);
  });

  test("the image's HEALTHCHECK runs; --no-healthcheck turns it off, with no State.Health and no monitor", async () => {
    ok(t, ["create", "--name", "hc-base", "busybox", "true"]);
    ok(t, ["commit", "--change", 'HEALTHCHECK --interval=500ms --retries=4 CMD ["echo","exec-form"]', "hc-base", "busybox-hc"]);
    ok(t, ["rm", "hc-base"]);
    ok(t, ["run", "-d", "--name", "hc-image", "--network", "none", "busybox-hc", "sleep", "300"]);
    const h = {
      ...(await healthUntil(t, "hc-image", (x) => x.Status === "healthy")),
      id: ok(t, ["inspect", "-f", "{{.Id}}", "hc-image"]).trim(),
    };
    assert.equal(h.Log[0]!.Output, "exec-form\n");
    ok(t, ["run", "-d", "--name", "hc-off", "--network", "none", "--no-healthcheck", "busybox-hc", "sleep", "300"]);
    assert.deepEqual(JSON.parse(ok(t, ["inspect", "-f", "{{json .Config.Healthcheck}}", "hc-off"])), {
      Test: ["NONE"],
      Interval: 500000000,
      Retries: 4,
    });
    assert.equal(ok(t, ["inspect", "-f", "{{json .State.Health}}", "hc-off"]), "null\n");
    assert.deepEqual(
      runMonitors(t).map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").at(-3)),
      [h.id],
      "only hc-image has a monitor",
    );
    assert.equal(ok(t, ["ps", "--filter", "health=none", "--format", "{{.Names}}"]), "hc-off\n");
    ok(t, ["rm", "-f", "hc-image", "hc-off"]);
    assert.deepEqual(runMonitors(t), []);
  });

  test("pause stops the probes and reads unhealthy with no event; after unpause the next passing probe makes it healthy again", async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    run(t, "hc-pause", ["--health-cmd", "true", "--health-interval", "500ms"]);
    await healthUntil(t, "hc-pause", (h) => h.Status === "healthy");
    ok(t, ["pause", "hc-pause"]);
    const paused = health(t, "hc-pause")!;
    assert.deepEqual([paused.Status, paused.FailingStreak], ["unhealthy", 0]);
    assert.match(ok(t, ["ps", "--format", "{{.Status}}", "--filter", "name=hc-pause"]), /^Up \d+ seconds? \(Paused\)\n$/);
    // Half an interval more than one: a probe that ignored the pause would have run.
    await new Promise((r) => setTimeout(r, 750));
    assert.deepEqual(health(t, "hc-pause")!.Log, paused.Log, "no probe ran while paused");
    ok(t, ["unpause", "hc-pause"]);
    await healthUntil(t, "hc-pause", (h) => h.Status === "healthy");
    const events = ok(t, [
      "events",
      "--since",
      since,
      "--until",
      String(Math.floor(Date.now() / 1000) + 1),
      "--filter",
      "event=health_status",
      "--format",
      "{{.Action}}",
    ]);
    assert.equal(events, "health_status: healthy\nhealth_status: healthy\n");
    ok(t, ["rm", "-f", "hc-pause"]);
  });

  test("the health flags are parsed as docker CLI 28 parses them", () => {
    const create = (flags: string[]) => t.berth(["create", "--network", "none", ...flags, "busybox", "true"]);
    const body = (flags: string[]): unknown => {
      const id = ok(t, ["create", "--network", "none", ...flags, "busybox", "true"]).trim();
      const out = JSON.parse(ok(t, ["inspect", "-f", "{{json .Config.Healthcheck}}", id])) as unknown;
      ok(t, ["rm", id]);
      return out;
    };
    assert.deepEqual(
      body([
        "--health-cmd",
        "true",
        "--health-interval",
        "1m30s",
        "--health-timeout",
        "10s",
        "--health-start-period",
        "5s",
        "--health-retries",
        "7",
      ]),
      {
        Test: ["CMD-SHELL", "true"],
        Interval: 90000000000,
        Timeout: 10000000000,
        StartPeriod: 5000000000,
        Retries: 7,
      },
    );
    assert.deepEqual(body(["--health-interval", "500ms", "--health-start-interval", "100ms"]), {
      Interval: 500000000,
      StartInterval: 100000000,
    });
    assert.deepEqual(body(["--no-healthcheck"]), { Test: ["NONE"] });
    assert.equal(body(["--health-cmd", ""]), null);

    const conflict = create(["--no-healthcheck", "--health-cmd", "true"]);
    assert.equal(conflict.code, 125);
    assert.match(conflict.stderr, /^berth: --no-healthcheck conflicts with --health-\* options\n/);
    const negative = create(["--health-retries", "-1"]);
    assert.equal(negative.code, 125);
    assert.match(negative.stderr, /^berth: --health-retries cannot be negative\n/);
    assert.match(create(["--health-interval", "-1s"]).stderr, /^berth: --health-interval cannot be negative\n/);
    const bogus = create(["--health-interval", "bogus"]);
    assert.equal(bogus.code, 125);
    assert.match(bogus.stderr, /invalid argument "bogus" for "--health-interval" flag: time: invalid duration "bogus"/);
    const tooShort = create(["--health-cmd", "true", "--health-interval", "500us"]);
    assert.equal(tooShort.code, 125);
    assert.match(tooShort.stderr, /Interval in Healthcheck cannot be less than 1ms/);

    const bad = t.berth(["ps", "--filter", "health=bogus"]);
    assert.deepEqual([bad.code, bad.stderr], [1, "Error response from daemon: Unrecognised filter value for health: bogus\n"]);
  });
});
