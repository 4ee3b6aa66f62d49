// `docker exec` through conmon, the way podman does it (libpod/oci_conmon_exec_common.go): one
// conmon per exec session, `conmon -e --exec-attach --exec-process-spec <file>` with the session's
// own dir as its bundle (-b), so the session has its own attach socket, ctl fifo and exit dir.
//
// The handshake (conmon 2.1.6 src/conmon.c), with three parent pipes:
//   1. we write the start pipe: conmon forks its monitor;
//   2. the monitor makes <execDir>/attach and says {"data": 0} on the attach pipe;
//   3. we connect to the attach socket (when attaching), then write the start pipe again: the child
//      that will exec `runc exec` blocks on that second read, so no output is lost;
//   4. the sync pipe says {"data": <pid>}, or {"data": -N, "message": <runc's stderr>} on failure;
//   5. when the process exits conmon writes <exitDir>/<container id> and {"data": <code>} on the
//      sync pipe.
// The exit file is named after the *container* id (conmon --cid), hence one exit dir per session.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import { attach, connectAttach, type AttachConnection, type AttachResult, type AttachStreams } from "./attach.js";
import { ConmonLaunch } from "./conmon-process.js";
import { attachSocketPath, checkPaths, commonArgs, DEFAULT_CONMON_PATH, readPid } from "./conmon.js";
import { waitExit, type ExitInfo } from "./exit-file.js";
import { ContainerStartError, runtimeErrorMessage } from "./start-error.js";
import { terminalAt, type TerminalControl } from "./resize.js";

const DEFAULT_TIMEOUT_MS = 120_000;

export interface ExecOptions {
  /** The running container's id. */
  id: string;
  runtimePath: string;
  runtimeRoot: string;
  /** This session's own dir (created if missing): conmon's bundle for attach, ctl, pid files. */
  execDir: string;
  /**
   * Where conmon writes the exit file, named after the *container* id: so it must be this session's
   * own dir, never the container's exit dir. Default <execDir>/exit.
   */
  exitDir?: string;
  socketDir: string;
  /** The OCI process JSON (args, env, cwd, user, terminal, capabilities…). */
  processSpecPath: string;
  terminal: boolean;
  /** Give the process a stdin pipe (-i); with terminal the pty is the stdin. */
  stdin: boolean;
  /** Start and return; nobody attaches. */
  detach: boolean;
  /** k8s-file log of the session's output; default none (podman logs exec output nowhere). */
  logPath?: string;
  /** Socket dir entry name; default a random 64-hex session id. */
  sessionId?: string;
  exitCommand?: readonly string[];
  exitDelay?: number;
  logLevel?: string;
  syslog?: boolean;
  conmonPath?: string;
  timeoutMs?: number;
}

export interface ExecSession {
  sessionId: string;
  /** The exec'd process, as the host sees it. */
  pid: number;
  conmonPid: number;
  exitDir: string;
  /** <exitDir>/<container id>: conmon names it after the container, not the session. */
  exitFile: string;
  attachSocket: string;
  /** The exec's own terminal (with a TTY). */
  terminal: TerminalControl;
  /** With detach: false, the attach that runs until the process exits or the user detaches. */
  attached: Promise<AttachResult> | undefined;
  /** The process's exit code, from conmon's exit file. */
  wait(opts?: { signal?: AbortSignal }): Promise<ExitInfo>;
}

/**
 * Starts a process in a running container. Attached (detach: false) it needs `streams` and streams
 * from before the process starts; `session.attached` settles when the process exits or the user
 * detaches, `session.wait()` gives the exit code either way. Rejects with ContainerStartError
 * (classifyStartError) when runc cannot exec the command.
 */
export async function execInContainer(o: ExecOptions, streams?: AttachStreams): Promise<ExecSession> {
  if (!o.detach && !streams) throw new InvalidArgumentError("an attached exec needs streams");
  const sessionId = o.sessionId ?? randomBytes(32).toString("hex");
  const exitDir = o.exitDir ?? join(o.execDir, "exit");
  checkPaths(o.logPath, o.socketDir, sessionId);
  for (const dir of [o.execDir, exitDir, o.socketDir]) fs.mkdirSync(dir, { recursive: true });
  // A fresh session dir has no exit file; only clear one in our own default dir, never in a dir
  // the caller chose (it might be the container's own exit dir by mistake).
  if (o.exitDir === undefined) fs.rmSync(join(exitDir, o.id), { force: true });
  const conmonPidFile = join(o.execDir, "conmon.pid");

  const args = [
    "--api-version",
    "1",
    "-c",
    o.id,
    "-u",
    sessionId,
    "-r",
    o.runtimePath,
    "-b",
    o.execDir,
    "-p",
    join(o.execDir, "exec_pid"),
    "-P",
    conmonPidFile,
    `--runtime-arg=--root=${o.runtimeRoot}`,
    "--exit-dir",
    exitDir,
    "--socket-dir-path",
    o.socketDir,
    "-l",
    o.logPath !== undefined ? `k8s-file:${o.logPath}` : "none",
    ...commonArgs(o),
    "-e",
    "--exec-attach",
    "--exec-process-spec",
    o.processSpecPath,
  ];
  if (o.terminal) args.push("-t");
  if (o.stdin) args.push("-i");

  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attachSocket = attachSocketPath(o.socketDir, sessionId);
  const launch = ConmonLaunch.launch({ conmonPath: o.conmonPath ?? DEFAULT_CONMON_PATH, args, cwd: o.execDir, attachPipe: true });
  let conn: AttachConnection | undefined;
  try {
    launch.signalStart();
    await launch.launched();
    // conmon made the attach socket; the process has not started yet.
    await launch.attach?.next(timeoutMs);
    if (!o.detach) conn = await connectAttach(attachSocket);
    launch.signalStart();
    const msg = await launch.sync.next(timeoutMs);
    if (msg.data < 0) {
      const text = msg.message ? runtimeErrorMessage(msg.message) : `exec failed (conmon reported ${msg.data})`;
      throw new ContainerStartError(text);
    }
    // conmon writes the exit code on the sync pipe at the end and exits non-zero if it cannot: keep
    // our end open (read and dropped) without holding the Node process open for it.
    launch.unref();
    void launch.sync
      .next()
      .catch(() => undefined)
      .finally(() => launch.close());
    const attached = conn && streams ? attach(conn, streams) : undefined;
    return {
      sessionId,
      pid: msg.data,
      conmonPid: readPid(conmonPidFile),
      exitDir,
      exitFile: join(exitDir, o.id),
      attachSocket,
      terminal: terminalAt(join(o.execDir, "ctl")),
      attached,
      wait: (w = {}) => waitExit(exitDir, o.id, w),
    };
  } catch (err) {
    conn?.close();
    launch.close();
    throw err;
  }
}
