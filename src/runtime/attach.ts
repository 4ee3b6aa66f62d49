// A client of conmon's attach socket (conmon 2.1.6 src/conn_sock.c, src/ctr_stdio.c):
// - SOCK_SEQPACKET, listening at <socket-dir-path>/<cuuid>/attach (a symlink to the bundle dir).
// - Output: each packet is one read() of the container's stdout or stderr, prefixed by one byte
//   naming the pipe (utils.h stdpipe_t: 2 = stdout, 3 = stderr; a terminal is all stdout).
// - Input: packets are raw bytes for the container's stdin (no prefix). conmon reads them into a
//   32 KiB buffer (CONN_SOCK_BUF_SIZE), and a SEQPACKET read truncates, so we send at most 32 KiB
//   per packet.
// - Half-closing our side (shutdown SHUT_WR) makes conmon close the container's stdin when it was
//   started with -i and without --leave-stdin-open; that is how `echo x | docker run -i` ends.
// - conmon closes every attach connection when the container exits: EOF = "exited".
//
// The socket is read and written through the node-unix-socket addon (a uv_poll on the fd), but
// connected here, so that its fd is known. That is for the container's last moment: when conmon
// exits with packets of ours still unread (keys typed as the shell exits, a terminal's EOF
// character), the kernel sets ECONNRESET on our socket, epoll reports EPOLLERR, libuv's uv_poll
// turns that into UV_EBADF (unix/poll.c), and the addon gives up with "uv callback of handle_io
// failed with error: EBADF" without reading the output still queued. AttachConnection then reads
// the queue itself (readQueuedPackets): when that reaches conmon's end, the error only said that
// the connection is over, and every packet was delivered.
import * as fs from "node:fs";
import { basename, dirname } from "node:path";
import type { SeqpacketSocket } from "node-unix-socket";
import { SystemError } from "../errors.js";
import { connectSeqpacket, readQueuedPackets } from "../sys/seqpacket.js";
import { DEFAULT_DETACH_KEYS, DetachFilter } from "./detach-keys.js";

const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
const MAX_STDIN_PACKET = 32 * 1024;
/** conmon's packets are at most a pipe read (STDIO_BUF_SIZE, 8 KiB) plus the pipe byte. */
const READ_BUFFER_SIZE = 64 * 1024;
/** sizeof(sockaddr_un.sun_path) on Linux, including the terminating NUL. */
const SUN_PATH_MAX = 108;

export interface AttachStreams {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Bytes that detach from the container; default ctrl-p,ctrl-q. [] disables detaching. */
  detachKeys?: readonly number[];
  /** Aborting detaches (the container keeps running), e.g. when an API client hangs up. */
  signal?: AbortSignal;
}

export type AttachResult = "detached" | "exited";

/**
 * An open attach connection. Packets that arrive before attach() takes it over are kept, so the
 * engine can connect, then start the container (or exec), then stream, and lose no output.
 */
export class AttachConnection {
  private pending: Buffer[] = [];
  private ended = false;
  private closed = false;
  private failed: Error | undefined;
  private onPacket: ((packet: Buffer) => void) | undefined;
  private onEnd: ((err?: Error) => void) | undefined;

  /** `fd` is the socket's own, which the addon keeps open until after it emits 'error'. */
  constructor(
    readonly socket: SeqpacketSocket,
    private readonly fd: number,
  ) {
    socket.on("data", (packet: Buffer) => this.receive(packet));
    socket.on("end", () => this.end());
    socket.on("error", (err: Error) => this.endAfterError(err));
  }

  /** Hands every packet (past and future) to `onPacket`, and the end to `onEnd`. */
  consume(onPacket: (packet: Buffer) => void, onEnd: (err?: Error) => void): void {
    this.onPacket = onPacket;
    this.onEnd = onEnd;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) onPacket(p);
    if (this.ended) onEnd(this.failed);
  }

  write(data: Buffer, done: () => void): void {
    if (data.length === 0) {
      done();
      return;
    }
    for (let off = 0; off < data.length; off += MAX_STDIN_PACKET) {
      const end = Math.min(off + MAX_STDIN_PACKET, data.length);
      const last = end === data.length;
      this.socket.write(data, off, end - off, last ? done : undefined);
    }
  }

  /**
   * Half-close: conmon takes it as EOF on the container's stdin. Not once the connection is over:
   * the addon may have closed the fd already, and would shut down whatever took its number.
   */
  closeStdin(): void {
    if (this.ended || this.closed) return;
    this.socket.end();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private receive(packet: Buffer): void {
    if (this.onPacket) this.onPacket(packet);
    else this.pending.push(packet);
  }

  /**
   * The addon emits 'error' and closes the socket right after, output still queued or not. Read
   * that output first; if the read reaches conmon's end, the connection simply ended.
   */
  private endAfterError(err: Error): void {
    if (this.ended || this.closed) return; // the fd may be closed, or another file's by now
    const { packets, atEnd } = readQueuedPackets(this.fd, READ_BUFFER_SIZE);
    for (const packet of packets) this.receive(packet);
    this.end(atEnd ? undefined : err);
  }

  private end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failed = err;
    this.onEnd?.(err);
  }
}

/**
 * Loads the seqpacket addon ahead of connectAttach, so that its load overlaps the wait for the
 * runtime's create rather than following it.
 */
export function preloadAttach(): void {
  import("node-unix-socket").catch(() => undefined); // connectAttach reports a failed load
}

/**
 * Connects to a conmon attach socket. Paths too long for sun_path are reached through
 * /proc/self/fd/<dirfd>/attach, the trick conmon itself uses to bind them.
 */
export async function connectAttach(path: string): Promise<AttachConnection> {
  // Loaded here, not at start-up: its native loader costs every command milliseconds, and only
  // the commands that attach need it.
  const { SeqpacketSocket } = await import("node-unix-socket");
  let dirFd: number | undefined;
  let target = path;
  let fd: number;
  try {
    if (Buffer.byteLength(path) >= SUN_PATH_MAX) {
      dirFd = fs.openSync(dirname(path), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      target = `/proc/self/fd/${dirFd}/${basename(path)}`;
    }
    fd = connectSeqpacket(target);
  } catch (err) {
    throw new SystemError(`attach ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (dirFd !== undefined) fs.closeSync(dirFd);
  }
  return new AttachConnection(new SeqpacketSocket(fd), fd);
}

/**
 * Streams between a container and the caller until the container exits ("exited": conmon closed
 * the socket) or the user types the detach keys or `signal` aborts ("detached"). Output is written
 * without waiting for the caller's streams to drain: conmon cannot be paused anyway and drops a
 * client whose socket stays full.
 */
export async function attach(target: string | AttachConnection, s: AttachStreams): Promise<AttachResult> {
  const conn = typeof target === "string" ? await connectAttach(target) : target;
  const filter = new DetachFilter(s.detachKeys ?? DEFAULT_DETACH_KEYS);
  const stdin = s.stdin;

  return new Promise<AttachResult>((resolve, reject) => {
    let done = false;
    const finish = (result: AttachResult | Error): void => {
      if (done) return;
      done = true;
      if (stdin) {
        stdin.removeListener("data", onStdin);
        stdin.removeListener("end", onStdinEnd);
        stdin.removeListener("error", onStdinEnd);
        stdin.pause();
      }
      s.signal?.removeEventListener("abort", onAbort);
      conn.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };

    const onStdin = (chunk: Buffer | string): void => {
      const { out, detached } = filter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      if (out.length > 0 && !done) {
        // One chunk in flight at a time: stdin waits until the socket took the last one.
        stdin?.pause();
        conn.write(out, () => {
          if (!done) stdin?.resume();
        });
      }
      if (detached) finish("detached");
    };
    const onStdinEnd = (): void => {
      const held = filter.flush();
      if (held.length > 0) conn.write(held, () => undefined);
      conn.closeStdin();
    };
    const onAbort = (): void => finish("detached");

    conn.consume(
      (packet) => {
        if (packet.length < 1) return;
        const body = packet.subarray(1);
        if (packet[0] === STDOUT_PIPE) s.stdout.write(body);
        else if (packet[0] === STDERR_PIPE) s.stderr.write(body);
      },
      (err) => finish(err ? new SystemError(`attach: ${err.message}`, { cause: err }) : "exited"),
    );

    if (s.signal?.aborted) {
      onAbort();
      return;
    }
    s.signal?.addEventListener("abort", onAbort, { once: true });
    if (stdin) {
      stdin.on("data", onStdin);
      stdin.once("end", onStdinEnd);
      stdin.once("error", onStdinEnd);
      stdin.resume();
    }
  });
}
