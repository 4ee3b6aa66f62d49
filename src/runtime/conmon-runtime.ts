// The Runtime of berth: one conmon per task (conmon.ts, exec.ts) running runc or crun (runc.ts),
// with every file of theirs under the runroot, which a reboot empties:
//   <runroot>/runc                 the OCI runtime's --root, shared by all tasks
//   <runroot>/containers/<id>      the bundle: config.json, conmon's attach socket, ctl and winsz
//                                  fifos, pid files, exec session dirs, and persist/ (exit, oom)
//   <runroot>/exits/<id>           the exit code conmon writes when the task ends
//   <runroot>/s/<id>               conmon's symlink to the bundle, short enough for sun_path
// When those files are gone while a task runs (the runroot emptied by hand), its processes are
// still found, signalled and killed through its cgroup (cgroup-processes.ts), and its live conmon
// is given back the directories it records the exit in.
// Making one costs nothing: the binary is looked for at the first operation that needs it.
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConflictError, NotFoundError, SystemError } from "../errors.js";
import { removeTree } from "../sys/remove-tree.js";
import { connectAttach, preloadAttach, type AttachConnection } from "./attach.js";
import {
  cgroupDirs,
  cgroupFrozen,
  cgroupInit,
  cgroupProcesses,
  killCgroup,
  removeCgroup,
  signalProcesses,
  taskCgroupPath,
} from "./cgroup-processes.js";
import { attachSocketPath, createContainer } from "./conmon.js";
import { execInContainer, type ExecSession } from "./exec.js";
import { oomKilled, readExit, waitExit } from "./exit-file.js";
import { reopenLog, terminalAt, type TerminalControl } from "./resize.js";
import {
  deleteContainer,
  killContainer,
  pauseContainer,
  updateContainerResources,
  resumeContainer,
  resumeContainerSync,
  runtimeState,
  startContainer,
  type RuntimeState,
} from "./runc.js";
import { removeEndedTask, startThroughExecFifo } from "./runc-handshake.js";
import { chooseRuntime, findExecutable, findInitBinary, initCommit, runtimeCommit } from "./runtime-binary.js";
import { formatOciSpec } from "./spec/oci-spec.js";
import type { OciProcess, OciResources } from "./spec/runtime-spec.js";
import type { CreatedTask, ExecTaskRequest, ExitStatus, Runtime, RuntimeInventory, Runtimes, TaskRequest } from "./runtime.js";
import type { AttachStreams } from "./attach.js";

/** Where the runtime keeps its files; see the file comment. */
class TaskPaths {
  constructor(private readonly runroot: string) {}
  get runtimeRoot(): string {
    return `${this.runroot}/runc`;
  }
  get exitDir(): string {
    return `${this.runroot}/exits`;
  }
  get socketDir(): string {
    // conmon makes <socketDir>/<id>/attach; a short base keeps it inside sun_path's 108 bytes.
    return `${this.runroot}/s`;
  }
  bundle(id: string): string {
    return `${this.runroot}/containers/${id}`;
  }
  persistDir(id: string): string {
    return `${this.bundle(id)}/persist`;
  }
}

/** Says what the runtime found that the user should know (the engine's log). */
export type Warn = (message: string) => void;

export class ConmonRuntime implements Runtime {
  private binaryPath: string | undefined;
  private readonly paths: TaskPaths;
  /** Tasks found running without the runtime's state, with the last signal this process sent them. */
  private readonly orphans = new Map<string, { signal: number | undefined }>();

  /** `requested` is a container's --runtime (a name or a path), undefined or "default" for the host's choice. */
  constructor(
    runroot: string,
    private readonly requested: string | undefined,
    private readonly warn: Warn = () => undefined,
  ) {
    this.paths = new TaskPaths(runroot);
  }

  /** Whether the runtime is runc, whose start and delete of an ended task berth can do itself (runc-handshake.ts). */
  private isRunc(): boolean {
    return this.binary().endsWith("/runc");
  }

  /** The runtime binary, looked for once, at the first use. */
  private binary(): string {
    this.binaryPath ??= chooseRuntime(this.requested).path;
    return this.binaryPath;
  }

  async clearLastRun(id: string): Promise<void> {
    this.binary(); // an unknown --runtime fails here, before anything is touched
    fs.rmSync(join(this.paths.exitDir, id), { force: true });
    for (const stale of ["exit", "oom"]) fs.rmSync(join(this.paths.persistDir(id), stale), { force: true });
    // A run whose conmon was killed left the runtime's state (or its cgroup) behind; nothing of it may run on.
    if (this.hasTask(id)) await this.delete(id, { force: true }).catch(() => undefined);
  }

  async create(task: TaskRequest): Promise<CreatedTask> {
    const { id } = task;
    const binary = this.binary();
    const bundle = this.paths.bundle(id);
    const persistDir = this.paths.persistDir(id);
    const { runtimeRoot, exitDir, socketDir } = this.paths;
    for (const dir of [bundle, exitDir, socketDir, runtimeRoot, persistDir]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${bundle}/config.json`, formatOciSpec(task.spec));
    const creating = createContainer({
      id,
      name: task.name,
      bundle,
      runtimePath: binary,
      runtimeRoot,
      exitDir,
      persistDir,
      socketDir,
      logPath: task.logPath,
      ...(task.logSizeMax !== undefined ? { logSizeMax: task.logSizeMax } : {}),
      terminal: task.terminal,
      stdin: task.stdin,
      leaveStdinOpen: task.leaveStdinOpen,
      exitCommand: task.exitCommand,
    });
    // conmon is launched by now; the seqpacket addon loads while runc creates the container.
    if (task.attachNext) preloadAttach();
    const created = await creating;
    return { pid: created.pid, monitorPid: created.conmonPid };
  }

  async start(id: string): Promise<void> {
    if (this.isRunc() && (await startThroughExecFifo(this.paths.runtimeRoot, id))) return;
    return startContainer(this.binary(), this.paths.runtimeRoot, id);
  }

  async kill(id: string, opts: { signal: number; all?: boolean }): Promise<void> {
    if (this.hasRuntimeState(id)) return killContainer(this.binary(), this.paths.runtimeRoot, id, String(opts.signal), opts.all ?? false);
    const cgroup = taskCgroupPath(id);
    const pids = cgroupProcesses(cgroup);
    if (!pids.length) throw new NotFoundError(`runc kill: container "${id}" does not exist`);
    this.adoptOrphan(id).signal = opts.signal;
    if (!opts.all) {
      const init = cgroupInit(cgroup);
      if (init !== undefined) signalProcesses([init], opts.signal);
    } else if (opts.signal === 9) {
      await killCgroup(cgroup);
    } else {
      signalProcesses(pids, opts.signal);
    }
  }

  pause(id: string): Promise<void> {
    return pauseContainer(this.binary(), this.paths.runtimeRoot, id);
  }

  resume(id: string): Promise<void> {
    return resumeContainer(this.binary(), this.paths.runtimeRoot, id);
  }

  updateResources(id: string, resources: Partial<OciResources>): Promise<void> {
    return updateContainerResources(this.binary(), this.paths.runtimeRoot, id, resources);
  }

  thaw(id: string): void {
    try {
      resumeContainerSync(this.binary(), this.paths.runtimeRoot, id);
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
    }
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    if (this.hasRuntimeState(id)) {
      if (this.isRunc() && removeEndedTask(this.paths.runtimeRoot, id)) return;
      return deleteContainer(this.binary(), this.paths.runtimeRoot, id, opts.force ?? false);
    }
    const cgroup = taskCgroupPath(id);
    if (!cgroupDirs(cgroup).length) throw new NotFoundError(`runc delete: container "${id}" does not exist`);
    if (cgroupProcesses(cgroup).length) {
      if (!opts.force) throw new ConflictError(`runc delete: cannot delete container ${id} that is not stopped: running`);
      this.adoptOrphan(id).signal = 9;
      await killCgroup(cgroup);
    }
    removeCgroup(cgroup);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const state = await runtimeState(this.binary(), this.paths.runtimeRoot, id);
    if (state || this.hasRuntimeState(id)) return state;
    const cgroup = taskCgroupPath(id);
    const init = cgroupInit(cgroup);
    if (init === undefined) return undefined;
    this.adoptOrphan(id);
    return { status: cgroupFrozen(cgroup) ? "paused" : "running", pid: init };
  }

  /** The runtime's state, or the task's cgroup: either means something is left to delete. */
  hasTask(id: string): boolean {
    return this.hasRuntimeState(id) || cgroupDirs(taskCgroupPath(id)).length > 0;
  }

  private hasRuntimeState(id: string): boolean {
    return fs.existsSync(`${this.paths.runtimeRoot}/${id}`);
  }

  /**
   * A task that runs although the runtime's state of it is gone: says so once, and gives its conmon,
   * if it still lives, back the directories it writes the exit to, so that the real exit is recorded.
   */
  private adoptOrphan(id: string): { signal: number | undefined } {
    let orphan = this.orphans.get(id);
    if (!orphan) {
      orphan = { signal: undefined };
      this.orphans.set(id, orphan);
      this.warn(
        `container ${id}: its runtime state is missing (${this.paths.runtimeRoot}/${id} and ${this.paths.bundle(id)} are gone: ` +
          `was the run directory emptied while it ran?); its processes are handled through their cgroup ${taskCgroupPath(id)}`,
      );
    }
    try {
      for (const dir of [this.paths.exitDir, this.paths.persistDir(id)]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      // The processes are still ended; their exit is then the runtime's guess (recordOrphanExit) or none.
      this.warn(`container ${id}: cannot give its monitor back its exit directories: ${(err as Error).message}`);
    }
    return orphan;
  }

  exitStatus(id: string): ExitStatus | undefined {
    const exit = readExit(this.paths.exitDir, id);
    return exit && { ...exit, oomKilled: oomKilled(this.paths.persistDir(id)) };
  }

  async waitExit(id: string, opts: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    if (!this.hasRuntimeState(id) && cgroupProcesses(taskCgroupPath(id)).length) this.adoptOrphan(id);
    const stop = new AbortController();
    const abort = (): void => stop.abort(opts.signal?.reason);
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    try {
      // A failure to write is no exit: the wait goes on until its caller gives up.
      this.recordOrphanExit(id, stop.signal).catch(() => undefined);
      const exit = await waitExit(this.paths.exitDir, id, { signal: stop.signal });
      return { ...exit, oomKilled: oomKilled(this.paths.persistDir(id)) };
    } finally {
      opts.signal?.removeEventListener("abort", abort);
      stop.abort();
    }
  }

  /**
   * An orphan whose processes have all gone while no conmon of it lives: nobody will record its
   * exit, so the runtime does, with the code of the signal it sent (128+N), or 255 when it sent none.
   */
  private async recordOrphanExit(id: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const orphan = this.orphans.get(id);
      if (orphan && !cgroupProcesses(taskCgroupPath(id)).length && !monitorRunning(id)) {
        writeExitOnce(this.paths.exitDir, id, orphan.signal === undefined ? 255 : 128 + orphan.signal);
        return;
      }
      await sleep(250, undefined, { signal }).catch(() => undefined);
    }
  }

  alive(task: { pid: number; monitorPid: number }): boolean {
    return processAlive(task.monitorPid) || processAlive(task.pid);
  }

  taskProcess(id: string): OciProcess {
    return (JSON.parse(fs.readFileSync(`${this.paths.bundle(id)}/config.json`, "utf8")) as { process: OciProcess }).process;
  }

  async exec(id: string, req: ExecTaskRequest & { streams?: AttachStreams }): Promise<ExecSession> {
    const sessionId = randomBytes(6).toString("hex");
    const execDir = `${this.paths.bundle(id)}/exec-${sessionId}`;
    fs.mkdirSync(execDir, { recursive: true, mode: 0o700 });
    const processSpecPath = `${execDir}/process.json`;
    fs.writeFileSync(processSpecPath, JSON.stringify(req.process));
    return execInContainer(
      {
        id,
        runtimePath: this.binary(),
        runtimeRoot: this.paths.runtimeRoot,
        execDir,
        socketDir: this.paths.socketDir,
        processSpecPath,
        terminal: req.terminal,
        stdin: req.stdin,
        detach: req.detach,
        sessionId,
      },
      req.streams,
    );
  }

  forgetExec(id: string, sessionId: string): void {
    // Both names come from exec(): a random hex id, never a path.
    if (!/^[0-9a-f]+$/.test(sessionId)) throw new SystemError(`invalid exec session id ${JSON.stringify(sessionId)}`);
    removeTree(`${this.paths.bundle(id)}/exec-${sessionId}`);
    removeTree(join(this.paths.socketDir, sessionId));
  }

  attach(id: string): Promise<AttachConnection> {
    return connectAttach(attachSocketPath(this.paths.socketDir, id));
  }

  terminal(id: string): TerminalControl {
    return terminalAt(`${this.paths.bundle(id)}/ctl`);
  }

  reopenLog(id: string): Promise<void> {
    return reopenLog(`${this.paths.bundle(id)}/ctl`);
  }

  processes(id: string, psArgs: readonly string[]): string {
    const result = spawnSync(this.binary(), ["--root", this.paths.runtimeRoot, "ps", id, ...(psArgs.length ? psArgs : ["-ef"])]);
    if (result.status !== 0) throw new SystemError(`ps: ${result.stderr.toString().trim()}`);
    return result.stdout.toString();
  }

  forget(id: string): void {
    const failures: string[] = [];
    for (const path of [this.paths.bundle(id), join(this.paths.exitDir, id), join(this.paths.socketDir, id)]) {
      try {
        removeTree(path);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    if (failures.length) throw new SystemError(failures.join("; "));
  }
}

/** A zombie counts as gone: conmon, its reaper, may be the one that died. */
function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Whether a conmon watching task `id` still runs: it alone may still record the task's exit. */
function monitorRunning(id: string): boolean {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!(argv[0] ?? "").endsWith("conmon")) continue;
    const at = argv.indexOf("-c");
    if (at >= 0 && argv[at + 1] === id && processAlive(Number(entry))) return true;
  }
  return false;
}

/** Writes an exit record unless one is there (conmon's, written meanwhile, wins). */
function writeExitOnce(exitDir: string, id: string, code: number): void {
  fs.mkdirSync(exitDir, { recursive: true, mode: 0o700 });
  const temp = join(exitDir, `.${id}.${process.pid}`);
  fs.writeFileSync(temp, String(code));
  try {
    fs.linkSync(temp, join(exitDir, id));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** One ConmonRuntime per --runtime name, made when first asked for. */
export class ConmonRuntimes implements Runtimes {
  private readonly byName = new Map<string, ConmonRuntime>();
  private init: { path: string | undefined } | undefined;

  constructor(
    private readonly runroot: string,
    private readonly warn: Warn = () => undefined,
  ) {}

  get(name: string | undefined): Runtime {
    const key = name === undefined || name === "default" ? "default" : name;
    let runtime = this.byName.get(key);
    if (!runtime) {
      runtime = new ConmonRuntime(this.runroot, name, this.warn);
      this.byName.set(key, runtime);
    }
    return runtime;
  }

  initBinary(): string | undefined {
    this.init ??= { path: findInitBinary() };
    return this.init.path;
  }

  inventory(): RuntimeInventory {
    let chosen: { name: string; path: string } | undefined;
    try {
      chosen = chooseRuntime(undefined);
    } catch {
      chosen = undefined;
    }
    const runtimes: Record<string, { path: string }> = {};
    for (const name of ["crun", "runc"]) {
      const path = findExecutable(name);
      if (path) runtimes[name] = { path };
    }
    const init = this.initBinary();
    return {
      defaultRuntime: chosen && { ...chosen, commit: runtimeCommit(chosen.path) },
      runtimes,
      init: init === undefined ? undefined : { name: init.split("/").pop()!, commit: initCommit(init) },
    };
  }
}
