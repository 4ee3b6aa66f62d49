// Reading a container's log across the files a rotation keeps (log-rotation.ts): plain and gzip,
// oldest first, with --tail and --since across them, and -f across a rotation.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { gzipSync } from "node:zlib";
import { readLog, rotatedLogFiles, utcTimestamp, type ReadLogOptions } from "../../src/runtime/container-log.js";

function record(second: number, line: string, tag = "F"): string {
  return `2024-03-25T13:20:${String(second).padStart(2, "0")}.000000001+01:00 stdout ${tag} ${line}\n`;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function logDir(): string {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-log-`);
  dirs.push(dir);
  return `${dir}/ctr.log`;
}

async function lines(path: string, opts: ReadLogOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readLog(path, opts)) out.push(r.line.toString());
  return out;
}

describe("readLog across rotated files", () => {
  test("rotatedLogFiles() lists oldest first, plain or gzip, the plain one when both exist", () => {
    const log = logDir();
    for (const name of ["ctr.log.1", "ctr.log.1.gz", "ctr.log.2.gz", "ctr.log.10", "ctr.log.tmp", "ctr.log.1.gz.tmp", "ctr.log"])
      fs.writeFileSync(`${log.slice(0, -7)}/${name}`, "");
    assert.deepEqual(
      rotatedLogFiles(log).map((p) => p.slice(log.length)),
      [".10", ".2.gz", ".1"],
    );
  });

  test("reads .2.gz, .1, then the live file; --tail and --since cross files", async () => {
    const log = logDir();
    fs.writeFileSync(`${log}.2.gz`, gzipSync(record(1, "one") + record(2, "two")));
    fs.writeFileSync(`${log}.1`, record(3, "thr", "P") + record(3, "ee") + record(4, "four"));
    fs.writeFileSync(log, record(5, "five"));
    assert.deepEqual(await lines(log), ["one", "two", "thr", "ee", "four", "five"]);
    assert.deepEqual(await lines(log, { tail: 1 }), ["five"]);
    assert.deepEqual(await lines(log, { tail: 3 }), ["thr", "ee", "four", "five"]);
    assert.deepEqual(await lines(log, { tail: 4 }), ["two", "thr", "ee", "four", "five"]);
    assert.deepEqual(await lines(log, { tail: 100 }), ["one", "two", "thr", "ee", "four", "five"]);
    assert.deepEqual(await lines(log, { since: new Date("2024-03-25T12:20:02Z") }), ["two", "thr", "ee", "four", "five"]);
    assert.deepEqual(await lines(log, { until: new Date("2024-03-25T12:20:01.500Z") }), ["one"]);
  });

  test("with no live file for a moment (renamed, not yet reopened), the rotated files are read", async () => {
    const log = logDir();
    fs.writeFileSync(`${log}.1`, record(3, "three"));
    assert.deepEqual(await lines(log), ["three"]);
  });

  test("-f follows the path across a rotation, reading what was written to the old file first", async () => {
    const log = logDir();
    fs.writeFileSync(log, record(1, "a"));
    let running = true;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of readLog(log, { follow: true, isRunning: () => running, pollMs: 20 })) seen.push(r.line.toString());
    })();
    await until(() => seen.length === 1);
    // The rotation: rename, a late write to the renamed file, then the writer's fresh file.
    fs.renameSync(log, `${log}.1`);
    fs.appendFileSync(`${log}.1`, record(2, "b"));
    fs.writeFileSync(`${log}.tmp`, record(3, "c"));
    fs.renameSync(`${log}.tmp`, log);
    await until(() => seen.length === 3);
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, record(4, "d"));
    await until(() => seen.length === 4);
    running = false;
    await reading;
    assert.deepEqual(seen, ["a", "b", "c", "d"]);
  });

  test("-f that falls two rotations behind reads the file between before the new live one", async () => {
    const log = logDir();
    fs.writeFileSync(log, record(1, "a"));
    let running = true;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of readLog(log, { follow: true, isRunning: () => running, pollMs: 20 })) seen.push(r.line.toString());
    })();
    await until(() => seen.length === 1);
    // Two rotations with compression, done at once (synchronously): the reader sees none of the
    // steps between; the file it reads is compressed away, "b" and "c" are in .1 only.
    fs.appendFileSync(log, record(2, "a2"));
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, record(3, "b") + record(4, "c"));
    fs.writeFileSync(`${log}.2.gz`, gzipSync(fs.readFileSync(`${log}.1`)));
    fs.rmSync(`${log}.1`);
    fs.renameSync(log, `${log}.1`);
    fs.writeFileSync(log, record(5, "d"));
    await until(() => seen.length === 5);
    running = false;
    await reading;
    assert.deepEqual(seen, ["a", "a2", "b", "c", "d"]);
  });

  test("utcTimestamp() converts conmon's local time to RFC3339Nano UTC", () => {
    assert.equal(utcTimestamp("2024-03-25T13:20:42.999999999+01:00"), "2024-03-25T12:20:42.999999999Z");
    assert.equal(utcTimestamp("2024-03-25T00:20:42.5-05:30"), "2024-03-25T05:50:42.500000000Z");
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (const end = Date.now() + 5000; !cond();) {
    if (Date.now() > end) assert.fail("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
