// A commit killed (SIGKILL) while it holds a running container paused: the next command that reads
// the container finds the commit dead and thaws it, so that the container is never left frozen
// while inspect says it runs. A user's own pause is kept. Each test reads the cgroup freezer itself.
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { BERTH, createTempRoot, isRoot, type RunResult, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";

const skip = isRoot() ? false : "needs root";

let roots: TempRoot[] = [];
afterEach(() => {
  for (const t of roots) t.cleanup();
  roots = [];
});

function ok(t: TempRoot, args: string[]): string {
  const r = t.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** "FROZEN" or "THAWED", as the kernel has it (cgroup v1's freezer, or v2's cgroup.freeze). */
function freezer(id: string): "FROZEN" | "THAWED" {
  const v1 = `/sys/fs/cgroup/freezer/berth/${id}/freezer.state`;
  if (fs.existsSync(v1)) {
    const state = fs.readFileSync(v1, "utf8").trim();
    // FREEZING is a freeze under way: still not a container that runs.
    return state === "THAWED" ? "THAWED" : "FROZEN";
  }
  return fs.readFileSync(`/sys/fs/cgroup/berth/${id}/cgroup.freeze`, "utf8").trim() === "1" ? "FROZEN" : "THAWED";
}

function mount(args: string[]): void {
  const r = spawnSync("mount", args);
  assert.equal(r.status, 0, `mount ${args.join(" ")}: ${r.stderr.toString()}`);
}

/**
 * berth on `t`'s store through a read-only bind mount: a running container keeps files of the
 * store open for writing, so the store's own file system cannot be remounted read-only.
 */
function readOnlyBerth(t: TempRoot): (args: string[]) => RunResult {
  const readOnlyRoot = `${t.dir}/read-only-root`;
  fs.mkdirSync(readOnlyRoot);
  mount(["--bind", t.root, readOnlyRoot]);
  mount(["-o", "remount,bind,ro", readOnlyRoot]);
  return (args) => {
    const r = spawnSync(process.execPath, [BERTH, "--root", readOnlyRoot, "--runroot", t.runroot, ...args], {
      env: { ...process.env, TZ: "UTC" },
    });
    return { code: r.status ?? 128 + 9, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
}

function inspectState(t: TempRoot, name: string): { Status: string; Running: boolean; Paused: boolean } {
  return (JSON.parse(ok(t, ["inspect", name])) as { State: { Status: string; Running: boolean; Paused: boolean } }[])[0]!.State;
}

const SLEEPER = "echo before > /state; exec sleep 600";

/** A running container, and a commit of it killed at `point` (by default, once it is paused). */
function frozenByDeadCommit(opts: { point?: string; script?: string } = {}): { t: TempRoot; id: string } {
  const { point = "after-commit-pause", script = SLEEPER } = opts;
  const t = createTempRoot("berth-faults-commit-");
  roots.push(t);
  ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  const id = ok(t, ["run", "-d", "--name", "box", "busybox", "sh", "-c", script]).trim();
  const killed = t.berth(["commit", "box", "snap:1"], { env: { BERTH_CRASH_AT: point } });
  assert.equal(killed.code, 128 + 9, `the commit was to die at ${point}: ${killed.stderr}`);
  return { t, id };
}

describe("a commit killed while the container is paused", { skip }, () => {
  test("ps thaws the container and shows it running", () => {
    const { t, id } = frozenByDeadCommit();
    assert.equal(freezer(id), "FROZEN", "the killed commit left the container frozen");
    assert.equal(ok(t, ["ps", "--format", "{{.Names}} {{.State}} {{.Status}}"]).replace(/Up .*/, "Up"), "box running Up\n");
    assert.equal(freezer(id), "THAWED");
    assert.equal(ok(t, ["exec", "box", "cat", "/state"]), "before\n");
  });

  test("inspect thaws the container and says so: never Paused=false on a frozen container", () => {
    for (const point of ["after-commit-pause-recorded", "after-commit-pause"]) {
      const { t, id } = frozenByDeadCommit({ point });
      const state = inspectState(t, "box");
      assert.equal(freezer(id), "THAWED", point);
      assert.deepEqual([state.Status, state.Running, state.Paused], ["running", true, false], point);
      // The recovery was recorded: the next reader finds nothing to do.
      const again = t.berth(["inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "box"]);
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, "running false\n", ""]);
      assert.equal(t.berth(["system", "check"]).code, 0);
    }
  });

  test("exec runs in the container instead of failing on the frozen cgroup", () => {
    const { t, id } = frozenByDeadCommit();
    const r = t.berth(["exec", "box", "cat", "/state"]);
    assert.deepEqual([r.code, r.stdout], [0, "before\n"], r.stderr);
    assert.equal(freezer(id), "THAWED");
  });

  test("stop reaches the container's own handler of the stop signal, not only the SIGKILL after the timeout", () => {
    const { t } = frozenByDeadCommit({ script: 'trap "exit 7" TERM; echo before > /state; while :; do sleep 0.1; done' });
    ok(t, ["stop", "-t", "5", "box"]);
    const state = (JSON.parse(ok(t, ["inspect", "box"])) as { State: { Status: string; ExitCode: number } }[])[0]!.State;
    assert.deepEqual([state.Status, state.ExitCode], ["exited", 7], "the container heard SIGTERM");
  });

  test("unpause frees the container: it is running, so docker's 'is not paused'", () => {
    const { t, id } = frozenByDeadCommit();
    const r = t.berth(["unpause", "box"]);
    assert.equal(freezer(id), "THAWED");
    assert.deepEqual([r.code, r.stderr], [1, `Error response from daemon: Container ${id} is not paused\n`]);
    assert.equal(ok(t, ["exec", "box", "cat", "/state"]), "before\n");
  });

  test("a later commit succeeds and leaves the container running", () => {
    const { t, id } = frozenByDeadCommit();
    ok(t, ["commit", "box", "snap:2"]);
    assert.equal(freezer(id), "THAWED");
    assert.deepEqual(inspectState(t, "box").Status, "running");
    assert.equal(ok(t, ["run", "--rm", "snap:2", "cat", "/state"]), "before\n");
  });

  test("a user's pause survives: a commit of a paused container, killed, leaves it paused", () => {
    const t = createTempRoot("berth-faults-commit-");
    roots.push(t);
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    const id = ok(t, ["run", "-d", "--name", "box", "busybox", "sleep", "600"]).trim();
    ok(t, ["pause", "box"]);
    const killed = t.berth(["commit", "box", "snap:1"], { env: { BERTH_CRASH_AT: "after-ingest" } });
    assert.equal(killed.code, 128 + 9, killed.stderr);
    const state = inspectState(t, "box");
    assert.deepEqual([state.Status, state.Paused, freezer(id)], ["paused", true, "FROZEN"]);
    assert.match(ok(t, ["ps", "--format", "{{.State}}"]), /^paused$/m);
    const exec = t.berth(["exec", "box", "true"]);
    assert.equal(exec.stderr, `Error response from daemon: Container ${id} is paused, unpause the container before exec\n`);
    ok(t, ["unpause", "box"]);
    assert.deepEqual([inspectState(t, "box").Paused, freezer(id)], [false, "THAWED"]);
  });

  test("a user's pause killed between its record and its freeze is rolled back; a finished pause stays", () => {
    const t = createTempRoot("berth-faults-commit-");
    roots.push(t);
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    const id = ok(t, ["run", "-d", "--name", "box", "busybox", "sleep", "600"]).trim();
    const killed = t.berth(["pause", "box"], { env: { BERTH_CRASH_AT: "after-pause-recorded" } });
    assert.equal(killed.code, 128 + 9, killed.stderr);
    assert.deepEqual([inspectState(t, "box").Paused, freezer(id)], [false, "THAWED"]);
    ok(t, ["pause", "box"]);
    assert.deepEqual([inspectState(t, "box").Paused, freezer(id)], [true, "FROZEN"]);
    assert.deepEqual([inspectState(t, "box").Paused, freezer(id)], [true, "FROZEN"], "read twice: still the user's pause");
  });

  test("on a read-only store the container is thawed all the same, with a warning that it could not be recorded", () => {
    const { t, id } = frozenByDeadCommit();
    const berthReadOnly = readOnlyBerth(t);
    const r = berthReadOnly(["inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "box"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "running false\n");
    assert.match(
      r.stderr,
      /left paused by a commit .* that was killed; berth thawed it, but could not record that: .*read-only file system/,
    );
    assert.equal(freezer(id), "THAWED");
    assert.equal(berthReadOnly(["exec", "box", "cat", "/state"]).stdout, "before\n", "exec works, warning again");
    // Once the store can be written again, the next reader records it.
    const after = t.berth(["inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "box"]);
    assert.deepEqual([after.code, after.stdout, after.stderr], [0, "running false\n", ""]);
    assert.equal(berthReadOnly(["inspect", "box"]).stderr, "", "nothing left to record");
  });

  test("on a read-only store a container whose monitor and process died reads as exited, with a warning", () => {
    const t = createTempRoot("berth-faults-commit-");
    roots.push(t);
    ok(t, ["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    ok(t, ["run", "-d", "--name", "box", "busybox", "sleep", "600"]);
    const pid = Number(ok(t, ["inspect", "--format", "{{.State.Pid}}", "box"]).trim());
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const monitor = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    assert.equal(fs.readFileSync(`/proc/${monitor}/comm`, "utf8").trim(), "conmon", "the container's parent is its monitor");
    // The monitor first, so that no exit command records the end: as after a reboot.
    process.kill(monitor, "SIGKILL");
    process.kill(pid, "SIGKILL");
    spawnSync("sleep", ["0.5"]);
    const r = readOnlyBerth(t)(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "box"]);
    assert.deepEqual([r.code, r.stdout], [0, "exited 255\n"], r.stderr);
    assert.match(r.stderr, /has exited; berth could not record that: .*read-only file system/);
    assert.equal(ok(t, ["inspect", "--format", "{{.State.Status}}", "box"]), "exited\n");
  });
});
