import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { removeEndedTask, startThroughExecFifo } from "../../src/runtime/runc-handshake.js";
import { processStartTime } from "../../src/sys/process-start-time.js";
import { ConflictError, NotFoundError } from "../../src/errors.js";

/** A runc --root with one container's state dir, whose init is `init` (a process, or a pid that has ended). */
function runtimeRoot(t: { after(fn: () => void): void }, init: { pid: number; start: string }, extra: object = {}) {
  const root = fs.mkdtempSync(`${os.tmpdir()}/berth-runc-`);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const stateDir = `${root}/c1`;
  fs.mkdirSync(stateDir);
  writeState(stateDir, init, extra);
  return { root, stateDir };
}

function writeState(stateDir: string, init: { pid: number; start: string }, extra: object = {}): void {
  const state = {
    id: "c1",
    init_process_pid: init.pid,
    init_process_start: Number(init.start),
    config: { hooks: null },
    intel_rdt_path: "",
    ...extra,
  };
  fs.writeFileSync(`${stateDir}/state.json`, JSON.stringify(state));
}

function endedProcess(): { pid: number; start: string } {
  const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  return { pid: Number(child.stdout.trim()), start: "12345" };
}

function liveInit(child: ChildProcess): { pid: number; start: string } {
  return { pid: child.pid!, start: processStartTime(child.pid!)! };
}

test("start: reads init's byte from exec.fifo and removes the fifo, as runc start does", async (t) => {
  const { root, stateDir } = runtimeRoot(t, endedProcess());
  spawnSync("mkfifo", [`${stateDir}/exec.fifo`]);
  // The stand-in init blocks opening the fifo for writing, as runc init does, then writes "0".
  const init = spawn("sh", ["-c", `printf 0 > ${stateDir}/exec.fifo; echo started`], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => init.kill("SIGKILL"));
  writeState(stateDir, liveInit(init));
  let out = "";
  init.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = once(init, "exit");
  assert.equal(await startThroughExecFifo(root, "c1"), true);
  await exited;
  assert.equal(out.trim(), "started");
  assert.equal(fs.existsSync(`${stateDir}/exec.fifo`), false);
});

test("start: a container already running (no fifo) or whose init has ended is refused in runc's words", async (t) => {
  const sleeper = spawn("sleep", ["30"]);
  t.after(() => sleeper.kill("SIGKILL"));
  const running = runtimeRoot(t, liveInit(sleeper));
  await assert.rejects(
    startThroughExecFifo(running.root, "c1"),
    (err: unknown) => err instanceof ConflictError && /already running/.test(err.message),
  );
  const stopped = runtimeRoot(t, endedProcess());
  spawnSync("mkfifo", [`${stopped.stateDir}/exec.fifo`]);
  await assert.rejects(
    startThroughExecFifo(stopped.root, "c1"),
    (err: unknown) => err instanceof ConflictError && /has stopped/.test(err.message),
  );
});

test("start: an init that dies without opening the fifo does not leave the start waiting", async (t) => {
  const init = spawn("sleep", ["0.3"]);
  t.after(() => init.kill("SIGKILL"));
  const { root, stateDir } = runtimeRoot(t, liveInit(init));
  spawnSync("mkfifo", [`${stateDir}/exec.fifo`]);
  const started = Date.now();
  await assert.rejects(
    startThroughExecFifo(root, "c1"),
    (err: unknown) => err instanceof ConflictError && /already dead/.test(err.message),
  );
  assert.ok(Date.now() - started < 5_000);
});

test("start: no runc state, or hooks to run, leaves the start to runc", async (t) => {
  const empty = fs.mkdtempSync(`${os.tmpdir()}/berth-runc-`);
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }));
  assert.equal(await startThroughExecFifo(empty, "c1"), false);
  const sleeper = spawn("sleep", ["30"]);
  t.after(() => sleeper.kill("SIGKILL"));
  const hooked = runtimeRoot(t, liveInit(sleeper), { config: { hooks: { poststart: [{ path: "/bin/true" }] } } });
  assert.equal(await startThroughExecFifo(hooked.root, "c1"), false);
});

test("delete: an ended task's empty cgroups and state dir are removed; anything else goes to runc", async (t) => {
  const cgroups = fs.mkdtempSync(`${os.tmpdir()}/berth-cgroups-`);
  t.after(() => fs.rmSync(cgroups, { recursive: true, force: true }));
  for (const c of ["cpu", "memory"]) fs.mkdirSync(`${cgroups}/${c}/c1`, { recursive: true });
  // Co-mounted controllers name one directory twice.
  const paths = { cpu: `${cgroups}/cpu/c1`, cpuacct: `${cgroups}/cpu/c1`, memory: `${cgroups}/memory/c1` };
  const ended = runtimeRoot(t, endedProcess(), { cgroup_paths: paths });
  assert.equal(removeEndedTask(ended.root, "c1"), true);
  assert.equal(fs.existsSync(ended.stateDir), false);
  assert.equal(fs.existsSync(paths.cpu), false);
  assert.equal(fs.existsSync(paths.memory), false);

  assert.throws(() => removeEndedTask(ended.root, "c1"), NotFoundError);

  // A process left in a cgroup (a shared pid namespace): runc kills it first.
  fs.mkdirSync(`${cgroups}/pids/c1`, { recursive: true });
  fs.writeFileSync(`${cgroups}/pids/c1/cgroup.procs`, "4242\n");
  const busy = runtimeRoot(t, endedProcess(), { cgroup_paths: { pids: `${cgroups}/pids/c1` } });
  assert.equal(removeEndedTask(busy.root, "c1"), false);
  assert.ok(fs.existsSync(busy.stateDir));

  const sleeper = spawn("sleep", ["30"]);
  t.after(() => sleeper.kill("SIGKILL"));
  const live = runtimeRoot(t, liveInit(sleeper), { cgroup_paths: {} });
  assert.equal(removeEndedTask(live.root, "c1"), false);
  const hooked = runtimeRoot(t, endedProcess(), { config: { hooks: { poststop: [{ path: "/bin/true" }] } } });
  assert.equal(removeEndedTask(hooked.root, "c1"), false);
});
