// System calls Node lacks (mknod, xattrs), through koffi's FFI to libc. Loaded on first use so
// that commands which never touch a filesystem start without it.
import * as fs from "node:fs";
import { SystemError } from "../errors.js";
import { libcFunctions } from "./koffi.js";

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

interface Libc {
  mknod(path: string, mode: number, dev: bigint): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer | null, size: number): number;
  llistxattr(path: string, list: Buffer | null, size: number): number;
  flock(fd: number, operation: number): number;
  ioctlInt(fd: number, request: number, arg: Buffer): number;
}

const load = libcFunctions((lib): Libc => ({
  mknod: lib.func("int mknod(const char *path, uint32_t mode, uint64_t dev)"),
  lsetxattr: lib.func("int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)"),
  lgetxattr: lib.func("long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)"),
  llistxattr: lib.func("long llistxattr(const char *path, _Out_ char *list, size_t size)"),
  flock: lib.func("int flock(int fd, int operation)"),
  ioctlInt: lib.func("int ioctl(int fd, unsigned long request, _Inout_ void *arg)"),
}));

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  11: "EAGAIN",
  13: "EACCES",
  17: "EEXIST",
  20: "ENOTDIR",
  22: "EINVAL",
  28: "ENOSPC",
  61: "ENODATA",
  36: "ENAMETOOLONG",
  95: "EOPNOTSUPP",
  104: "ECONNRESET",
  111: "ECONNREFUSED",
};

export class ErrnoError extends SystemError {
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly path: string,
  ) {
    super(`${syscall} ${path}: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}`);
  }
  get code(): string {
    return ERRNO_NAMES[this.errno] ?? `E${this.errno}`;
  }
}

function check(result: number, syscall: string, path: string): number {
  if (result < 0) throw new ErrnoError(syscall, load().errno(), path);
  return result;
}

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function majorMinor(rdev: number): { major: number; minor: number } {
  return {
    major: ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff),
    minor: (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff),
  };
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  check(load().mknod(path, mode, makedev(major, minor)), "mknod", path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(load().lsetxattr(path, name, value, value.length, 0), "lsetxattr", path);
}

/** Reused for the first try: most files have no such attribute, and then nothing is allocated. */
const scratch = Buffer.alloc(256);

/** Undefined when the attribute is absent. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  for (let size = 256; ; size *= 4) {
    const buf = size === 256 ? scratch : Buffer.alloc(size);
    const n = c.lgetxattr(path, name, buf, size);
    if (n >= 0) return Buffer.from(buf.subarray(0, n));
    const errno = c.errno();
    if (errno === 61 || errno === 95) return undefined; // ENODATA, EOPNOTSUPP
    if (errno !== 34 || size > 1 << 20) throw new ErrnoError("lgetxattr", errno, path); // 34: ERANGE
  }
}

export function llistxattr(path: string): string[] {
  const c = load();
  const size = c.llistxattr(path, null, 0);
  if (size < 0) {
    const errno = c.errno();
    if (errno === 95) return [];
    throw new ErrnoError("llistxattr", errno, path);
  }
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const n = check(c.llistxattr(path, buf, size), "llistxattr", path);
  return buf.subarray(0, n).toString("utf8").split("\0").filter(Boolean);
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

/** An exclusive flock(2) on an open file, without blocking: false when another holder has it. */
export function tryLockExclusive(fd: number, path: string): boolean {
  return tryFlock(fd, path, LOCK_EX);
}

/** A shared flock(2) on an open file, without blocking: false when an exclusive holder has it. */
export function tryLockShared(fd: number, path: string): boolean {
  return tryFlock(fd, path, LOCK_SH);
}

function tryFlock(fd: number, path: string, kind: number): boolean {
  const c = load();
  if (c.flock(fd, kind | LOCK_NB) === 0) return true;
  const errno = c.errno();
  if (errno === 11) return false; // EWOULDBLOCK
  throw new ErrnoError("flock", errno, path);
}

// linux/fs.h: the inode flags chattr(1) sets. The ioctls are declared with a long but the kernel
// reads and writes an int; the buffer is 8 bytes so that either fits.
const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
const FS_IMMUTABLE_FL = 0x10;
const FS_APPEND_FL = 0x20;

/**
 * Clears the immutable and append-only flags of a file or directory (chattr -i -a), which block
 * its removal even for root. False when it had neither, or the filesystem has no such flags.
 * Needs CAP_LINUX_IMMUTABLE. Symlinks and devices carry no flags and are never opened.
 */
export function clearImmutable(path: string | Buffer): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch {
    return false;
  }
  try {
    const c = load();
    const flags = Buffer.alloc(8);
    if (c.ioctlInt(fd, FS_IOC_GETFLAGS, flags) < 0) return false;
    const value = flags.readInt32LE(0);
    if ((value & (FS_IMMUTABLE_FL | FS_APPEND_FL)) === 0) return false;
    flags.writeInt32LE(value & ~(FS_IMMUTABLE_FL | FS_APPEND_FL), 0);
    return c.ioctlInt(fd, FS_IOC_SETFLAGS, flags) === 0;
  } finally {
    fs.closeSync(fd);
  }
}
