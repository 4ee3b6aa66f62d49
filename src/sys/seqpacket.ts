// The two SOCK_SEQPACKET calls that the node-unix-socket addon cannot make for berth's attach
// client, through koffi's FFI to libc:
// - connect, so that the client knows its socket's fd (the addon keeps it private and takes one);
// - a non-blocking read of every packet still queued, for when the addon gives up on a socket
//   whose peer closed (see readQueuedPackets).
import { ErrnoError } from "./linux.js";
import { libcFunctions } from "./koffi.js";

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const EINTR = 4;
const ECONNRESET = 104;
/** sizeof(struct sockaddr_un): sa_family_t, then sun_path[108]. */
const SOCKADDR_UN_SIZE = 110;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
}

const load = libcFunctions((lib): Libc => ({
  socket: lib.func("int socket(int domain, int type, int protocol)"),
  connect: lib.func("int connect(int fd, const void *addr, uint32_t len)"),
  recv: lib.func("long recv(int fd, _Out_ void *buf, size_t len, int flags)"),
  close: lib.func("int close(int fd)"),
}));

/**
 * A connected, non-blocking, close-on-exec SOCK_SEQPACKET socket. Connecting to a listening unix
 * socket completes at once or fails (a full backlog is EAGAIN, as the addon's connect also has it).
 * Never fd 0: the addon's SeqpacketSocket takes 0 for "no fd" and would not start reading.
 */
export function connectSeqpacket(path: string): number {
  const c = load();
  const pathLength = Buffer.byteLength(path);
  if (pathLength >= SOCKADDR_UN_SIZE - 2) throw new ErrnoError("connect", 36, path); // ENAMETOOLONG: no room for the NUL
  const addr = Buffer.alloc(SOCKADDR_UN_SIZE);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2, "utf8");
  let fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd === 0) {
    // fd 0 was free (stdin closed): take another and give 0 back.
    const other = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c.close(fd);
    fd = other;
  }
  if (fd < 0) throw new ErrnoError("socket", c.errno(), path);
  let result: number;
  do result = c.connect(fd, addr, 2 + pathLength + 1);
  while (result < 0 && c.errno() === EINTR);
  if (result < 0) {
    const errno = c.errno();
    c.close(fd);
    throw new ErrnoError("connect", errno, path);
  }
  return fd;
}

/**
 * Reads, without waiting, every packet queued on a SOCK_SEQPACKET socket. `atEnd` is true when
 * the read reached the peer's end (read() gave 0): nothing more can ever arrive, so the packets
 * are all there was. False when the queue ran dry with the peer still connected, or on any other
 * error.
 *
 * A peer that closes while packets we sent are still unread in its queue leaves ECONNRESET on our
 * socket (linux net/unix/af_unix.c, unix_release_sock). The first read reports it, and clears it
 * (sock_error); the packets the peer sent before closing, and then the end, follow.
 */
export function readQueuedPackets(fd: number, bufferSize: number): { packets: Buffer[]; atEnd: boolean } {
  const c = load();
  const buf = Buffer.alloc(bufferSize);
  const packets: Buffer[] = [];
  let resets = 0;
  for (;;) {
    const n = c.recv(fd, buf, bufferSize, MSG_DONTWAIT);
    if (n > 0) {
      packets.push(Buffer.from(buf.subarray(0, n)));
      continue;
    }
    if (n === 0) return { packets, atEnd: true };
    const errno = c.errno();
    if (errno === EINTR) continue;
    if (errno === ECONNRESET && resets++ === 0) continue;
    return { packets, atEnd: false };
  }
}
