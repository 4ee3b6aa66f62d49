// Creating a container under conmon: one conmon per container runs `runc create`, keeps the
// container's stdio (log file, attach socket, pty), waits for it and writes its exit code. berth
// can exit meanwhile; later berth processes find the container through runc and the exit file.
//
// After createContainer the container is "created" (runc's state): startContainer (runc.ts) runs it.
// Files conmon makes (conmon 2.1.6):
//   <bundle>/attach            attach socket (conn_sock.c), reached as <socketDir>/<cuuid>/attach
//   <bundle>/ctl, <bundle>/winsz  resize fifos (ctrl.c), see resize.ts
//   <exitDir>/<id>, <persistDir>/exit   exit code (conmon.c), see exit-file.ts
//   <persistDir>/oom, and ./oom in its cwd (the bundle)  after an OOM kill (cgroup.c)
//   <pidFile>, <conmonPidFile>  the container's and conmon's pids
import * as fs from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import { ConmonLaunch } from "./conmon-process.js";
import { deleteContainer } from "./runc.js";
import { ContainerStartError, runtimeErrorMessage } from "./start-error.js";

export const DEFAULT_CONMON_PATH = "/usr/bin/conmon";
const DEFAULT_TIMEOUT_MS = 120_000;

export interface ConmonOptions {
  /** 64-hex container id; also runc's container id. */
  id: string;
  /** Dir with config.json; conmon also puts attach/ctl/winsz/pid files here. */
  bundle: string;
  runtimePath: string;
  /** runc --root (under berth's runroot). */
  runtimeRoot: string;
  /** conmon --exit-dir: file <id> holds the exit code. */
  exitDir: string;
  /** conmon --persist-dir: `exit` (code) and `oom` files. */
  persistDir: string;
  /** conmon --socket-dir-path: conmon makes <socketDir>/<cuuid> a symlink to the bundle. */
  socketDir: string;
  /** k8s-file log; none keeps no log. conmon splits its -l value on ':', so the path must not contain one. */
  logPath: string | undefined;
  terminal: boolean;
  /** -i: keep stdin open for attach (ignored with terminal: the pty is always writable). */
  stdin: boolean;
  /** argv conmon runs when the container exits (berth uses it for --rm and bookkeeping). */
  exitCommand?: readonly string[];
  /** Seconds conmon waits before running exitCommand. */
  exitDelay?: number;
  /** conmon --log-level: error, warn, info, debug, trace. */
  logLevel?: string;
  /** Send conmon's own messages to syslog (otherwise they go to /dev/null once it daemonizes). */
  syslog?: boolean;
  /** Name of the socket dir entry; default the id. Keep <socketDir>/<cuuid>/attach short. */
  cuuid?: string;
  /** Container name, for conmon's logs. */
  name?: string;
  /** Rotate the log file past this many bytes (conmon --log-size-max). */
  logSizeMax?: number;
  /**
   * Keep the container's stdin open when an attached client goes away. Without it conmon closes a
   * -i container's stdin as soon as any attach client half-closes or disconnects (Docker's StdinOnce).
   */
  leaveStdinOpen?: boolean;
  conmonPath?: string;
  /** Default <bundle>/pidfile. */
  pidFile?: string;
  /** Default <bundle>/conmon.pid. */
  conmonPidFile?: string;
  /** How long to wait for runc create; default 120 s. */
  timeoutMs?: number;
}

export interface CreatedContainer {
  /** The container's init process, as the host sees it. */
  pid: number;
  conmonPid: number;
  attachSocket: string;
  /** Write resize messages here (resize.ts). */
  ctlPath: string;
}

/**
 * Runs conmon, which runs `runc create`. Resolves with the pids once runc created the container;
 * rejects with ContainerStartError carrying runc's message when runc refused (classifyStartError
 * tells "executable file not found" from "permission denied"), after a best-effort
 * `runc delete --force`. conmon still runs exitCommand in that case (it is an atexit handler).
 */
export async function createContainer(o: ConmonOptions): Promise<CreatedContainer> {
  const cuuid = o.cuuid ?? o.id;
  checkPaths(o.logPath, o.socketDir, cuuid);
  const pidFile = o.pidFile ?? join(o.bundle, "pidfile");
  const conmonPidFile = o.conmonPidFile ?? join(o.bundle, "conmon.pid");
  for (const dir of [o.runtimeRoot, o.exitDir, o.persistDir, o.socketDir]) fs.mkdirSync(dir, { recursive: true });
  // Stale results of an earlier run of the same container would look like this run's.
  for (const f of [
    join(o.exitDir, o.id),
    join(o.persistDir, "exit"),
    join(o.persistDir, "oom"),
    join(o.bundle, "oom"),
    pidFile,
    conmonPidFile,
  ]) {
    fs.rmSync(f, { force: true });
  }

  const args = [
    "--api-version",
    "1",
    "-c",
    o.id,
    "-u",
    cuuid,
    "-n",
    o.name ?? o.id,
    "-r",
    o.runtimePath,
    "-b",
    o.bundle,
    "-p",
    pidFile,
    "-P",
    conmonPidFile,
    // "=" forms: glib would otherwise take "--root" for an option of conmon's own.
    `--runtime-arg=--root=${o.runtimeRoot}`,
    "--exit-dir",
    o.exitDir,
    "--persist-dir",
    o.persistDir,
    "--socket-dir-path",
    o.socketDir,
    "-l",
    o.logPath !== undefined ? `k8s-file:${o.logPath}` : "none",
    ...commonArgs(o),
  ];
  if (o.terminal) args.push("-t");
  else if (o.stdin) args.push("-i");
  if (o.leaveStdinOpen) args.push("--leave-stdin-open");
  if (o.logSizeMax !== undefined) args.push("--log-size-max", String(o.logSizeMax));

  const launch = ConmonLaunch.launch({ conmonPath: o.conmonPath ?? DEFAULT_CONMON_PATH, args, cwd: o.bundle, attachPipe: false });
  try {
    // Nothing to set up before conmon forks (no cgroup to move it to), so let it go at once.
    launch.signalStart();
    await launch.launched();
    const msg = await launch.sync.next(o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    if (msg.data < 0) {
      await deleteContainer(o.runtimePath, o.runtimeRoot, o.id, true).catch(() => undefined);
      const text = msg.message ? runtimeErrorMessage(msg.message) : "container create failed (no error from the runtime)";
      throw new ContainerStartError(text);
    }
    return {
      pid: msg.data,
      conmonPid: readPid(conmonPidFile),
      attachSocket: attachSocketPath(o.socketDir, cuuid),
      ctlPath: join(o.bundle, "ctl"),
    };
  } finally {
    // create writes nothing more on the sync pipe; our ends can go.
    launch.close();
  }
}

/** Where conmon's attach socket is reached: through the <socketDir>/<cuuid> symlink to the bundle. */
export function attachSocketPath(socketDir: string, cuuid: string): string {
  return join(socketDir, cuuid, "attach");
}

/** Options shared by create and exec. */
export function commonArgs(o: { exitCommand?: readonly string[]; exitDelay?: number; logLevel?: string; syslog?: boolean }): string[] {
  const args: string[] = [];
  if (o.logLevel !== undefined) args.push("--log-level", o.logLevel);
  if (o.syslog) args.push("--syslog");
  const [cmd, ...rest] = o.exitCommand ?? [];
  if (cmd !== undefined) {
    args.push("--exit-command", cmd);
    for (const a of rest) args.push("--exit-command-arg", a);
    if (o.exitDelay !== undefined) args.push("--exit-delay", String(o.exitDelay));
  }
  return args;
}

export function checkPaths(logPath: string | undefined, socketDir: string, cuuid: string): void {
  if (logPath?.includes(":")) throw new InvalidArgumentError(`log path ${logPath}: conmon cannot take a path with ':'`);
  // conmon shortens a symlink path of exactly 107 bytes by one (conn_sock.c socket_parent_dir),
  // which would move the socket away from where attachSocketPath() says it is.
  if (Buffer.byteLength(join(socketDir, cuuid)) === 107) {
    throw new InvalidArgumentError(`socket dir ${socketDir}: ${join(socketDir, cuuid)} is 107 bytes long, which conmon truncates`);
  }
}

export function readPid(path: string): number {
  try {
    const pid = Number.parseInt(fs.readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(pid) ? pid : 0;
  } catch {
    return 0;
  }
}
