// ConmonRuntimes: made for nothing (the engine opens one for every command, most of which run no
// container), it looks for its binary at the first use, and each --runtime name keeps its runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { ConmonRuntimes } from "../../src/runtime/conmon-runtime.js";
import { InvalidArgumentError } from "../../src/errors.js";

const ID = "a".repeat(64);

function tempRunroot(): { runroot: string; remove(): void } {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/berth-runtime-`);
  return { runroot: `${dir}/run`, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe("ConmonRuntimes", () => {
  it("touches nothing until a task is asked for, and an unknown --runtime fails then with dockerd's words", async () => {
    const temp = tempRunroot();
    try {
      const runtimes = new ConmonRuntimes(temp.runroot);
      const runtime = runtimes.get("no-such-runtime");
      assert.equal(runtime.hasTask(ID), false);
      assert.equal(runtime.exitStatus(ID), undefined);
      assert.equal(fs.existsSync(temp.runroot), false, "nothing made under the runroot");
      await assert.rejects(runtime.clearLastRun(ID), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.equal(err.message, "unknown or invalid runtime name: no-such-runtime");
        return true;
      });
    } finally {
      temp.remove();
    }
  });

  it("gives one runtime per name: a container keeps the one it was created with", () => {
    const runtimes = new ConmonRuntimes("/nonexistent/run");
    assert.equal(runtimes.get(undefined), runtimes.get("default"));
    assert.equal(runtimes.get("runc"), runtimes.get("runc"));
    assert.notEqual(runtimes.get("runc"), runtimes.get("crun"));
    assert.notEqual(runtimes.get("runc"), runtimes.get(undefined));
  });

  it("reads the exit conmon recorded, with the OOM mark of that run", () => {
    const temp = tempRunroot();
    try {
      const runtime = new ConmonRuntimes(temp.runroot).get(undefined);
      fs.mkdirSync(`${temp.runroot}/exits`, { recursive: true });
      fs.writeFileSync(`${temp.runroot}/exits/${ID}`, "137");
      assert.equal(runtime.exitStatus(ID)?.code, 137);
      assert.equal(runtime.exitStatus(ID)?.oomKilled, false);
      fs.mkdirSync(`${temp.runroot}/containers/${ID}/persist`, { recursive: true });
      fs.writeFileSync(`${temp.runroot}/containers/${ID}/persist/oom`, "");
      assert.equal(runtime.exitStatus(ID)?.oomKilled, true);
      runtime.forget(ID);
      assert.equal(runtime.exitStatus(ID), undefined);
      assert.equal(fs.existsSync(`${temp.runroot}/containers/${ID}`), false);
    } finally {
      temp.remove();
    }
  });
});
