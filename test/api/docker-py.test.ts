// docker-py (Debian's python3-docker) against berth serve: create, start, wait, logs, diff,
// commit, history, tag, exec, export, import, remove (test/api/py/workflow.py). Skips when no
// Python with the docker module is installed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { REPO, isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import docker"]).status === 0);
const skip = !isRoot() ? "needs root" : !PYTHON ? "no python3 with the docker module (apt-get install python3-docker)" : false;

describe("berth serve: docker-py", { skip }, () => {
  const served = useApiServer();

  test("the workflow through docker-py's high-level and low-level clients", () => {
    const r = spawnSync(PYTHON!, [`${REPO}/test/api/py/workflow.py`, served.server.dockerHost], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stderr}\nserver: ${served.server.log().slice(-3000)}`);
    const facts = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(facts.version, "1.41");
    assert.equal(facts.ping, true);
    assert.equal(facts.wait, 3);
    assert.equal(facts.stdout, "out1\n");
    assert.equal(facts.stderr, "err1\n");
    assert.deepEqual(facts.diff, [{ Path: "/made", Kind: 1 }]);
    assert.equal(facts.status, "exited");
    assert.match(facts.image_id, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(facts.history, [["M", ["py-img:v1"]], ["Imported from -", ["busybox:latest"]]]);
    assert.deepEqual(facts.tags, ["py-img:v1", "py-img:v2"]);
    assert.deepEqual(facts.images, ["busybox:latest", "py-img:v1", "py-img:v2"]);
    assert.deepEqual(facts.exec, [4, "in-exec\n"]);
    assert.equal(facts.committed_env, "yes\n", "commit's conf body overrides the container's config");
    assert.ok(facts.export_size > 1_000_000);
    assert.match(facts.import_status, /^sha256:[0-9a-f]{64}$/);
    assert.equal(facts.removed, true);
    assert.equal(facts.notfound, "No such container: py-1");
    assert.deepEqual(facts.left, ["busybox:latest"]);
  });
});
