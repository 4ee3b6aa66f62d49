// The gate before conmon's exit command: it waits for the run's follower, ends at once when the
// follower settled the run, and runs berth's cleanup in every other case (follower detached,
// failed, or killed with SIGKILL), so that an exit is always recorded.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { canFollowExits, followExit, gatedExitCommand } from "../../src/engine/containers/exit-follower.js";

const skip = canFollowExits() ? false : "needs /usr/bin/flock and /bin/sh";
const FOLLOWER_MODULE = new URL("../../src/engine/containers/exit-follower.js", import.meta.url).href;

describe("exit follower", { skip }, () => {
  let dir: string;
  let marker: string;
  /** berth's cleanup, as the gate sees it: a command that leaves a file behind. */
  let cleanup: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/berth-follow-`);
    marker = `${dir}/cleanup-ran`;
    cleanup = ["/bin/sh", "-c", 'echo "$0" > "$1"', "ran", marker];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function runGate(path: string): ReturnType<typeof spawn> {
    const [cmd, ...args] = gatedExitCommand(path, cleanup);
    return spawn(cmd!, args, { stdio: "ignore" });
  }

  function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
    return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  test("a settled run ends the exit command without its cleanup, and the follower's file goes", async () => {
    const follower = followExit(dir, "a1");
    const gate = runGate(`${dir}/follow/a1`);
    const done = exited(gate);
    await sleep(300);
    assert.equal(gate.exitCode, null, "the exit command waits while the follower holds its lock");
    assert.equal(fs.existsSync(marker), false);
    follower.settled();
    follower.release();
    assert.equal(await done, 0);
    assert.equal(fs.existsSync(marker), false, "no cleanup after a settled run");
    assert.deepEqual(fs.readdirSync(`${dir}/follow`), []);
  });

  test("a follower that lets go without settling (detached, failed) hands the run to the cleanup", async () => {
    const follower = followExit(dir, "b2");
    const done = exited(runGate(`${dir}/follow/b2`));
    follower.release();
    assert.equal(await done, 0);
    assert.equal(fs.readFileSync(marker, "utf8"), "ran\n");
    assert.deepEqual(fs.readdirSync(`${dir}/follow`), []);
  });

  test("a follower killed with SIGKILL hands the run to the cleanup", async () => {
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const m = await import(${JSON.stringify(FOLLOWER_MODULE)}); m.followExit(${JSON.stringify(dir)}, "c3"); console.log("held"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((resolve) => holder.stdout!.once("data", resolve));
    const gate = runGate(`${dir}/follow/c3`);
    const done = exited(gate);
    await sleep(300);
    assert.equal(gate.exitCode, null, "the exit command waits for the live follower");
    holder.kill("SIGKILL");
    assert.equal(await done, 0);
    assert.equal(fs.readFileSync(marker, "utf8"), "ran\n");
  });

  test("without the follower's file the cleanup runs", () => {
    const [cmd, ...args] = gatedExitCommand(`${dir}/follow/missing`, cleanup);
    const r = spawnSync(cmd!, args, { stdio: "ignore" });
    assert.equal(r.status, 0);
    assert.equal(fs.readFileSync(marker, "utf8"), "ran\n");
  });

  test("a run ID that is not hex is refused (it names a file)", () => {
    assert.throws(() => followExit(dir, "../x"), /invalid run id/);
  });
});
