import { test } from "node:test";
import assert from "node:assert/strict";
import { healthAtStart, healthSuffix, withProbeResult, withoutProbes } from "../../src/engine/containers/health-state.js";
import { probeCommand } from "../../src/engine/containers/healthcheck.js";
import { initialState } from "../../src/store/container-store.js";

const started = "2026-01-01T00:00:00Z";
const at = (seconds: number, exitCode: number) => ({
  Start: new Date(Date.parse(started) + seconds * 1000).toISOString(),
  End: new Date(Date.parse(started) + seconds * 1000 + 10).toISOString(),
  ExitCode: exitCode,
  Output: "",
});

test("withProbeResult() turns unhealthy after Retries failures (3 by default) and healthy at the first pass", () => {
  let h = healthAtStart(undefined);
  for (const n of [1, 2]) {
    h = withProbeResult(h, at(n, 1), {}, started);
    assert.deepEqual([h.Status, h.FailingStreak], ["starting", n]);
  }
  h = withProbeResult(h, at(3, 1), {}, started);
  assert.deepEqual([h.Status, h.FailingStreak], ["unhealthy", 3]);
  h = withProbeResult(h, at(4, 0), {}, started);
  assert.deepEqual([h.Status, h.FailingStreak], ["healthy", 0]);
});

test("withProbeResult() keeps the last five results", () => {
  let h = healthAtStart(undefined);
  for (let n = 1; n <= 7; n++) h = withProbeResult(h, at(n, 0), {}, started);
  assert.deepEqual(
    h.Log.map((l) => l.Start),
    [3, 4, 5, 6, 7].map((n) => at(n, 0).Start),
  );
});

test("withProbeResult() does not count failures inside the start period while starting", () => {
  const config = { StartPeriod: 3e9, Retries: 1 };
  let h = withProbeResult(healthAtStart(undefined), at(1, 1), config, started);
  assert.deepEqual([h.Status, h.FailingStreak, h.Log.length], ["starting", 0, 1]);
  h = withProbeResult(h, at(3, 1), config, started);
  assert.deepEqual([h.Status, h.FailingStreak], ["unhealthy", 1]);
});

test("healthAtStart() resets the status and streak and keeps the log; withoutProbes() reads unhealthy", () => {
  const old = { Status: "unhealthy" as const, FailingStreak: 9, Log: [at(1, 1)] };
  assert.deepEqual(healthAtStart(old), { Status: "starting", FailingStreak: 0, Log: old.Log });
  assert.deepEqual(withoutProbes({ ...old, Status: "healthy" }), { ...old, Status: "unhealthy" });
});

test("healthSuffix() is docker ps's: (health: starting), (healthy), nothing when paused or stopped", () => {
  const running = { ...initialState(), Running: true, Status: "running" as const };
  const health = (Status: "starting" | "healthy" | "unhealthy") => ({ Status, FailingStreak: 0, Log: [] });
  assert.equal(healthSuffix({ ...running, Health: health("starting") }), " (health: starting)");
  assert.equal(healthSuffix({ ...running, Health: health("healthy") }), " (healthy)");
  assert.equal(healthSuffix({ ...running, Paused: true, Health: health("healthy") }), "");
  assert.equal(healthSuffix({ ...initialState(), Health: health("unhealthy") }), "");
  assert.equal(healthSuffix(running), "");
});

test("probeCommand(): CMD runs as given, CMD-SHELL through the image's shell, NONE and unknown kinds run nothing", () => {
  assert.deepEqual(probeCommand({ Test: ["CMD", "echo", "x y"] }, undefined), ["echo", "x y"]);
  assert.deepEqual(probeCommand({ Test: ["CMD-SHELL", "true"] }, undefined), ["/bin/sh", "-c", "true"]);
  assert.deepEqual(probeCommand({ Test: ["CMD-SHELL", "true"] }, ["/bin/bash", "-c"]), ["/bin/bash", "-c", "true"]);
  assert.deepEqual(probeCommand({ Test: ["CMD-SHELL"] }, undefined), ["/bin/sh", "-c"]);
  assert.equal(probeCommand({ Test: ["NONE"] }, undefined), undefined);
  assert.equal(probeCommand({ Test: ["BOGUS", "x"] }, undefined), undefined);
  assert.equal(probeCommand({}, undefined), undefined);
});
