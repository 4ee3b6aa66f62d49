// A Runtime with no processes: tasks live in memory and do what the test scripted for their
// command (refuse to start as runc would, exit at once with a code, or run until killed). An
// engine opened with FakeRuntimes runs create, start, stop, kill, wait, commit, rm and the restart
// policy without runc or conmon; the rootfs is still mounted for real (root and a temp root).
import { ConflictError, NotFoundError, NotImplementedError } from "../../src/errors.js";
import { ContainerStartError } from "../../src/runtime/start-error.js";
import type {
  AttachConnection,
  CreatedTask,
  ExecSession,
  ExecTaskRequest,
  ExitStatus,
  Runtime,
  RuntimeInventory,
  RuntimeState,
  Runtimes,
  TerminalControl,
  TaskRequest,
} from "../../src/runtime/runtime.js";
import type { OciProcess } from "../../src/runtime/spec/runtime-spec.js";
import type { AttachStreams } from "../../src/runtime/attach.js";

/** What a task does when its command is run. */
export type TaskScript =
  /** runc refuses to create it, with this message (e.g. `exec: "nope": executable file not found in $PATH`). */
  | { refuse: string }
  /** It ends as soon as it starts, with this code (and an OOM kill if said). */
  | { exitCode: number; oomKilled?: boolean }
  /** It runs until it is killed. */
  | { runs: true };

interface FakeTask {
  request: TaskRequest;
  status: RuntimeState["status"];
  pid: number;
  monitorPid: number;
  script: TaskScript;
  exit: ExitStatus | undefined;
  /** The runtime's state is deleted; the exit record stays, as conmon's exit file does. */
  deleted: boolean;
  waiters: ((exit: ExitStatus) => void)[];
}

export class FakeRuntime implements Runtime {
  private readonly tasks = new Map<string, FakeTask>();
  private readonly scripts = new Map<string, TaskScript>();
  private nextPid = 4_000_000;
  /** Every call, as "verb id", for tests that check what the engine asked. */
  readonly calls: string[] = [];
  /** The exit command of each created task, by id: what conmon would run when the task ends. */
  readonly exitCommands = new Map<string, readonly string[]>();

  /** What a task whose command (its process's args[0]) is `command` does; unscripted commands run until killed. */
  script(command: string, script: TaskScript): this {
    this.scripts.set(command, script);
    return this;
  }

  /** Ends a running task by itself (as a process that exits), with this code. */
  exit(id: string, code: number, opts: { oomKilled?: boolean } = {}): void {
    const task = this.task(id);
    if (task.status !== "running" && task.status !== "paused") throw new ConflictError(`fake task ${id} is not running`);
    this.end(task, code, opts.oomKilled ?? false);
  }

  /** The spec the task was created with. */
  spec(id: string): TaskRequest["spec"] {
    return this.task(id).request.spec;
  }

  async clearLastRun(id: string): Promise<void> {
    this.calls.push(`clearLastRun ${id}`);
    const task = this.tasks.get(id);
    if (task && task.status !== "stopped") throw new ConflictError(`fake task ${id} is ${task.status}`);
    this.tasks.delete(id);
  }

  async create(request: TaskRequest): Promise<CreatedTask> {
    this.calls.push(`create ${request.id}`);
    const script = this.scripts.get(request.spec.process.args[0] ?? "") ?? { runs: true };
    if ("refuse" in script) throw new ContainerStartError(script.refuse);
    if (this.tasks.get(request.id)?.deleted === false) throw new ConflictError(`fake task ${request.id} exists`);
    const task: FakeTask = {
      request,
      status: "created",
      pid: this.nextPid++,
      monitorPid: this.nextPid++,
      script,
      exit: undefined,
      deleted: false,
      waiters: [],
    };
    this.tasks.set(request.id, task);
    this.exitCommands.set(request.id, request.exitCommand);
    return { pid: task.pid, monitorPid: task.monitorPid };
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const task = this.task(id);
    if (task.status !== "created") throw new ConflictError(`cannot start a container that is ${task.status}`);
    task.status = "running";
    if ("exitCode" in task.script) this.end(task, task.script.exitCode, task.script.oomKilled ?? false);
  }

  async kill(id: string, opts: { signal: number; all?: boolean }): Promise<void> {
    this.calls.push(`kill ${id} ${opts.signal}`);
    const task = this.task(id);
    if (task.status === "stopped") throw new ConflictError("container not running");
    // Every fake process dies of every signal, as busybox sh as pid 1 would not: tests stay quick.
    this.end(task, 128 + opts.signal, false);
  }

  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
    const task = this.task(id);
    if (task.status !== "running") throw new ConflictError("container not running");
    task.status = "paused";
  }

  async updateResources(id: string, resources: object): Promise<void> {
    this.calls.push(`update ${id} ${JSON.stringify(resources)}`);
    this.task(id);
  }

  async resume(id: string): Promise<void> {
    this.calls.push(`resume ${id}`);
    const task = this.task(id);
    if (task.status !== "paused") throw new ConflictError("container not paused");
    task.status = "running";
  }

  thaw(id: string): void {
    this.calls.push(`thaw ${id}`);
    const task = this.tasks.get(id);
    if (task?.status === "paused") task.status = "running";
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.calls.push(`delete ${id}`);
    const task = this.task(id);
    if (task.status !== "stopped" && !opts.force)
      throw new ConflictError(`cannot delete container ${id} that is not stopped: ${task.status}`);
    if (task.status !== "stopped") this.end(task, 137, false);
    task.deleted = true;
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    if (!this.hasTask(id)) return undefined;
    const task = this.task(id);
    return { status: task.status, pid: task.status === "stopped" ? 0 : task.pid };
  }

  hasTask(id: string): boolean {
    return this.tasks.get(id)?.deleted === false;
  }

  exitStatus(id: string): ExitStatus | undefined {
    return this.tasks.get(id)?.exit;
  }

  waitExit(id: string, opts: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const now = this.exitStatus(id);
    if (now) return Promise.resolve(now);
    const task = this.task(id);
    return new Promise((resolve, reject) => {
      task.waiters.push(resolve);
      opts.signal?.addEventListener("abort", () => reject(new Error("wait cancelled")), { once: true });
    });
  }

  alive(pids: { pid: number; monitorPid: number }): boolean {
    return [...this.tasks.values()].some((t) => t.exit === undefined && (t.pid === pids.pid || t.monitorPid === pids.monitorPid));
  }

  taskProcess(id: string): OciProcess {
    return this.task(id).request.spec.process;
  }

  async exec(id: string, req: ExecTaskRequest & { streams?: AttachStreams }): Promise<ExecSession> {
    this.calls.push(`exec ${id} ${req.process.args.join(" ")}`);
    const task = this.task(id);
    if (task.status !== "running") throw new ConflictError("container not running");
    const script = this.scripts.get(req.process.args[0] ?? "") ?? { exitCode: 0 };
    if ("refuse" in script) throw new ContainerStartError(script.refuse);
    const code = "exitCode" in script ? script.exitCode : 0;
    const exit = { code, exitedAt: new Date() };
    return {
      sessionId: `fake-${this.nextPid}`,
      pid: this.nextPid++,
      conmonPid: 0,
      exitDir: "",
      exitFile: "",
      attachSocket: "",
      terminal: { resize: async () => undefined },
      attached: req.detach ? undefined : Promise.resolve("exited"),
      wait: async () => exit,
    };
  }

  attach(id: string): Promise<AttachConnection> {
    throw new NotImplementedError(`the fake runtime has no streams to attach to (${id}): attach tests run on conmon`);
  }

  /** Resizes are recorded, so a test can see that a client's terminal size arrived. */
  async reopenLog(id: string): Promise<void> {
    this.task(id);
  }

  terminal(id: string): TerminalControl {
    return {
      resize: async (size) => {
        this.task(id);
        this.calls.push(`resize ${id} ${size.rows}x${size.cols}`);
      },
    };
  }

  processes(id: string): string {
    const task = this.task(id);
    return `PID CMD\n${task.pid} ${task.request.spec.process.args.join(" ")}\n`;
  }

  forgetExec(id: string, sessionId: string): void {
    this.calls.push(`forgetExec ${id} ${sessionId}`);
  }

  forget(id: string): void {
    this.calls.push(`forget ${id}`);
    if (this.hasTask(id)) throw new ConflictError(`fake task ${id} still has runtime state`);
    this.tasks.delete(id);
    this.exitCommands.delete(id);
  }

  private task(id: string): FakeTask {
    const task = this.tasks.get(id);
    if (!task || task.deleted) throw new NotFoundError(`container "${id}" does not exist`);
    return task;
  }

  private end(task: FakeTask, code: number, oomKilled: boolean): void {
    if (task.exit) return;
    task.status = "stopped";
    task.exit = { code, exitedAt: new Date(), oomKilled };
    for (const wake of task.waiters.splice(0)) wake(task.exit);
  }
}

/** Every --runtime name runs on the one fake; `asked` says which names the engine asked for. */
export class FakeRuntimes implements Runtimes {
  readonly asked: (string | undefined)[] = [];
  constructor(readonly runtime = new FakeRuntime()) {}

  get(name: string | undefined): Runtime {
    this.asked.push(name);
    return this.runtime;
  }

  initBinary(): string | undefined {
    return undefined;
  }

  inventory(): RuntimeInventory {
    return { defaultRuntime: { name: "fake", path: "/nonexistent/fake", commit: "" }, runtimes: {}, init: undefined };
  }
}
