// A store whose file system is full, or mounted read-only: every command that only reads answers
// as it did before, and every command that writes fails with a message that says why and where
// (never SQLite's "disk I/O error" or "unable to open database file"), leaving the store as it
// was. Each store (root and runroot) lives on a small tmpfs of the test's own.
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createTempRoot, isRoot, type RunResult, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { fillUp, mountSmallFs, remountReadOnly, remountWritable } from "../helpers/small-fs.js";
import { startApiServer } from "../helpers/api-server.js";

const skip = isRoot() ? false : "needs root (mounts)";

let roots: TempRoot[] = [];
afterEach(() => {
  for (const t of roots) t.cleanup();
  roots = [];
});

/** A temp root whose whole directory (store, runroot) is a tmpfs of `bytes`. */
function smallRoot(bytes = 24 << 20): TempRoot {
  const t = createTempRoot("berth-faults-");
  roots.push(t);
  mountSmallFs(t.dir, bytes);
  return t;
}

function ok(t: TempRoot, args: string[]): string {
  const r = t.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Commands that only read, with formats free of "N seconds ago" so that two runs compare. */
let READS: readonly string[][] = [];

/** An image with two tags, a container, volumes: something for each read to show. */
function populate(t: TempRoot): void {
  ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  ok(t, ["tag", "busybox", "spare"]);
  ok(t, ["create", "--name", "keeper", "-v", "vol1:/data", "busybox", "true"]);
  ok(t, ["volume", "create", "unused"]);
  READS = [
    ["images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}}"],
    ["ps", "-a", "--format", "{{.ID}} {{.Image}} {{.Names}} {{.Status}}"],
    ["inspect", "busybox", "keeper"],
    ["volume", "inspect", "vol1"],
    ["history", "--format", "{{.ID}} {{.CreatedBy}} {{.Size}}", "busybox"],
    ["volume", "ls"],
    ["system", "df"],
    // What the set-up recorded, none of what comes after.
    ["events", "--since", "0", "--until", String(Math.ceil(Date.now() / 1000))],
    ["system", "check"],
  ];
}

function readAll(t: TempRoot): RunResult[] {
  return READS.map((args) => t.berth(args));
}

function assertReadsUnchanged(t: TempRoot, before: readonly RunResult[]): void {
  const after = readAll(t);
  READS.forEach((args, i) => {
    assert.equal(before[i]!.code, 0, `berth ${args.join(" ")}: ${before[i]!.stderr}`);
    assert.deepEqual(after[i], before[i], `berth ${args.join(" ")} answers as before`);
  });
}

/** Commands that write, each with the exit code docker gives its failures. */
function writes(): [string[], number][] {
  return [
    [["tag", "busybox", "another"], 1],
    [["rmi", "spare"], 1],
    [["rm", "keeper"], 1],
    [["volume", "create", "vol2"], 1],
    [["volume", "rm", "unused"], 1],
    [["import", busyboxRootfsTar(), "imported"], 1],
    [["create", "busybox", "true"], 125],
  ];
}

function assertRefused(r: RunResult, args: string[], code: number, message: string): void {
  const expected =
    code === 125
      ? `berth: Error response from daemon: ${message}\n\nRun 'berth ${args[0]} --help' for more information\n`
      : `Error response from daemon: ${message}\n`;
  assert.deepEqual([r.code, r.stderr], [code, expected], `berth ${args.join(" ")}`);
}

const full = (root: string) =>
  `cannot write to the store at ${root}: no space left on device; free some space on its file system ` +
  `('berth system df' shows what berth uses, 'berth system prune' removes what nothing uses)`;
const readOnly = (root: string) =>
  `cannot write to the store at ${root}: read-only file system; berth can read it, but changing it needs the file system mounted read-write`;

/** After the fault is gone, the store is as it was and takes changes again. */
function assertRecovers(t: TempRoot, before: readonly RunResult[]): void {
  assertReadsUnchanged(t, before);
  ok(t, ["tag", "busybox", "after"]);
  ok(t, ["rm", "keeper"]);
  assert.equal(ok(t, ["system", "check"]), "No problems found\n");
}

describe("a store on a full file system", { skip }, () => {
  test("with zero bytes free, reads answer as before and every write says the disk is full, and where", () => {
    const t = smallRoot();
    populate(t);
    const before = readAll(t);
    const filler = fillUp(t.dir);
    assertReadsUnchanged(t, before);
    // A runroot that does not exist yet cannot be made there: reads do not need it.
    const fresh = t.berth(["--runroot", `${t.dir}/fresh-run`, ...READS[1]!]);
    assert.deepEqual(fresh, before[1]);
    for (const [args, code] of writes()) assertRefused(t.berth(args), args, code, full(t.root));
    fs.rmSync(filler);
    assertRecovers(t, before);
  });

  test("with a little room left, the writes that run out of it say so and name the path", () => {
    const t = smallRoot();
    populate(t);
    const before = readAll(t);
    const filler = fillUp(t.dir, 48 << 10);
    assertReadsUnchanged(t, before);
    // Either the store's own write (SQLite's log) or a file berth writes (a blob, a layer).
    const fileWrite = new RegExp(
      `Error response from daemon: \\w+ ${t.root}/\\S+: no space left on device; free some space on that file system \\('berth system df'`,
    );
    const failed: string[] = [];
    for (const [args, code] of writes()) {
      const r = t.berth(args);
      assert.doesNotMatch(
        r.stderr,
        /SQLITE|disk I\/O error|database or disk is full|ENOSPC|SqliteError|    at /,
        `berth ${args.join(" ")}`,
      );
      // A small change (an untag, a volume) may still fit.
      if (r.code === 0) continue;
      failed.push(args[0]!);
      assert.equal(r.code, code, `berth ${args.join(" ")}: ${r.stderr}`);
      assert.ok(r.stderr.includes(full(t.root)) || fileWrite.test(r.stderr), `berth ${args.join(" ")}: ${r.stderr}`);
    }
    assert.ok(failed.includes("import") && failed.includes("create"), `megabytes do not fit: ${failed.join(", ")} failed`);
    fs.rmSync(filler);
    ok(t, ["tag", "busybox", "after"]);
    assert.equal(ok(t, ["system", "check"]), "No problems found\n");
  });

  test("an rm whose commit finds no room leaves the container whole and usable", () => {
    const t = smallRoot();
    populate(t);
    // Room to open the database and move the container's directory out (a rename needs none),
    // not for the pages its deletion adds to SQLite's log: the COMMIT fails.
    const filler = fillUp(t.dir, 48 << 10);
    const r = t.berth(["rm", "-v", "keeper"]);
    fs.rmSync(filler);
    assert.deepEqual([r.code, r.stderr], [1, `Error response from daemon: ${full(t.root)}\n`]);
    assert.equal(ok(t, ["system", "check"]), "No problems found\n");
    ok(t, ["start", "-a", "keeper"]);
    ok(t, ["rm", "keeper"]);
    assert.equal(ok(t, ["system", "check"]), "No problems found\n");
  });

  test("reads see what a process killed after its commit left in SQLite's log", () => {
    const t = smallRoot();
    populate(t);
    const killed = t.berth(["import", busyboxRootfsTar(), "crashed:latest"], { env: { BERTH_CRASH_AT: "after-db" } });
    assert.equal(killed.code, 128 + 9, killed.stderr);
    assert.ok(fs.statSync(`${t.root}/berth.db-wal`).size > 32, "the commit is still in the log");
    // As a command that found the disk full left it: SQLite cut its shared-memory index to 3
    // bytes when it opened the database and could not grow it again.
    fs.truncateSync(`${t.root}/berth.db-shm`, 3);
    const filler = fillUp(t.dir);
    assert.match(ok(t, ["images", "--format", "{{.Repository}}:{{.Tag}}"]), /^crashed:latest$/m);
    fs.rmSync(filler);
    assert.equal(
      ok(t, ["system", "check"])
        .split("\n")
        .filter((l) => l && !l.startsWith("leftover: "))
        .join("\n"),
      "No problems found",
    );
  });

  test("berth serve on a full store answers reads and refuses writes with the same words", async () => {
    const t = smallRoot();
    populate(t);
    fillUp(t.dir);
    const api = await startApiServer(t);
    try {
      const list = await api.request("GET", "/images/json");
      assert.equal(list.status, 200);
      assert.deepEqual((JSON.parse(list.body.toString()) as { RepoTags: string[] }[]).flatMap((i) => i.RepoTags).sort(), [
        "busybox:latest",
        "spare:latest",
      ]);
      const tag = await api.request("POST", "/images/busybox/tag?repo=other&tag=x");
      assert.deepEqual([tag.status, JSON.parse(tag.body.toString())], [500, { message: full(t.root) }]);
    } finally {
      await api.stop();
    }
  });
});

describe("a store on a read-only file system", { skip }, () => {
  test("reads answer as before and every write says the store is read-only, and where", () => {
    const t = smallRoot();
    populate(t);
    const before = readAll(t);
    remountReadOnly(t.dir);
    assertReadsUnchanged(t, before);
    for (const [args, code] of writes()) {
      // rm takes the container's lock under the runroot, on the same file system here, first.
      const message = args[0] === "rm" ? `mkdir ${t.runroot}/locks: read-only file system` : readOnly(t.root);
      assertRefused(t.berth(args), args, code, message);
    }
    remountWritable(t.dir);
    assertRecovers(t, before);
  });

  test("reads see what a process killed after its commit left in SQLite's log", () => {
    const t = smallRoot();
    populate(t);
    const killed = t.berth(["import", busyboxRootfsTar(), "crashed:latest"], { env: { BERTH_CRASH_AT: "after-db" } });
    assert.equal(killed.code, 128 + 9, killed.stderr);
    assert.ok(fs.statSync(`${t.root}/berth.db-wal`).size > 32, "the commit is still in the log");
    remountReadOnly(t.dir);
    assert.match(ok(t, ["images", "--format", "{{.Repository}}:{{.Tag}}"]), /^crashed:latest$/m);
    assertRefused(t.berth(["tag", "busybox", "another"]), ["tag"], 1, readOnly(t.root));
    remountWritable(t.dir);
  });
});
