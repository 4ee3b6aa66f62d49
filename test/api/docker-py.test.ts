// docker-py (Debian's python3-docker) against berth serve: create, start, wait, logs, diff,
// commit, history, tag, exec, export, import, remove (test/api/py/workflow.py), and the answers
// docker-py's own integration tests rely on, with dockerd 20.10's measured as the expectations
// (test/api/py/engine-answers.py). Skips when no Python with the docker module is installed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { REPO, isRoot } from "../helpers/temp-root.js";
import { useApiServer } from "../helpers/api-server.js";

const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import docker"]).status === 0);
const skip = !isRoot() ? "needs root" : !PYTHON ? "no python3 with the docker module (apt-get install python3-docker)" : false;

describe("berth serve: docker-py", { skip }, () => {
  const served = useApiServer();

  /** One case of engine-answers.py: the facts it printed. */
  function answers(name: string): Record<string, unknown> {
    const r = spawnSync(PYTHON!, [`${REPO}/test/api/py/engine-answers.py`, served.server.dockerHost, name], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stderr}\nserver: ${served.server.log().slice(-3000)}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
  }

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
    assert.deepEqual(facts.history, [
      ["M", ["py-img:v1"]],
      ["Imported from -", ["busybox:latest"]],
    ]);
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

  test("exec output is framed by the start's Tty, the process's terminal comes from the create's", () => {
    const facts = answers("exec-tty");
    // Created with a TTY, started without: frames, the terminal's output all on stdout (no "104 is not a valid stream").
    assert.deepEqual(facts.tty_process_framed, ["hi\r\nerr\r\n", null]);
    assert.equal(facts.tty_process_inspect, true);
    // Created without, started with: raw stdout, and stderr dropped, as dockerd does.
    assert.equal(facts.plain_process_raw, "hi\nbye\n");
    assert.equal(facts.plain_process_inspect, false);
    assert.equal(facts.exec_run_tty, "t\r\n");
  });

  test("log drivers: json-file by default, none keeps nothing, unknown ones are refused", () => {
    const facts = answers("log-driver");
    assert.deepEqual(facts.unknown, [400, 'error looking up logging plugin foo: plugin "foo" not found']);
    assert.deepEqual(facts.unknown_opt, [400, "unknown log opt 'foo' for json-file log driver"]);
    assert.deepEqual(facts.syslog, [501, "berth does not implement the syslog log driver: use json-file, local, k8s-file or none"]);
    assert.equal(facts.created, 0, "a refused create leaves no container");
    assert.deepEqual(facts.default, { Type: "json-file", Config: {} });
    assert.equal(facts.default_logs, "kept\n");
    // docker-py's run() reads no logs from a none container; a logs call is refused with dockerd's 501.
    assert.equal(facts.none_run, null);
    assert.deepEqual(facts.none_logs, [501, "configured logging driver does not support reading"]);
    assert.deepEqual(facts.none_config, { Type: "none", Config: {} });
    assert.equal(facts.none_exit, 0);
    assert.equal(facts.info_driver, "json-file");
  });

  test("restart always: the exit reads as restarting at once, and the container comes back", () => {
    const facts = answers("restart-always");
    // dockerd records the restart with the exit: a client never sees "exited" in between.
    assert.deepEqual(facts.statuses, ["restarting", "running"]);
    assert.ok((facts.counted as number) >= 2, `RestartCount ${String(facts.counted)}`);
    assert.equal(facts.stopped, "exited", "a stop ends the restarts");
  });

  test("stats: no networks key for host and none containers, as dockerd", () => {
    const facts = answers("stats-networks");
    assert.deepEqual(facts.has_key, { host: false, none: false });
    // A none container has no endpoints: a link made inside it by hand is not one (dockerd too).
    assert.deepEqual(facts.interfaces, []);
  });

  test("swarm: 503 with dockerd's words, as a node outside any swarm", () => {
    const facts = answers("swarm");
    const notManager =
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
    assert.deepEqual(facts.swarm, [503, notManager]);
    assert.deepEqual(facts.lists, [503, 503, 503, 503]);
    assert.deepEqual(facts.leave, [503, "This node is not part of a swarm"]);
    assert.equal(facts.state, "inactive");
  });
});
