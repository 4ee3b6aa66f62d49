// Several berth processes at once, and processes killed at every step of an import or a load:
// no half image is ever visible and system check finds nothing broken (SECURITY-NOTES c2.3, K04, K08).
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { once } from "node:events";
import { createTempRoot, isRoot, REPO, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";

const skip = isRoot() ? false : "needs root";
let roots: TempRoot[] = [];
afterEach(() => {
  for (const t of roots) t.cleanup();
  roots = [];
});
function root(): TempRoot {
  const t = createTempRoot();
  roots.push(t);
  return t;
}

/** No damage: leftovers of the killed process are allowed (the next change sweeps them). */
function checkClean(t: TempRoot): void {
  const check = t.berth(["system", "check"]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  for (const line of check.stdout.trim().split("\n")) assert.match(line, /^(leftover: |No problems found$)/);
}

/** Images are either whole (inspect and history work) or absent. */
function assertNoHalfImage(t: TempRoot): void {
  const ids = t.berth(["images", "-a", "-q", "--no-trunc"]).stdout.trim().split("\n").filter(Boolean);
  for (const id of new Set(ids)) {
    assert.equal(t.berth(["image", "inspect", id]).code, 0);
    assert.equal(t.berth(["history", id]).code, 0);
  }
}

describe("crash safety", { skip }, () => {
  for (const point of ["after-ingest", "before-db", "after-blob-rename", "after-layer-rename", "after-db"]) {
    test(`import killed (SIGKILL) at ${point} leaves no half image and a consistent store`, () => {
      const t = root();
      const r = t.berth(["import", busyboxRootfsTar(), "crash:test"], { env: { BERTH_CRASH_AT: point } });
      assert.equal(r.code, 128 + 9, `the process was to die at ${point}: ${r.stderr}`);
      assertNoHalfImage(t);
      const present = t.berth(["image", "inspect", "crash:test"]).code === 0;
      assert.equal(present, point === "after-db", "the image exists exactly when its transaction committed");
      checkClean(t);
      // The next change to the store sweeps the leftovers away.
      assert.equal(t.berth(["import", busyboxRootfsTar(), "after:crash"]).code, 0);
      const check = t.berth(["system", "check"]);
      assert.equal(check.stdout, "No problems found\n");
      assert.equal(fs.readdirSync(`${t.root}/tmp`).length, 0, "no work dirs left behind");
    });
  }

  test("an exception thrown halfway through is as harmless as a kill", () => {
    const t = root();
    const r = t.berth(["import", busyboxRootfsTar(), "crash:throw"], { env: { BERTH_CRASH_AT: "throw:after-blob-rename" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /injected failure at after-blob-rename/);
    assert.equal(t.berth(["image", "inspect", "crash:throw"]).code, 1);
    checkClean(t);
    assert.equal(t.berth(["tag", "nosuch", "x"]).code, 1);
    assert.equal(t.berth(["import", busyboxRootfsTar(), "next"]).code, 0);
    assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
  });

  test("load killed at random moments never leaves a half image", async () => {
    const t = root();
    for (const delay of [20, 60, 120, 200, 300]) {
      const child = t.spawnBerth(["load", "-i", `${REPO}/test/fixtures/docker-save-two.tar`]);
      setTimeout(() => child.kill("SIGKILL"), delay);
      await once(child, "exit");
      assertNoHalfImage(t);
      checkClean(t);
    }
    assert.equal(t.berth(["load", "-i", `${REPO}/test/fixtures/docker-save-two.tar`]).code, 0);
    assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
  });

  test("create killed (SIGKILL) while its snapshot is prepared leaves no container, and a store the next change sweeps", () => {
    const t = root();
    assert.equal(t.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]).code, 0);
    const r = t.berth(["create", "-w", "/work/here", "--name", "half", "busybox", "true"], {
      env: { BERTH_CRASH_AT: "after-snapshot-prepare" },
    });
    assert.equal(r.code, 128 + 9, `the process was to die while preparing: ${r.stderr}`);
    assert.equal(t.berth(["inspect", "half"]).code, 1, "the container exists exactly when its transaction committed");
    assert.equal(fs.readdirSync(`${t.root}/containers`).length, 1, "the snapshot made before the kill is there");
    checkClean(t);
    assert.match(t.berth(["system", "check"]).stdout, /^leftover: /m);
    const next = t.berth(["create", "--name", "half", "busybox", "true"]);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(fs.readdirSync(`${t.root}/containers`).length, 1, "the leftover was swept");
    assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
  });

  // rm moves the container's directory, then its anonymous volume, into its trash before its commit.
  for (const point of ["after-trash-move", "before-trash-commit"]) {
    test(`rm -v killed (SIGKILL) at ${point} leaves the container and its volume whole and usable`, () => {
      const t = root();
      assert.equal(t.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]).code, 0);
      const script = "cat /kept /data/kept 2>/dev/null; echo layer > /kept; echo volume > /data/kept";
      const first = t.berth(["run", "--name", "keep", "-v", "/data", "busybox", "sh", "-c", script]);
      assert.deepEqual([first.code, first.stdout], [0, ""], first.stderr);
      const r = t.berth(["rm", "-v", "keep"], { env: { BERTH_CRASH_AT: point } });
      assert.equal(r.code, 128 + 9, `the process was to die at ${point}: ${r.stderr}`);
      checkClean(t);
      assert.equal(t.berth(["inspect", "keep"]).code, 0, "the container exists: its removal never committed");
      const again = t.berth(["start", "-a", "keep"]);
      assert.deepEqual([again.code, again.stdout], [0, "layer\nvolume\n"], `its writable layer and its volume are back: ${again.stderr}`);
      assert.equal(t.berth(["rm", "-v", "keep"]).code, 0);
      assert.equal(t.berth(["volume", "ls", "-q"]).stdout, "", "the anonymous volume went with it");
      assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
      assert.deepEqual(fs.readdirSync(`${t.root}/containers`), []);
    });
  }

  // rmi moves the image's layer dir, then its blobs, into its trash before its commit.
  for (const point of ["after-trash-move", "before-trash-commit"]) {
    test(`rmi killed (SIGKILL) at ${point} leaves the image whole and usable`, () => {
      const t = root();
      assert.equal(t.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]).code, 0);
      const r = t.berth(["rmi", "busybox"], { env: { BERTH_CRASH_AT: point } });
      assert.equal(r.code, 128 + 9, `the process was to die at ${point}: ${r.stderr}`);
      checkClean(t);
      assertNoHalfImage(t);
      assert.equal(t.berth(["image", "inspect", "busybox"]).code, 0, "the image exists: its removal never committed");
      const run = t.berth(["run", "--rm", "busybox", "echo", "usable"]);
      assert.deepEqual([run.code, run.stdout], [0, "usable\n"], run.stderr);
      assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
      assert.equal(t.berth(["rmi", "busybox"]).code, 0);
      assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
      assert.deepEqual(fs.readdirSync(`${t.root}/layers`), []);
    });
  }

  test("an rm that fails before its commit puts back what it had moved out", () => {
    const t = root();
    assert.equal(t.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]).code, 0);
    assert.equal(t.berth(["create", "--name", "keep", "-v", "/data", "busybox", "true"]).code, 0);
    const r = t.berth(["rm", "-v", "keep"], { env: { BERTH_CRASH_AT: "throw:before-trash-commit" } });
    assert.deepEqual([r.code, r.stderr], [1, "Error response from daemon: injected failure at before-trash-commit\n"]);
    // No leftover either: the process put everything back itself and removed its work dir.
    assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
    assert.equal(t.berth(["start", "-a", "keep"]).code, 0);
    assert.equal(t.berth(["volume", "ls", "-q"]).stdout.trim().split("\n").length, 1);
  });

  test("three importers at once all succeed and share the layer", async () => {
    const t = root();
    const runs = [
      t.spawnBerth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "one:latest"]),
      t.spawnBerth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "two:latest"]),
      t.spawnBerth(["import", busyboxRootfsTar(), "three:latest"]),
    ];
    const codes = await Promise.all(
      runs.map(async (child) => {
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr += d));
        const [code] = (await once(child, "exit")) as [number];
        return { code, stderr };
      }),
    );
    for (const c of codes) assert.equal(c.code, 0, c.stderr);
    const layers = ["one", "two", "three"].map((n) => JSON.parse(t.berth(["image", "inspect", n]).stdout)[0].RootFS.Layers[0]);
    assert.equal(new Set(layers).size, 1, "one diff ID for the three images");
    assert.equal(fs.readdirSync(`${t.root}/layers`).length, 1, "stored once");
    assert.equal(t.berth(["system", "check"]).stdout, "No problems found\n");
  });
});
