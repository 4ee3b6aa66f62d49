// A stand-in for conmon's end of an attach socket that does only what a test tells it, through
// raw system calls (koffi): above all it never reads unless asked, which the node-unix-socket
// addon's accepted sockets always do. That is how conmon looks at a container's exit: it stops
// reading, sends its last output, and closes.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const koffi = require("koffi") as typeof import("koffi");
const lib = koffi.load("libc.so.6");
const c = {
  socket: lib.func("int socket(int domain, int type, int protocol)"),
  bind: lib.func("int bind(int fd, const void *addr, uint32_t len)"),
  listen: lib.func("int listen(int fd, int backlog)"),
  accept: lib.func("int accept4(int fd, void *addr, void *len, int flags)"),
  send: lib.func("long send(int fd, const void *buf, size_t len, int flags)"),
  recv: lib.func("long recv(int fd, _Out_ void *buf, size_t len, int flags)"),
  close: lib.func("int close(int fd)"),
} as {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, addr: null, len: null, flags: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
};

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;

function check(result: number, call: string): number {
  if (result < 0) throw new Error(`${call}: errno ${koffi.errno()}`);
  return result;
}

export interface SeqpacketListener {
  /** The connection a client made (blocks until there is one). */
  accept(): SeqpacketPeer;
  close(): void;
}

export interface SeqpacketPeer {
  send(packet: Buffer): void;
  /** The packets queued for this end, read without waiting. */
  readQueued(): Buffer[];
  close(): void;
}

export function listenSeqpacket(path: string): SeqpacketListener {
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  const fd = check(c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), "socket");
  check(c.bind(fd, addr, 2 + Buffer.byteLength(path) + 1), "bind");
  check(c.listen(fd, 4), "listen");
  return {
    accept: () => peer(check(c.accept(fd, null, null, SOCK_CLOEXEC), "accept")),
    close: () => c.close(fd),
  };
}

function peer(fd: number): SeqpacketPeer {
  return {
    send: (packet) => void check(c.send(fd, packet, packet.length, 0), "send"),
    readQueued: () => {
      const out: Buffer[] = [];
      const buf = Buffer.alloc(64 * 1024);
      for (let n; (n = c.recv(fd, buf, buf.length, MSG_DONTWAIT)) > 0;) out.push(Buffer.from(buf.subarray(0, n)));
      return out;
    },
    close: () => c.close(fd),
  };
}
