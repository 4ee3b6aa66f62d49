// Mounting and unmounting, through libc: overlay mounts for container root filesystems. An overlay
// with many lower layers does not fit mount(2)'s one-page option string, so above that berth uses
// the new mount API (fsopen/fsconfig "lowerdir+", Linux 6.8+), which takes one layer per call.
import { createRequire } from "node:module";
import { ErrnoError } from "./linux.js";

const require = createRequire(import.meta.url);

export interface Mount {
  readonly type: string;
  readonly source: string;
  readonly target: string;
  readonly options: readonly string[];
}

interface MountLib {
  mount(source: string, target: string, type: string | null, flags: number, data: string | null): number;
  umount2(target: string, flags: number): number;
  fsopen(fsname: string, flags: number): number;
  fsconfig(fd: number, cmd: number, key: string | null, value: string | null, aux: number): number;
  fsmount(fd: number, flags: number, attrFlags: number): number;
  moveMount(fromFd: number, fromPath: string, toFd: number, toPath: string, flags: number): number;
  close(fd: number): number;
  errno(): number;
}

let lib: MountLib | undefined;

function load(): MountLib {
  if (lib) return lib;
  const koffi = require("koffi") as typeof import("koffi");
  const libc = koffi.load("libc.so.6");
  const syscall = libc.func("long syscall(long number, ...)");
  const int = "int";
  const str = "const char *";
  // x86_64 and arm64 share these numbers (the new mount API was added to every arch at once).
  const SYS = { fsopen: 430, fsconfig: 431, fsmount: 432, move_mount: 429 };
  lib = {
    mount: libc.func("int mount(const char *source, const char *target, const char *type, unsigned long flags, const char *data)"),
    umount2: libc.func("int umount2(const char *target, int flags)"),
    fsopen: (name, flags) => Number(syscall(SYS.fsopen, str, name, int, flags)),
    fsconfig: (fd, cmd, key, value, aux) => Number(syscall(SYS.fsconfig, int, fd, int, cmd, str, key, str, value, int, aux)),
    fsmount: (fd, flags, attr) => Number(syscall(SYS.fsmount, int, fd, int, flags, int, attr)),
    moveMount: (fromFd, fromPath, toFd, toPath, flags) =>
      Number(syscall(SYS.move_mount, int, fromFd, str, fromPath, int, toFd, str, toPath, int, flags)),
    close: libc.func("int close(int fd)"),
    errno: () => koffi.errno(),
  };
  return lib;
}

const MNT_DETACH = 2;
const EINVAL = 22;
const ENOENT = 2;
const FSCONFIG_SET_STRING = 1;
const FSCONFIG_CMD_CREATE = 6;
const AT_FDCWD = -100;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** mount(2) copies at most one page of option data. */
const MAX_MOUNT_DATA = 4000;

function fail(syscall: string, path: string): never {
  throw new ErrnoError(syscall, load().errno(), path);
}

/** Mounts an overlay of `lower` (top first) under `upper`; without upper and work, read-only. */
export function mountOverlay(opts: { lower: readonly string[]; upper?: string; work?: string; target: string }): void {
  const rw = opts.upper && opts.work ? `,upperdir=${opts.upper},workdir=${opts.work}` : "";
  const data = `lowerdir=${opts.lower.join(":")}${rw},index=off`;
  const c = load();
  if (data.length <= MAX_MOUNT_DATA) {
    if (c.mount("overlay", opts.target, "overlay", 0, data) < 0) fail("mount overlay", opts.target);
    return;
  }
  const fs = c.fsopen("overlay", 0);
  if (fs < 0) fail("fsopen overlay", opts.target);
  try {
    const set = (key: string, value: string) => {
      if (c.fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) < 0) fail(`fsconfig ${key}=${value}`, opts.target);
    };
    // Each lowerdir+ appends one layer below the ones given before: top first, as in lowerdir=.
    for (const dir of opts.lower) set("lowerdir+", dir);
    if (opts.upper && opts.work) {
      set("upperdir", opts.upper);
      set("workdir", opts.work);
    }
    set("index", "off");
    set("source", "overlay");
    if (c.fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) fail("fsconfig create", opts.target);
    const mnt = c.fsmount(fs, 0, 0);
    if (mnt < 0) fail("fsmount", opts.target);
    try {
      if (c.moveMount(mnt, "", AT_FDCWD, opts.target, MOVE_MOUNT_F_EMPTY_PATH) < 0) fail("move_mount", opts.target);
    } finally {
      c.close(mnt);
    }
  } finally {
    c.close(fs);
  }
}

/** Lazily detaches a mount; a path that is not mounted is fine (idempotent). */
export function unmount(target: string): void {
  const c = load();
  if (c.umount2(target, MNT_DETACH) < 0) {
    const errno = c.errno();
    if (errno === EINVAL || errno === ENOENT) return;
    throw new ErrnoError("umount", errno, target);
  }
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  return mountinfo
    .split("\n")
    .map((line) => unescapeMountPath(line.split(" ")[4] ?? ""))
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
