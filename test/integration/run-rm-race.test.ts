// `run --rm` in the foreground races conmon's exit command, which records the exit and removes the
// container: the foreground must still answer with the exit code, however the race ends. Twenty
// at once made it end the other way often enough (the bench saw 7 of 20 fail with "No such
// container" naming the container itself).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { isRoot } from "../helpers/temp-root.js";
import { useBusyboxRoot } from "../helpers/busybox-root.js";

const skip = isRoot() ? false : "needs root";

describe("run --rm against its own cleanup", { skip }, () => {
  const root = useBusyboxRoot();

  test("twenty run --rm at once each exit with their container's code, and leave no container", async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => root.t.berthAsync(["run", "--rm", "--network", "none", "busybox", "sh", "-c", `exit ${i % 4}`])),
    );
    runs.forEach((r, i) => assert.equal(r.code, i % 4, `run ${i}: ${r.stderr}`));
    assert.equal(root.ok(["ps", "-aq"]), "");
  });
});
