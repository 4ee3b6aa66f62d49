// Finding and killing a task's processes through its cgroup, on real cgroups of the test's own
// (v1 controllers, the unified hierarchy of a hybrid host, or v2 alone).
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import {
  CGROUP_ROOT,
  cgroupDirs,
  cgroupInit,
  cgroupProcesses,
  freezeKillThaw,
  killCgroup,
  removeCgroup,
} from "../../src/runtime/cgroup-processes.js";

const V2 = fs.existsSync(`${CGROUP_ROOT}/cgroup.controllers`);
const skip = process.getuid?.() !== 0 ? "needs root (cgroups)" : false;

/** Makes the cgroup where a v1 host has the pids and freezer controllers (and the unified hierarchy, when asked). */
function makeCgroup(path: string, opts: { unified?: boolean } = {}): string[] {
  const hierarchies = V2 ? [""] : ["/pids", "/freezer", ...(opts.unified ? ["/unified"] : [])];
  const dirs = hierarchies.map((h) => `${CGROUP_ROOT}${h}${path}`).filter((d) => fs.existsSync(d.slice(0, d.indexOf(path))));
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
  // A bound for the fork loops below, where the controller lets us set one.
  for (const dir of dirs) if (fs.existsSync(`${dir}/pids.max`)) fs.writeFileSync(`${dir}/pids.max`, "1000");
  return dirs;
}

/** Eight loops forking as fast as they can, each child forking on. */
const FORKERS = `sh -c 'for i in 1 2 3 4 5 6 7 8; do (while :; do sleep 100 & done) 2>/dev/null & done; wait'`;

/** A shell that joins the cgroup, then becomes `command`: whatever it forks is in the cgroup too. */
function runIn(dirs: string[], command: string): ChildProcess {
  const join = dirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join(" && ");
  return spawn("sh", ["-c", `${join} && exec ${command}`], { stdio: "ignore" });
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("cgroup processes", { skip }, () => {
  const path = `/berth-test/${randomBytes(6).toString("hex")}`;
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const pid of cgroupProcesses(path)) process.kill(pid, "SIGKILL");
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await waitFor(() => cgroupProcesses(path).length === 0).catch(() => undefined);
    removeCgroup(path);
    for (const dir of cgroupDirs("/berth-test")) fs.rmdirSync(dir, { recursive: false });
  });

  test("freeze, kill, thaw until no process is left, however fast they fork", async () => {
    const dirs = makeCgroup(path);
    children.push(runIn(dirs, FORKERS));
    await waitFor(() => cgroupProcesses(path).length > 100);
    await freezeKillThaw(path);
    assert.deepEqual(cgroupProcesses(path), []);
    removeCgroup(path);
    assert.deepEqual(cgroupDirs(path), []);
  });

  test("killCgroup empties the cgroup (with cgroup.kill where the kernel has it)", async () => {
    const dirs = makeCgroup(path, { unified: true });
    children.push(runIn(dirs, FORKERS));
    await waitFor(() => cgroupProcesses(path).length > 100);
    await killCgroup(path);
    assert.deepEqual(cgroupProcesses(path), []);
  });

  test("the init is the process that is pid 1 of its namespace, not the oldest", async () => {
    const dirs = makeCgroup(path);
    children.push(runIn(dirs, "unshare --pid --fork sleep 100"));
    // Until the forked child has exec'd, it is a second "unshare".
    const isSleep = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep\0");
    await waitFor(() => cgroupProcesses(path).length === 2 && cgroupProcesses(path).some(isSleep));
    const init = cgroupInit(path);
    assert.ok(init !== undefined);
    assert.match(fs.readFileSync(`/proc/${init}/status`, "utf8"), /^NSpid:\s+\d+\s+1$/m);
    assert.match(fs.readFileSync(`/proc/${init}/cmdline`, "utf8"), /^sleep\0/);
  });

  test("without its own pid namespace, the init is the process started first", async () => {
    const dirs = makeCgroup(path);
    const first = runIn(dirs, "sleep 100");
    children.push(first);
    await waitFor(() => cgroupProcesses(path).length === 1);
    children.push(runIn(dirs, "sleep 100"));
    await waitFor(() => cgroupProcesses(path).length === 2);
    assert.equal(cgroupInit(path), first.pid);
  });

  test("an empty cgroup has no processes and no init; one that is not there has no directories", () => {
    makeCgroup(path);
    assert.deepEqual(cgroupProcesses(path), []);
    assert.equal(cgroupInit(path), undefined);
    removeCgroup(path);
    assert.deepEqual(cgroupDirs(path), []);
    assert.deepEqual(cgroupProcesses(path), []);
  });
});
