// Starting conmon and talking to it over its parent pipes, as podman does
// (libpod/oci_conmon_common.go createOCIContainer, oci_conmon_exec_common.go startExec).
//
// Facts from conmon 2.1.6 this relies on:
// - src/conmon.c: conmon reads one message from the fd in $_OCI_STARTPIPE before doing anything
//   (the parent's chance to move it into a cgroup), then, without --sync, forks: the first process
//   writes --conmon-pidfile and exits 0, the child calls setsid() and lives on as the monitor. So the
//   monitor survives berth and is not in berth's process group or session.
// - src/parent_pipe_fd.c: messages on $_OCI_SYNCPIPE (and $_OCI_ATTACHPIPE) are one JSON object and
//   a newline each. With --api-version 1 the key is "data": {"data": N} or {"data": N, "message": "…"}.
// - Create: {"data": <container pid>} once runc create succeeded; {"data": -1, "message": <runc's
//   stderr>} when it failed. Exec: first the pid (or a negative number + message), then
//   {"data": <exit code>} when the process ends.
// - The pipes need only be stream fds: conmon does plain read()/write() on them. Node's extra
//   'pipe' stdio entries are AF_UNIX stream socketpairs, which is enough.
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { SystemError } from "../errors.js";

export interface ConmonMessage {
  data: number;
  message?: string;
}

export interface LaunchOptions {
  conmonPath: string;
  args: readonly string[];
  cwd: string;
  /** Pass an _OCI_ATTACHPIPE too (exec --exec-attach). */
  attachPipe: boolean;
}

/** A conmon on its way up: the launcher process plus our ends of the parent pipes. */
export class ConmonLaunch {
  readonly sync: MessageReader;
  readonly attach: MessageReader | undefined;
  private readonly startPipe: Socket;
  private readonly launcherExit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    attachPipe: boolean,
  ) {
    const stdio = child.stdio as unknown as (Socket | null)[];
    this.sync = new MessageReader(stdio[3] as Socket, "sync");
    this.startPipe = stdio[4] as Socket;
    // EPIPE here means conmon is gone; launched() or the sync pipe reports why.
    this.startPipe.on("error", () => undefined);
    child.stderr?.on("error", () => undefined);
    this.attach = attachPipe ? new MessageReader(stdio[5] as Socket, "attach") : undefined;
    const stderr = collect(child.stderr);
    this.launcherExit = new Promise((resolve, reject) => {
      child.once("error", (err) => reject(new SystemError(`conmon: ${err.message}`, { cause: err })));
      child.once("exit", (code, signal) => {
        if (code === 0) {
          resolve();
          return;
        }
        // The launcher died before forking: its stderr pipe closes with it, so the text is complete.
        void stderr.done.then(() => {
          const why = signal ? `killed by ${signal}` : `exit status ${code}`;
          const text = stderr.text().trim();
          reject(new SystemError(`conmon failed (${why})${text ? `: ${text}` : ""}`));
        });
      });
    });
    this.launcherExit.catch(() => undefined);
  }

  static launch(o: LaunchOptions): ConmonLaunch {
    // The fd numbers must match the stdio slots below: 3 sync, 4 start, 5 attach.
    const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: "3", _OCI_STARTPIPE: "4" };
    // Like podman: never leak a systemd notify socket into the container's monitor.
    delete env.NOTIFY_SOCKET;
    if (o.attachPipe) env._OCI_ATTACHPIPE = "5";
    else delete env._OCI_ATTACHPIPE;
    const stdio: ("ignore" | "pipe")[] = ["ignore", "ignore", "pipe", "pipe", "pipe"];
    if (o.attachPipe) stdio.push("pipe");
    // detached: the launcher gets its own session at once, so a ^C meant for berth's foreground
    // process group never reaches conmon, even before conmon's own setsid().
    // The child stays referenced: it is only the launcher, which exits as soon as the monitor forked.
    const child = spawn(o.conmonPath, [...o.args], { cwd: o.cwd, env, stdio, detached: true });
    return new ConmonLaunch(child, o.attachPipe);
  }

  /** Lets conmon go past its start-pipe read. Exec with attach reads it twice (see exec.ts). */
  signalStart(): void {
    this.startPipe.write(Buffer.from([0]));
  }

  /** Resolves when the launcher process exited 0 (the monitor forked); rejects with its stderr. */
  launched(): Promise<void> {
    return this.launcherExit;
  }

  /** Drops our ends of the pipes. A monitor that still writes to the sync pipe gets EPIPE. */
  close(): void {
    this.sync.close();
    this.attach?.close();
    this.startPipe.destroy();
    this.child.stderr?.destroy();
  }

  /** Keep the pipes open but let the Node process exit while they are. */
  unref(): void {
    this.sync.unref();
    this.attach?.unref();
    this.startPipe.unref();
  }
}

/** Newline-delimited JSON messages from one of conmon's parent pipes. */
export class MessageReader {
  private buffer = "";
  private readonly queue: ConmonMessage[] = [];
  private waiter: { resolve: (m: ConmonMessage) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly name: string,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.push(chunk));
    socket.on("end", () => this.fail(new SystemError(`conmon closed the ${name} pipe without a message`)));
    socket.on("error", (err) => this.fail(new SystemError(`conmon ${name} pipe: ${err.message}`, { cause: err })));
  }

  /** The next message; rejects on EOF, or after `timeoutMs` when given. */
  next(timeoutMs?: number): Promise<ConmonMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiter = undefined;
              reject(new SystemError(`timed out after ${timeoutMs}ms waiting for conmon on the ${this.name} pipe`));
            }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }

  unref(): void {
    this.socket.unref();
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.deliverLine(line);
    }
  }

  private deliverLine(line: string): void {
    let m: ConmonMessage;
    try {
      m = parseMessage(line);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.deliver(m);
  }

  private deliver(m: ConmonMessage): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w.resolve(m);
    else this.queue.push(m);
  }

  private fail(err: Error): void {
    if (this.ended) return;
    // conmon may close right after its last message without a newline: treat the rest as one.
    const rest = this.buffer.trim();
    this.buffer = "";
    this.ended = err;
    if (rest) {
      try {
        this.deliver(parseMessage(rest));
      } catch (parseErr) {
        this.ended = parseErr as Error;
      }
    }
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }
}

function parseMessage(line: string): ConmonMessage {
  let parsed: { data?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch (err) {
    throw new SystemError(`conmon sent ${JSON.stringify(line)}, not JSON`, { cause: err });
  }
  if (typeof parsed.data !== "number") throw new SystemError(`conmon sent ${JSON.stringify(line)} without "data"`);
  return typeof parsed.message === "string" ? { data: parsed.data, message: parsed.message } : { data: parsed.data };
}

function collect(stream: Readable | null): { text(): string; done: Promise<void> } {
  const chunks: Buffer[] = [];
  if (!stream) return { text: () => "", done: Promise.resolve() };
  stream.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => {
    stream.once("close", resolve);
    stream.once("end", resolve);
    // A forked monitor may hold the pipe a little longer; never wait on it for long.
    setTimeout(resolve, 1000).unref();
  });
  return { text: () => Buffer.concat(chunks).toString("utf8"), done };
}
