import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { processStartTime } from "../../src/sys/process-start-time.js";

test("processStartTime: a live process has one; a zombie (ended, not yet reaped) has none", async () => {
  assert.ok(processStartTime(process.pid));
  // The shell's background child ends at once; the shell, replaced by sleep, never reaps it.
  const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const zombie = Number((await new Promise<Buffer>((resolve) => parent.stdout.once("data", resolve))).toString());
    for (const end = Date.now() + 5000; !/\) Z /.test(safeStat(zombie));) {
      if (Date.now() > end) assert.fail(`pid ${zombie} never became a zombie: ${safeStat(zombie)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(processStartTime(zombie), undefined);
    assert.ok(processStartTime(parent.pid!));
  } finally {
    parent.kill("SIGKILL");
  }
});

function safeStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
}
