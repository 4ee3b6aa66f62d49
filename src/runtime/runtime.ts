// What the engine asks of an OCI runtime, named after the runtime's own operations (create, start,
// kill, pause, resume, delete, state) plus what a monitor adds: exit status, exec, attach, resize.
// The engine holds a `Runtimes` and never sees a binary or a monitor's file: the conmon + runc/crun
// implementation is conmon-runtime.ts; tests use a fake with scripted tasks.
import type { AttachConnection, AttachStreams } from "./attach.js";
import type { ExitInfo } from "./exit-file.js";
import type { ExecSession } from "./exec.js";
import type { RuntimeState } from "./runc.js";
import type { OciProcess, OciResources, OciSpec } from "./spec/runtime-spec.js";
import type { TerminalControl } from "./resize.js";

export type { RuntimeState, RuntimeStatus } from "./runc.js";
export type { AttachConnection, AttachStreams } from "./attach.js";
export type { ExecSession } from "./exec.js";
export type { TerminalControl } from "./resize.js";

/** A container's task, as the engine asks for it to be created. */
export interface TaskRequest {
  /** 64-hex container id; also the runtime's id. */
  id: string;
  /** For the monitor's own logs. */
  name: string;
  /** The OCI runtime spec of the bundle. */
  spec: OciSpec;
  /** Where the output is kept (k8s-file); undefined keeps none. */
  logPath: string | undefined;
  /** Replace the log with an empty file before it grows past this many bytes (conmon --log-size-max). */
  logSizeMax?: number | undefined;
  terminal: boolean;
  /** Keep stdin open for attach. */
  stdin: boolean;
  /** Keep the container's stdin open when an attached client goes away (not Docker's StdinOnce). */
  leaveStdinOpen: boolean;
  /** What runs when the task ends, even when no berth process does (berth's cleanup). */
  exitCommand: readonly string[];
  /** The caller attaches as soon as the task is created: what attaching needs may load meanwhile. */
  attachNext?: boolean;
}

export interface CreatedTask {
  /** The container's init process, as the host sees it. */
  pid: number;
  /** The process that watches the container (conmon). */
  monitorPid: number;
}

/** How a task ended, as its monitor recorded it. */
export interface ExitStatus extends ExitInfo {
  /** The memory cgroup reported an OOM kill. */
  oomKilled: boolean;
}

/** A process to run in a running container: the container's own process settings, changed. */
export interface ExecTaskRequest {
  /** The process: args, env, cwd, user, terminal, capabilities… */
  process: OciProcess;
  terminal: boolean;
  stdin: boolean;
  /** Start and return; nobody attaches. */
  detach: boolean;
}

export interface Runtime {
  /**
   * Before a new run of the task is claimed: forgets how the last run ended and deletes the state
   * a run whose monitor died left behind, so that nobody takes the old exit for the new run's.
   * Fails when the runtime itself is missing (an unknown --runtime name).
   */
  clearLastRun(id: string): Promise<void>;
  /**
   * Creates the task: nothing runs until start(). Rejects with ContainerStartError carrying the
   * runtime's message when it refused (a command not found, not executable…), leaving no task.
   */
  create(task: TaskRequest): Promise<CreatedTask>;
  start(id: string): Promise<void>;
  /** `signal` is a number; `all` signals every process of the container. */
  kill(id: string, opts: { signal: number; all?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /**
   * Changes the cgroup settings of a running or paused task (runtime-spec LinuxResources; zero
   * values are left as they are). SystemError with the runtime's words when it refuses.
   */
  updateResources(id: string, resources: Partial<OciResources>): Promise<void>;
  /**
   * Resumes a task that a berth process froze and died before it could resume, and waits for it:
   * every read of a container's state may need it, and those reads are synchronous. A task that is
   * not paused, or that the runtime no longer knows, is left as it is.
   */
  thaw(id: string): void;
  /** Deletes the runtime's state of the task. NotFoundError when it has none; ConflictError when running and !force. */
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** The runtime's view of the task, or undefined when it has none. */
  state(id: string): Promise<RuntimeState | undefined>;
  /** Whether the runtime keeps state for the task (created, running, or ended and not deleted). */
  hasTask(id: string): boolean;
  /** How the task's last run ended, or undefined while it runs (or never ran). */
  exitStatus(id: string): ExitStatus | undefined;
  /** Resolves once the task's run has ended. */
  waitExit(id: string, opts?: { signal?: AbortSignal }): Promise<ExitStatus>;
  /** Whether the container or its monitor still lives: with neither, no exit will ever be recorded. */
  alive(task: { pid: number; monitorPid: number }): boolean;
  /** The process settings the task was created with (the spec's `process`). */
  taskProcess(id: string): OciProcess;
  /** Runs a process in the running task; attached (detach: false) it needs `streams`. */
  exec(id: string, req: ExecTaskRequest & { streams?: AttachStreams }): Promise<ExecSession>;
  /** Removes what an ended exec session kept (its dir, its socket dir); idempotent. */
  forgetExec(id: string, sessionId: string): void;
  /** Connects to the task's output (and stdin); nothing is lost between connecting and consuming. */
  attach(id: string): Promise<AttachConnection>;
  /** The task's terminal (with `terminal: true`), which attached clients resize. */
  terminal(id: string): TerminalControl;
  /** Has the task's monitor reopen its log file at its path (after the file was renamed away to rotate it). */
  reopenLog(id: string): Promise<void>;
  /** `ps` of the task's processes with ps's options, as text. */
  processes(id: string, psArgs: readonly string[]): string;
  /** Forgets everything kept for the task (bundle, exit record, sockets); the runtime state must be deleted first. */
  forget(id: string): void;
}

/** What `info` reports of the runtimes. */
export interface RuntimeInventory {
  /** The runtime a container gets without --runtime, when the host has one. */
  defaultRuntime: { name: string; path: string; commit: string } | undefined;
  /** The runtimes --runtime can name. */
  runtimes: Record<string, { path: string }>;
  /** The static init --init binds into a container. */
  init: { name: string; commit: string } | undefined;
}

export interface Runtimes {
  /** The runtime a container was created with (its HostConfig.Runtime); undefined or "default" is the host's default. */
  get(name: string | undefined): Runtime;
  /** The static init binary --init binds into a container, when the host has one. */
  initBinary(): string | undefined;
  inventory(): RuntimeInventory;
}
