// The run directory emptied while containers run (a careless clean-up of the --runroot tmpfs):
// the runtime's state, conmon's bundle and exit directory are gone, the processes run on. stop,
// kill and rm -f must still end them, found through the container's cgroup, say that the state
// was missing, record the exit and leave nothing running that berth reports as gone.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createTempRoot, isRoot, mountsUnder, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";

const skip = isRoot() ? false : "containers need root: mounts, namespaces, cgroups";
const CGROUP_ROOT = "/sys/fs/cgroup";
const MISSING = /its runtime state is missing \(.*\/runc\/[0-9a-f]{64} and .* are gone: was the run directory emptied while it ran\?\)/;

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The container's cgroup directories, in every hierarchy where one exists. */
function cgroupDirs(id: string): string[] {
  if (fs.existsSync(`${CGROUP_ROOT}/cgroup.controllers`)) return [`${CGROUP_ROOT}/berth/${id}`].filter((d) => fs.existsSync(d));
  return fs
    .readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${CGROUP_ROOT}/${e.name}/berth/${id}`)
    .filter((d) => fs.existsSync(d));
}

function cgroupPids(id: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(id)) {
    for (const line of fs.readFileSync(`${dir}/cgroup.procs`, "utf8").split("\n")) if (line) pids.add(Number(line));
  }
  return [...pids].filter(running);
}

/** Alive and not a zombie (a zombie whose parent died may wait for a reaper that never comes). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("the run directory emptied while containers run", { skip }, () => {
  let t: TempRoot;
  const started: string[] = [];
  const ok = (args: string[]): string => {
    const r = t.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const inspect = (id: string, format: string): string => ok(["inspect", "-f", format, id]).trim();
  /** A running container and its init's pid, as berth knew them before the run directory went. */
  const runDetached = (name: string, ...cmd: string[]): { id: string; pid: number } => {
    const id = ok(["run", "-d", "--name", name, "busybox", ...cmd]).trim();
    started.push(id);
    const pid = Number(inspect(id, "{{.State.Pid}}"));
    assert.ok(running(pid), "the container runs");
    return { id, pid };
  };
  /** What a reboot or `rm -rf /run/...` does to the runroot; berth's mounts (under --root) stay. */
  const emptyRunroot = (): void => {
    const mounts = mountsUnder(t.runroot);
    for (const entry of fs.readdirSync(t.runroot)) {
      const path = `${t.runroot}/${entry}`;
      if (!mounts.some((m) => m === path || m.startsWith(path + "/"))) fs.rmSync(path, { recursive: true, force: true });
    }
  };

  before(() => {
    t = createTempRoot();
    ok(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
  });
  after(async () => {
    // Whatever a failing test left running in its cgroups goes with the temporary root.
    for (const id of started) {
      for (const pid of cgroupPids(id)) process.kill(pid, "SIGKILL");
    }
    t?.cleanup();
    for (const id of started) {
      await waitFor(() => cgroupPids(id).length === 0).catch(() => undefined);
      for (const dir of cgroupDirs(id)) {
        try {
          fs.rmdirSync(dir);
        } catch (err) {
          console.error(`left behind: ${(err as Error).message}`);
        }
      }
    }
  });

  test("stop kills what the stop signal leaves running, records the exit and removes the cgroup", () => {
    const { id, pid } = runDetached("stop-sleep", "sleep", "1000");
    emptyRunroot();
    assert.match(ok(["ps", "--filter", `id=${id}`, "--format", "{{.Status}}"]), /^Up /, "still running, so still Up");
    const began = Date.now();
    const r = t.berth(["stop", "-t", "1", "stop-sleep"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "stop-sleep\n");
    assert.match(r.stderr, MISSING);
    assert.ok(Date.now() - began < 15_000, "no wait for an exit nobody would record");
    assert.equal(running(pid), false, "the container's init is gone");
    assert.deepEqual(cgroupDirs(id), [], "its cgroups are removed");
    // sleep, pid 1 of its namespace, ignores SIGTERM: it took the SIGKILL.
    assert.equal(inspect(id, "{{.State.Status}} {{.State.ExitCode}}"), "exited 137");
    assert.match(ok(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.Status}}"]), /^Exited \(137\) /);
  });

  test("stop of a container that handles the stop signal records the exit code it chose", () => {
    const { id, pid } = runDetached("stop-trap", "sh", "-c", 'trap "exit 3" TERM; while :; do sleep 0.1; done');
    emptyRunroot();
    const r = t.berth(["stop", "-t", "10", "stop-trap"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, MISSING);
    assert.equal(running(pid), false);
    assert.deepEqual(cgroupDirs(id), []);
    assert.equal(inspect(id, "{{.State.Status}} {{.State.ExitCode}}"), "exited 3");
  });

  test("kill sends the signal to the processes the cgroup holds, and the exit is recorded", async () => {
    const { id, pid } = runDetached("kill-me", "sleep", "1000");
    emptyRunroot();
    const r = t.berth(["kill", "kill-me"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "kill-me\n");
    assert.match(r.stderr, MISSING);
    assert.equal(running(pid), false, "SIGKILL is done when kill returns");
    assert.deepEqual(cgroupPids(id), []);
    await waitFor(() => inspect(id, "{{.State.Status}}") === "exited");
    assert.equal(inspect(id, "{{.State.ExitCode}}"), "137");
    await waitFor(() => cgroupDirs(id).length === 0);
  });

  test("kill -s delivers the named signal, and only that", async () => {
    const { id, pid } = runDetached("kill-usr1", "sh", "-c", 'trap "exit 7" USR1; while :; do sleep 0.1; done');
    emptyRunroot();
    const r = t.berth(["kill", "-s", "USR1", "kill-usr1"]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => !running(pid));
    await waitFor(() => inspect(id, "{{.State.Status}}") === "exited");
    assert.equal(inspect(id, "{{.State.ExitCode}}"), "7");
  });

  test("rm -f kills every process of the container, those it forked too, and removes it", () => {
    const { id, pid } = runDetached("rm-forks", "sh", "-c", "sleep 1000 & sleep 1000 & wait");
    let pids: number[] = [];
    for (const end = Date.now() + 5000; pids.length < 3 && Date.now() < end;) pids = cgroupPids(id);
    assert.ok(pids.includes(pid) && pids.length === 3, `init and its two children: ${pids.join(" ")}`);
    emptyRunroot();
    const r = t.berth(["rm", "-f", "rm-forks"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "rm-forks\n");
    assert.match(r.stderr, MISSING);
    assert.deepEqual(pids.filter(running), [], "nothing of it runs");
    assert.deepEqual(cgroupDirs(id), []);
    const gone = t.berth(["inspect", id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`No such object: ${id}`));
    assert.equal(t.berth(["system", "check"]).code, 0);
  });

  test("with its conmon gone as well, ps says Up while the processes run and stop still ends them", () => {
    const { id, pid } = runDetached("no-monitor", "sleep", "1000");
    const conmon = Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    emptyRunroot();
    process.kill(conmon, "SIGKILL");
    assert.match(ok(["ps", "--filter", `id=${id}`, "--format", "{{.Status}}"]), /^Up /, "its processes run: not Exited");
    const r = t.berth(["stop", "-t", "1", "no-monitor"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, MISSING);
    assert.equal(running(pid), false);
    assert.deepEqual(cgroupDirs(id), []);
    assert.equal(inspect(id, "{{.State.Status}} {{.State.ExitCode}}"), "exited 137");
  });

  test("a container whose processes ended by themselves reads as exited", async () => {
    const { id, pid } = runDetached("ends-alone", "sleep", "1000");
    emptyRunroot();
    process.kill(pid, "SIGKILL");
    await waitFor(() => /^Exited /.test(ok(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.Status}}"])));
    const r = t.berth(["rm", "ends-alone"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cgroupDirs(id), [], "rm removes the cgroup the runtime could not");
  });
});
