// Container use cases on an engine whose runtime is the fake one (test/helpers/fake-runtime.ts):
// what the engine decides (exit codes of a failed start, --rm, restart policies, commit's config)
// without runc or conmon. The rootfs is mounted for real, so these run as root on a temp root.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createTempRoot, isRoot, mountsUnder, type TempRoot } from "../helpers/temp-root.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { FakeRuntimes, type FakeRuntime } from "../helpers/fake-runtime.js";
import { openEngine, type Engine } from "../../src/engine/engine.js";
import { createContainer, type CreateRequest } from "../../src/engine/containers/create-container.js";
import { ContainerCommandError, startContainer } from "../../src/engine/containers/start-container.js";
import {
  cleanupContainer,
  killRunning,
  pauseOrResume,
  restartAfterExit,
  restoreContainers,
  stopContainer,
} from "../../src/engine/containers/container-lifecycle.js";
import { resolveContainer } from "../../src/engine/containers/container-state.js";
import { removeContainer } from "../../src/engine/containers/remove-container.js";
import { commitContainer } from "../../src/engine/containers/commit-container.js";
import { beginFreezerChange, endFreezerChange } from "../../src/engine/containers/container-freezer.js";
import { topContainer } from "../../src/engine/containers/container-top.js";
import { readImage } from "../../src/engine/images/read-image.js";
import { checkStore } from "../../src/engine/system/system-check.js";
import type { RestartPolicy } from "../../src/store/container-store.js";

const skip = isRoot() ? false : "needs root (the rootfs is an overlay mount)";

// runc 1.1's words when `runc create` cannot run the command (what conmon hands back).
const NOT_FOUND = 'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH';
const NOT_EXECUTABLE = 'runc create failed: unable to start container process: exec: "/etc/passwd": permission denied';

function request(over: Partial<Omit<CreateRequest, "host">> & { host?: Partial<CreateRequest["host"]> } = {}): CreateRequest {
  const { host, ...rest } = over;
  return {
    image: "busybox",
    cmd: [],
    env: [],
    labels: {},
    tty: false,
    openStdin: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    mounts: [],
    exposedPorts: [],
    binds: [],
    ...rest,
    host: {
      NetworkMode: "host",
      AutoRemove: false,
      CapAdd: null,
      CapDrop: null,
      Privileged: false,
      ReadonlyRootfs: false,
      SecurityOpt: null,
      Memory: 0,
      MemorySwap: 0,
      NanoCpus: 0,
      PidsLimit: null,
      Ulimits: null,
      Init: null,
      ShmSize: 64 * 1024 * 1024,
      Devices: null,
      Runtime: "runc",
      ...host,
    },
  };
}

/** What conmon's exit command, `berth container cleanup ID RUNID`, does when a task ends. */
async function runExitCommand(engine: Engine, fake: FakeRuntime, id: string): Promise<void> {
  const argv = fake.exitCommands.get(id);
  assert.ok(argv, `no exit command for ${id}`);
  // conmon runs it with no shell and no berth process to report a missing file: it must exist.
  assert.ok(fs.existsSync(argv[1]!), `the exit command runs ${argv[1]}, which does not exist`);
  const [verb, target, runId] = argv.slice(-3);
  assert.deepEqual([verb, target], ["cleanup", id], `exit command ${argv.join(" ")}`);
  assert.match(runId ?? "", /^[0-9a-f]{16}$/);
  await cleanupContainer(engine, id, runId);
  await restartAfterExit(engine, id, runId!);
}

/** The task ends by itself; its exit command runs, as many times as the restart policy starts it again. */
async function runUntilSettled(engine: Engine, fake: FakeRuntime, id: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const before = fake.calls.filter((c) => c === `start ${id}`).length;
    await runExitCommand(engine, fake, id);
    if (fake.calls.filter((c) => c === `start ${id}`).length === before) return;
  }
  assert.fail("the restart policy never settled");
}

function starts(fake: FakeRuntime, id: string): number {
  return fake.calls.filter((c) => c === `start ${id}`).length;
}

describe("container use cases on the fake runtime", { skip }, () => {
  let t: TempRoot;
  let engine: Engine;
  let runtimes: FakeRuntimes;
  let fake: FakeRuntime;
  const warnings: string[] = [];

  before(() => {
    t = createTempRoot();
    const imported = t.berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox"]);
    assert.equal(imported.code, 0, imported.stderr);
    runtimes = new FakeRuntimes();
    fake = runtimes.runtime;
    fake
      .script("nope", { refuse: NOT_FOUND })
      .script("/etc/passwd", { refuse: NOT_EXECUTABLE })
      .script("true", { exitCode: 0 })
      .script("false", { exitCode: 1 })
      .script("hog", { exitCode: 137, oomKilled: true });
    engine = openEngine({
      root: t.root,
      runroot: t.runroot,
      log: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) },
      runtimes,
    });
  });
  after(() => {
    engine?.close();
    t?.cleanup();
  });

  it("a command that is not found fails the start with 127 and runc's words, and the container stays created", async () => {
    const { id } = createContainer(engine, request({ cmd: ["nope"] }));
    await assert.rejects(startContainer(engine, id), (err: unknown) => {
      assert.ok(err instanceof ContainerCommandError);
      assert.equal(err.exitCode, 127);
      assert.equal(err.message, `failed to create task: OCI runtime create failed: ${NOT_FOUND}: unknown`);
      return true;
    });
    const { state } = resolveContainer(engine, id);
    assert.equal(state.Status, "created");
    assert.equal(state.ExitCode, 127);
    assert.equal(state.Error, `failed to create task: OCI runtime create failed: ${NOT_FOUND}: unknown`);
    assert.deepEqual(mountsUnder(`${t.root}/containers/${id}`), [], "the rootfs is unmounted again");
  });

  it("a command that cannot be executed fails the start with 126", async () => {
    const { id } = createContainer(engine, request({ cmd: ["/etc/passwd"] }));
    await assert.rejects(startContainer(engine, id), (err: unknown) => err instanceof ContainerCommandError && err.exitCode === 126);
    assert.equal(resolveContainer(engine, id).state.ExitCode, 126);
  });

  it("--rm: a container whose start failed is removed, and the store stays consistent", async () => {
    const { id } = createContainer(engine, request({ cmd: ["nope"], host: { AutoRemove: true } }));
    await assert.rejects(startContainer(engine, id), ContainerCommandError);
    assert.equal(engine.store.containers.get(id), undefined);
    assert.deepEqual(mountsUnder(`${t.root}/containers/${id}`), []);
    assert.deepEqual((await checkStore(engine)).problems, []);
  });

  it("--rm: a container that ran is removed by its exit command, with what the runtime kept for it", async () => {
    const { id } = createContainer(engine, request({ cmd: ["true"], host: { AutoRemove: true } }));
    await startContainer(engine, id);
    await runExitCommand(engine, fake, id);
    assert.equal(engine.store.containers.get(id), undefined);
    assert.ok(fake.calls.includes(`forget ${id}`));
    assert.equal(fake.hasTask(id), false);
  });

  it("a task's exit is read with its OOM kill, whoever reads it first", async () => {
    const { id } = createContainer(engine, request({ cmd: ["hog"] }));
    await startContainer(engine, id);
    // A `ps` before conmon's exit command ran records the exit.
    const { state } = resolveContainer(engine, id);
    assert.equal(state.Status, "exited");
    assert.equal(state.ExitCode, 137);
    assert.equal(state.OOMKilled, true);
  });

  it("commit keeps the image's and the request's Env and Cmd, and pauses a running container meanwhile", async () => {
    const { id } = createContainer(engine, request({ cmd: ["sleep", "1000"], env: ["FOO=bar"] }));
    await startContainer(engine, id);
    const { id: imageId } = await commitContainer(engine, { container: id, name: "snap:env" });
    const config = readImage(engine.store, engine.store.images.get(imageId)!).config.config!;
    assert.deepEqual(config.Env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"]);
    assert.deepEqual(config.Cmd, ["sleep", "1000"]);
    const around = fake.calls.filter((c) => c === `pause ${id}` || c === `resume ${id}`);
    assert.deepEqual(around, [`pause ${id}`, `resume ${id}`]);
    assert.equal(resolveContainer(engine, id).state.Status, "running");

    const { id: changed } = await commitContainer(engine, { container: id, changes: ['CMD ["sh"]', "ENV BAR=baz"], pause: false });
    const config2 = readImage(engine.store, engine.store.images.get(changed)!).config.config!;
    assert.deepEqual(config2.Cmd, ["sh"]);
    assert.deepEqual(config2.Env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar", "BAR=baz"]);
    await removeContainer(engine, id, { force: true });
    assert.equal(engine.store.containers.get(id), undefined);
    assert.equal(fake.hasTask(id), false);
  });

  it("a container frozen by a live command reads as paused; one whose freezer's changer died is thawed and the thaw stored", async () => {
    const { id } = createContainer(engine, request({ cmd: ["sleep", "1000"] }));
    await startContainer(engine, id);
    const change = beginFreezerChange(engine, id, "commit", (state) => state.Running && !state.Paused)!;
    await fake.pause(id);
    assert.deepEqual([resolveContainer(engine, id).state.Status, resolveContainer(engine, id).state.Paused], ["paused", true]);
    assert.ok(!fake.calls.includes(`thaw ${id}`), "this process is alive: its freeze is left alone");
    // A user's unpause meanwhile takes the container over: the commit's end leaves it unpaused.
    await pauseOrResume(engine, id, false);
    endFreezerChange(engine, id, change, false);
    assert.deepEqual([resolveContainer(engine, id).state.Paused, resolveContainer(engine, id).state.freezerChange], [false, undefined]);

    // The same record left by a process that ended: a pid whose start time is not the recorded one.
    await fake.pause(id);
    engine.store.write(() =>
      engine.store.containers.updateState(id, (s) => ({
        ...s,
        Paused: true,
        Status: "paused",
        freezerChange: { command: "commit", pid: process.pid, startTime: "not-this-process" },
      })),
    );
    const { state } = resolveContainer(engine, id);
    assert.deepEqual([state.Status, state.Paused, state.freezerChange], ["running", false, undefined]);
    assert.ok(fake.calls.includes(`thaw ${id}`));
    assert.equal((await fake.state(id))?.status, "running");
    assert.equal(engine.store.containers.get(id)?.state.freezerChange, undefined, "the thaw is stored");
    await removeContainer(engine, id, { force: true });
  });

  it("a container created with --runtime keeps running on that runtime", async () => {
    const { id } = createContainer(engine, request({ cmd: ["sleep", "1000"], host: { Runtime: "crun" } }));
    runtimes.asked.length = 0;
    await startContainer(engine, id);
    assert.equal(topContainer(engine, id, []).split("\n")[1]?.endsWith("sleep 1000"), true);
    await killRunning(engine, id, "KILL");
    assert.ok(runtimes.asked.length > 0);
    assert.deepEqual([...new Set(runtimes.asked)], ["crun"]);
    await runExitCommand(engine, fake, id);
    assert.equal(resolveContainer(engine, id).state.ExitCode, 137);
  });

  describe("restart policies", () => {
    const policy = (Name: string, MaximumRetryCount = 0): { host: { RestartPolicy: RestartPolicy } } => ({
      host: { RestartPolicy: { Name, MaximumRetryCount } },
    });

    it("on-failure:2 starts a failing container twice more, then leaves it exited", async () => {
      const { id } = createContainer(engine, request({ cmd: ["false"], ...policy("on-failure", 2) }));
      await startContainer(engine, id);
      await runUntilSettled(engine, fake, id);
      const { state } = resolveContainer(engine, id);
      assert.equal(starts(fake, id), 3);
      assert.equal(state.restartCount, 2);
      assert.equal(state.Status, "exited");
      assert.equal(state.ExitCode, 1);
    });

    it("on-failure does not restart a container that exited 0", async () => {
      const { id } = createContainer(engine, request({ cmd: ["true"], ...policy("on-failure") }));
      await startContainer(engine, id);
      await runUntilSettled(engine, fake, id);
      assert.equal(starts(fake, id), 1);
      assert.equal(resolveContainer(engine, id).state.Status, "exited");
    });

    it("unless-stopped: a user's stop is neither undone by the exit nor by a daemon start", async () => {
      const { id } = createContainer(engine, request({ cmd: ["sleep", "1000"], ...policy("unless-stopped") }));
      await startContainer(engine, id);
      await stopContainer(engine, id, { timeout: 1 });
      await runUntilSettled(engine, fake, id);
      assert.equal(starts(fake, id), 1);
      const { state } = resolveContainer(engine, id);
      assert.equal(state.Status, "exited");
      assert.equal(state.ExitCode, 143);
      assert.deepEqual(await restoreContainers(engine), []);
      assert.equal(starts(fake, id), 1);
    });

    it("always: an exit by itself restarts it, and a daemon start brings it back even after a user's stop", async () => {
      const { id } = createContainer(engine, request({ cmd: ["sleep", "1000"], ...policy("always") }));
      await startContainer(engine, id);
      fake.exit(id, 0);
      await runExitCommand(engine, fake, id);
      assert.equal(starts(fake, id), 2);
      assert.equal(resolveContainer(engine, id).state.Status, "running");
      await stopContainer(engine, id, { timeout: 1 });
      await runUntilSettled(engine, fake, id);
      assert.equal(starts(fake, id), 2);
      assert.equal(resolveContainer(engine, id).state.Status, "exited");
      assert.deepEqual(await restoreContainers(engine), [id]);
      assert.equal(starts(fake, id), 3);
      assert.equal(resolveContainer(engine, id).state.Status, "running");
      await removeContainer(engine, id, { force: true });
    });
  });
});
